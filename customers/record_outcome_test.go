package customers

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
)

// luaCounter counts the Lua calls (EVALSHA and EVAL) a client sends, pipelined or not, and
// among them the EVALSHAs of recordScript. It observes a real client; it answers nothing itself.
type luaCounter struct{ n, record atomic.Int64 }

func (c *luaCounter) count(cmd redis.Cmder) {
	name := cmd.Name()
	if name != "evalsha" && name != "eval" {
		return
	}
	c.n.Add(1)
	if args := cmd.Args(); len(args) > 1 && args[1] == recordScript.Hash() {
		c.record.Add(1)
	}
}

func (c *luaCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *luaCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count(cmd)
		return next(ctx, cmd)
	}
}

func (c *luaCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.count(cmd)
		}
		return next(ctx, cmds)
	}
}

// recordBackends are the Redis servers RecordSends with an Outcome must work on: the real
// one (a server of its own, as a case flushes its scripts) and miniredis, which `rapport
// demo` runs on.
var recordBackends = map[string]func(t *testing.T) *redis.Client{
	"redis-server": func(t *testing.T) *redis.Client {
		srv, err := testenv.StartRedisServer()
		if err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		t.Cleanup(srv.Stop)
		c := redis.NewClient(&redis.Options{Addr: srv.Addr})
		t.Cleanup(func() { _ = c.Close() })
		return c
	},
	"miniredis": func(t *testing.T) *redis.Client {
		m := miniredis.RunT(t)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { _ = c.Close() })
		return c
	},
}

func TestRecordSendsWritesTheOutcomeWithTheSendInOneCall(t *testing.T) {
	const claim, sent = "claimed|t1", "sent|email|a||1740830400"
	outcomeKey := func(id string) string { return "rp:" + HashTag(id) + ":d:spring:o" }
	cases := []struct {
		name     string
		id       string // the customer sent to; "u1" when empty
		campaign string // "spring" when empty; "-" for none (an invalid send)
		holds    string // the outcome key's value before the call; "" for none
		key      string // the outcome key when not outcomeKey(id)
		ttl      time.Duration
		// between runs after the profile was read and before RecordSends.
		between func(t *testing.T, b *testBundle)
		// flush makes Redis forget its scripts (SCRIPT FLUSH, a restart) before the call.
		flush    bool
		errIs    error  // the error must wrap it
		errText  string // or contain it
		wantKey  string // the outcome key's value after the call
		wantSend bool   // the send is on the profile
		wantName string // the profile's first name after the call
		wantLua  int64  // Lua calls made; 0: not checked
	}{
		{name: "claim held by us: outcome and send in one call", holds: claim, ttl: time.Hour,
			wantKey: sent, wantSend: true, wantLua: 1},
		{name: "no claim: written", ttl: time.Hour, wantKey: sent, wantSend: true, wantLua: 1},
		{name: "outcome kept for ever", holds: claim, wantKey: sent, wantSend: true, wantLua: 1},
		{name: "claim lost to another worker: reported, send recorded", holds: "claimed|t2", ttl: time.Hour,
			errIs: ErrKeyChanged, wantKey: "claimed|t2", wantSend: true, wantLua: 1},
		{name: "prior outcome kept: reported, send recorded", holds: "skipped|window|", ttl: time.Hour,
			errIs: ErrKeyChanged, wantKey: "skipped|window|", wantSend: true, wantLua: 1},
		{name: "profile changed since read: outcome once, send recorded by the retry", holds: claim, ttl: time.Hour,
			between: func(t *testing.T, b *testBundle) {
				b.apply(t, identify("u1", "m9", day(1), map[string]any{"firstName": "Anna"}))
			},
			wantKey: sent, wantSend: true, wantName: "Anna", wantLua: 2},
		{name: "scripts flushed: still recorded", holds: claim, ttl: time.Hour,
			flush: true, wantKey: sent, wantSend: true, wantLua: 3},
		{name: "customer erased: outcome written all the same", id: "ghost", holds: claim, ttl: time.Hour,
			errIs: ErrNotFound, wantKey: sent, wantLua: 1},
		{name: "invalid send: outcome written all the same", campaign: "-", holds: claim, ttl: time.Hour,
			errText: "campaign is required", wantKey: sent, wantLua: 1},
		{name: "key of another customer refused", key: "rp:{c:u2}:d:spring:o", holds: claim, ttl: time.Hour,
			errText: "hash tag", wantKey: claim, wantLua: -1},
		{name: "the profile itself refused", key: "rp:{c:u1}", ttl: time.Hour,
			errText: "store's own", wantSend: false, wantLua: -1},
	}
	for backend, connect := range recordBackends {
		for _, tc := range cases {
			t.Run(backend+"/"+tc.name, func(t *testing.T) {
				client := connect(t)
				lua := &luaCounter{}
				client.AddHook(lua)
				b := &testBundle{store: NewStore(client, Options{Now: func() time.Time { return testNow }}), ctx: context.Background()}
				b.apply(t, identify("u1", "m1", day(2), nil), identify("u2", "m2", day(2), nil))
				id := cmp.Or(tc.id, "u1")
				key := cmp.Or(tc.key, outcomeKey(id))
				if tc.holds != "" {
					if err := client.Set(b.ctx, key, tc.holds, 0).Err(); err != nil {
						t.Fatal(err)
					}
				}
				read, err := b.store.GetMany(b.ctx, []string{id})
				if err != nil {
					t.Fatal(err)
				}
				if tc.between != nil {
					tc.between(t, b)
				}
				send := decide.Send{Campaign: cmp.Or(tc.campaign, "spring"), Occurrence: "o", Channel: "email", At: testNow}
				if tc.campaign == "-" {
					send.Campaign = ""
				}
				loadScripts(t, b)
				if tc.flush {
					if err := client.ScriptFlush(b.ctx).Err(); err != nil {
						t.Fatal(err)
					}
				}
				lua.n.Store(0)
				errs := b.store.RecordSends(b.ctx, []SendOf{{ID: id, Send: send, Read: read[0],
					Outcome: &KeyWrite{Key: key, Expect: claim, Value: sent, TTL: tc.ttl}}})

				err = errs[0]
				switch {
				case tc.errIs != nil && !errors.Is(err, tc.errIs):
					t.Fatalf("error %v, want %v", err, tc.errIs)
				case tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)):
					t.Fatalf("error %v, want one saying %q", err, tc.errText)
				case tc.errIs == nil && tc.errText == "" && err != nil:
					t.Fatalf("error %v", err)
				}
				if got := client.Get(b.ctx, key).Val(); tc.key != "rp:{c:u1}" && got != tc.wantKey {
					t.Fatalf("outcome key holds %q, want %q", got, tc.wantKey)
				}
				if tc.wantKey == sent {
					ttl := client.PTTL(b.ctx, key).Val()
					if (tc.ttl == 0 && ttl >= 0) || (tc.ttl > 0 && (ttl <= 0 || ttl > tc.ttl)) {
						t.Fatalf("outcome key TTL %s, want %s", ttl, tc.ttl)
					}
				}
				if id != "ghost" {
					p := b.get(t, id)
					if got := len(p.Sends) == 1 && p.Sends[0].Campaign == "spring"; got != tc.wantSend {
						t.Fatalf("sends on the profile %+v, want the send: %v", p.Sends, tc.wantSend)
					}
					if p.FirstName != tc.wantName {
						t.Fatalf("first name %q, want %q: the retry must not write the profile as read", p.FirstName, tc.wantName)
					}
				} else if _, err := b.store.Get(b.ctx, id); !errors.Is(err, ErrNotFound) {
					t.Fatalf("the send brought back an erased customer: %v", err)
				}
				if n := lua.n.Load(); (tc.wantLua > 0 && n != tc.wantLua) || (tc.wantLua < 0 && n != 0) {
					t.Fatalf("%d Lua calls, want %d", n, max(tc.wantLua, 0))
				}
				// The outcome is written once: a retry of the profile never runs recordScript
				// again.
				if n := lua.record.Load(); !tc.flush && tc.wantLua > 0 && n != 1 {
					t.Fatalf("recordScript ran %d times", n)
				}
			})
		}
	}
}

// TestRecordSendsWithOutcomesMakesOneLuaCallPerSend records a group as jobs.Batcher does:
// one pipelined Lua call per send, whatever the outcome of each.
func TestRecordSendsWithOutcomesMakesOneLuaCallPerSend(t *testing.T) {
	b := setup(t)
	lua := &luaCounter{}
	b.redis.Client.AddHook(lua)
	ids := []string{"u1", "u2", "u3", "u4"}
	for _, id := range ids {
		b.apply(t, identify(id, "m-"+id, day(1), nil))
	}
	read, err := b.store.GetMany(b.ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	b.redis.Client.Set(b.ctx, "rp:{c:u3}:d:x:o", "claimed|other", 0)
	sends := make([]SendOf, len(ids))
	for i, id := range ids {
		sends[i] = SendOf{ID: id, Read: read[i],
			Send:    decide.Send{Campaign: "x", Occurrence: "o", Channel: "sms", At: testNow},
			Outcome: &KeyWrite{Key: "rp:{c:" + id + "}:d:x:o", Expect: "claimed|" + id, Value: "sent|sms|a||1", TTL: time.Hour}}
	}
	loadScripts(t, b)
	lua.n.Store(0)
	errs := b.store.RecordSends(b.ctx, sends)
	if n := lua.n.Load(); n != int64(len(ids)) {
		t.Fatalf("%d Lua calls for %d sends", n, len(ids))
	}
	for i, id := range ids {
		if (errs[i] != nil) != (id == "u3") || (id == "u3" && !errors.Is(errs[i], ErrKeyChanged)) {
			t.Fatalf("%s: %v", id, errs[i])
		}
		if p := b.get(t, id); len(p.Sends) != 1 {
			t.Fatalf("%s: sends %+v", id, p.Sends)
		}
	}
}

// loadScripts loads the scripts, as a running Redis holds them after the first calls, so that
// the Lua calls counted are those of the steady state.
func loadScripts(t *testing.T, b *testBundle) {
	t.Helper()
	for _, s := range []*redis.Script{casScript, recordScript} {
		if err := s.Load(b.ctx, b.store.rdb).Err(); err != nil {
			t.Fatal(err)
		}
	}
}
