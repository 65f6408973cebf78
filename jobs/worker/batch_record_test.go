package worker_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/internal/testenv"
)

// customerLua counts the Lua calls on a customer's keys (KEYS[1] is rp:{c:...}) that Redis ran,
// not counting those it refused with NOSCRIPT (the script is then sent again).
type customerLua struct{ n atomic.Int64 }

// count counts cmd when it is a Lua call on a customer's keys that ran: err is its error (a
// ProcessHook sees it returned, before go-redis sets it on cmd).
func (c *customerLua) count(cmd redis.Cmder, err error) {
	args := cmd.Args()
	if name := cmd.Name(); (name != "evalsha" && name != "eval") || len(args) < 4 {
		return
	}
	if key := fmt.Sprint(args[3]); strings.HasPrefix(key, "rp:{c:") && !redis.HasErrorPrefix(err, "NOSCRIPT") {
		c.n.Add(1)
	}
}

func (c *customerLua) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *customerLua) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		c.count(cmd, err)
		return err
	}
}

func (c *customerLua) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			c.count(cmd, cmd.Err())
		}
		return err
	}
}

// TestScheduledBatchMakesOneLuaCallPerMessageSent: the claim is a native SET, and the outcome
// over it is written with the send on the profile in one script call. It was three calls
// per message (claim, outcome, profile): Lua calls were two thirds of Redis's time.
func TestScheduledBatchMakesOneLuaCallPerMessageSent(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	lua := &customerLua{}
	rdb.AddHook(lua)
	b := setupScheduledOn(t, rdb, dailyLocal)
	const n = 40
	byID := map[string]map[string]any{}
	for i := range n {
		byID[fmt.Sprintf("c%02d", i)] = emailTo(fmt.Sprintf("c%02d", i), "UTC", nil)
	}
	b.customers(byID)
	lua.n.Store(0)
	start := time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC)
	b.drive(b.scheduler(), start, start.Add(36*time.Hour), time.Hour) // sends on the 13th at 10:00
	if got := b.smtp.Count(); got != n {
		t.Fatalf("%d emails, want %d", got, n)
	}
	for id := range byID {
		if s := b.sends(id); len(s) != 1 {
			t.Fatalf("%s: sends %+v", id, s)
		}
		keys := must(rdb.Keys(context.Background(), "rp:{c:"+id+"}:d:*").Result())
		if len(keys) != 1 || !strings.HasPrefix(rdb.Get(context.Background(), keys[0]).Val(), "sent|") {
			t.Fatalf("%s: delivery records %v", id, keys)
		}
	}
	if got := lua.n.Load(); got != n {
		t.Fatalf("%d Lua calls on customer keys for %d messages, want one per message", got, n)
	}
}
