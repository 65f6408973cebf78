package worker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// luaCounter counts the Lua calls (EVALSHA, EVAL) a real client sends, pipelined or not.
type luaCounter struct{ n atomic.Int64 }

func (c *luaCounter) count(cmds ...redis.Cmder) {
	for _, cmd := range cmds {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			c.n.Add(1)
		}
	}
}

func (c *luaCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *luaCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.count(cmd); return next(ctx, cmd) }
}

func (c *luaCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.count(cmds...); return next(ctx, cmds) }
}

// claimCase is one state of a delivery record and what taking it for token "t1" answers.
type claimCase struct {
	name    string
	holds   string        // the record before; "" for none
	ttl     time.Duration // its TTL before; 0 for none
	wantOK  bool
	wantErr error  // errors.Is; nil for none
	prior   string // the prior outcome answered
	after   string // the record after
	// renewed: the record's TTL afterwards is the claim lease (2 minutes), not what it was.
	renewed bool
}

var claimCases = []claimCase{
	{name: "free: taken", wantOK: true, after: "claimed|t1", renewed: true},
	{name: "ours again: lease renewed", holds: "claimed|t1", ttl: 5 * time.Second, wantOK: true, after: "claimed|t1", renewed: true},
	{name: "prior outcome: answered", holds: "sent|email|a||1740830400", ttl: time.Hour,
		prior: "sent|email|a||1740830400", after: "sent|email|a||1740830400"},
	{name: "skipped before: answered", holds: "skipped|window|", prior: "skipped|window|", after: "skipped|window|"},
	{name: "held by another attempt: ErrClaimHeld", holds: "claimed|t2", ttl: time.Minute,
		wantErr: delivery.ErrClaimHeld, prior: "claimed|t2", after: "claimed|t2"},
}

// claimBackends are the servers claims must work on: the real one and miniredis, which
// `rapport demo` runs on (SET with NX and GET together is Redis 7.0).
var claimBackends = map[string]func(t *testing.T) redis.UniversalClient{
	"redis-server": func(t *testing.T) redis.UniversalClient { return testenv.NewRedis(t).Client },
	"miniredis": func(t *testing.T) redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
		t.Cleanup(func() { _ = c.Close() })
		return c
	},
}

// checkClaim checks what taking a claim answered and left in Redis.
func checkClaim(t *testing.T, rdb redis.UniversalClient, key string, tc claimCase, ok bool, prior string, err error) {
	t.Helper()
	ctx := context.Background()
	if ok != tc.wantOK || prior != tc.prior || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
		t.Fatalf("answered (%v, %q, %v), want (%v, %q, %v)", ok, prior, err, tc.wantOK, tc.prior, tc.wantErr)
	}
	if got := rdb.Get(ctx, key).Val(); got != tc.after {
		t.Fatalf("record %q, want %q", got, tc.after)
	}
	ttl := rdb.PTTL(ctx, key).Val()
	switch {
	case tc.renewed && (ttl <= time.Minute || ttl > 2*time.Minute):
		t.Fatalf("TTL %s, want the claim lease", ttl)
	case !tc.renewed && tc.ttl == 0 && ttl >= 0:
		t.Fatalf("TTL %s, want none", ttl)
	case !tc.renewed && tc.ttl > 0 && (ttl <= 0 || ttl > tc.ttl):
		t.Fatalf("TTL %s, want at most %s", ttl, tc.ttl)
	}
}

func TestClaimsTakeWithoutLua(t *testing.T) {
	for backend, connect := range claimBackends {
		for _, tc := range claimCases {
			t.Run(backend+"/"+tc.name, func(t *testing.T) {
				rdb := connect(t)
				ctx := context.Background()
				const key = "rp:{c:u1}:d:spring:o"
				if tc.holds != "" {
					rdb.Set(ctx, key, tc.holds, tc.ttl)
				}
				lua := &luaCounter{}
				rdb.AddHook(lua)
				ok, prior, err := delivery.NewClaims(rdb).Take(ctx, key, "t1")
				checkClaim(t, rdb, key, tc, ok, prior, err)
				if n := lua.n.Load(); n != 0 {
					t.Fatalf("%d Lua calls to take a claim", n)
				}
			})
		}
	}
}

// TestClaimsTakeManyWithoutLua takes every case's claim in one pipeline, on a single server,
// miniredis and a Redis Cluster (the keys are in different slots: one customer per case).
func TestClaimsTakeManyWithoutLua(t *testing.T) {
	backends := map[string]func(t *testing.T) redis.UniversalClient{
		"cluster": func(t *testing.T) redis.UniversalClient { _, c := testenv.NewCluster(t); return c },
	}
	for name, connect := range claimBackends {
		backends[name] = connect
	}
	for backend, connect := range backends {
		t.Run(backend, func(t *testing.T) {
			rdb := connect(t)
			ctx := context.Background()
			keys, tokens := make([]string, len(claimCases)), make([]string, len(claimCases))
			for i, tc := range claimCases {
				keys[i], tokens[i] = "rp:{c:u"+string(rune('a'+i))+"}:d:spring:o", "t1"
				if tc.holds != "" {
					if err := rdb.Set(ctx, keys[i], tc.holds, tc.ttl).Err(); err != nil {
						t.Fatal(err)
					}
				}
			}
			lua := &luaCounter{}
			if c, ok := rdb.(interface{ AddHook(redis.Hook) }); ok {
				c.AddHook(lua)
			}
			oks, priors, errs := delivery.NewClaims(rdb).TakeMany(ctx, keys, tokens)
			for i, tc := range claimCases {
				t.Run(tc.name, func(t *testing.T) { checkClaim(t, rdb, keys[i], tc, oks[i], priors[i], errs[i]) })
			}
			if n := lua.n.Load(); n != 0 {
				t.Fatalf("%d Lua calls to take %d claims", n, len(keys))
			}
		})
	}
}

// TestSendAndOutcomeInOneCallOnRedisCluster writes delivery outcomes over claims taken with
// TakeMany together with the sends, as a batch does, on a three-master Cluster: the claim and
// the profile must be in one slot, or Redis answers CROSSSLOT.
func TestSendAndOutcomeInOneCallOnRedisCluster(t *testing.T) {
	_, rdb := testenv.NewCluster(t)
	ctx := context.Background()
	store := customers.NewStore(rdb, customers.Options{})
	ids := []string{"ana", "ben", "cyd", "dov", "eva", "fay"}
	for _, id := range ids {
		if _, err := store.Apply(ctx, []customers.Event{{Type: "identify", MessageID: "i-" + id, UserID: id,
			Traits: map[string]any{"email": id + "@example.com"}, Timestamp: time.Now(), ReceivedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	keys, tokens := make([]string, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		keys[i], tokens[i] = "rp:"+customers.HashTag(id)+":d:spring:o", "tok-"+id
	}
	claims := delivery.NewClaims(rdb)
	oks, _, errs := claims.TakeMany(ctx, keys, tokens)
	sends := make([]customers.SendOf, len(ids))
	for i, id := range ids {
		if !oks[i] || errs[i] != nil {
			t.Fatalf("claim of %s: %v %v", id, oks[i], errs[i])
		}
		sends[i] = customers.SendOf{ID: id, Send: decide.Send{Campaign: "spring", Occurrence: "o", Channel: "email", At: time.Now()},
			Outcome: &customers.KeyWrite{Key: keys[i], Expect: "claimed|" + tokens[i], Value: "sent|email|a||1", TTL: time.Hour}}
	}
	for i, err := range store.RecordSends(ctx, sends) {
		if err != nil {
			t.Fatalf("record %s: %v", ids[i], err)
		}
	}
	for _, id := range ids {
		rec, ok, err := claims.Outcome(ctx, id, "spring", "o")
		if got := outcomeText(rec, ok); err != nil || got != "sent|email|a|" {
			t.Fatalf("outcome of %s: %q", id, got)
		}
		if p := must(store.Get(ctx, id)); len(p.Sends) != 1 {
			t.Fatalf("sends of %s: %+v", id, p.Sends)
		}
	}
}
