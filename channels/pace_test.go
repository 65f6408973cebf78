package channels

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/textproto"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wneessen/go-mail"
	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/internal/testenv"
)

// fakeClock is a clock the test moves; sleeping moves it (single-goroutine tests only).
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

// commandCounter counts the commands a Redis client sends.
type commandCounter struct {
	n     atomic.Int64
	mu    sync.Mutex
	names []string
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		c.mu.Lock()
		c.names = append(c.names, cmd.Name())
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(int64(len(cmds))); return next(ctx, cmds) }
}

func newTestPacer(t *testing.T, cfg PaceConfig, rdb redis.Scripter, clock *fakeClock) *Pacer {
	t.Helper()
	p, err := NewPacer(cfg, rdb, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("NewPacer: %v", err)
	}
	if clock != nil {
		p.now, p.sleep = clock.now, clock.sleep
	}
	return p
}

// TestSharedLimitsHoldAcrossWorkers runs four workers, each a Pacer of its own on one Redis,
// each trying to send a message every millisecond of simulated time for five seconds (in
// an order drawn anew every millisecond, as concurrent workers interleave). It
// counts the sends of every one-second window, sliding by a millisecond: all email stays
// within email.rate_limit and a domain within its email.domain_limits, each up to the
// bucket's burst and the tokens in hand (pace.go), while the limit is used, not starved,
// and every worker gets a share.
func TestSharedLimitsHoldAcrossWorkers(t *testing.T) {
	t.Parallel()
	const (
		workers = 4
		span    = 5 * time.Second
	)
	cases := []struct {
		name   string
		cfg    PaceConfig
		domain string
		limit  float64 // the limit that binds
	}{
		{"rate limit", PaceConfig{RateLimit: 200}, "example.org", 200},
		{"domain limit under the rate limit", PaceConfig{RateLimit: 200, DomainLimits: map[string]float64{"Gmail.com": 50}}, "gmail.com", 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := testenv.NewRedis(t)
			start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			pacers := make([]*Pacer, workers)
			next := make([]time.Time, workers)
			for i := range pacers {
				pacers[i] = newTestPacer(t, c.cfg, r.Client, nil)
				next[i] = start
			}
			ms := int(span / time.Millisecond)
			perMs := make([]int, ms)
			share := make([]int, workers)
			order := rand.New(rand.NewPCG(1, 2))
			for step := range ms {
				now := start.Add(time.Duration(step) * time.Millisecond)
				for _, w := range order.Perm(workers) {
					if now.Before(next[w]) {
						continue
					}
					wait, err := pacers[w].reserve(context.Background(), c.domain, now)
					if err != nil {
						t.Fatal(err)
					}
					if wait > 0 {
						next[w] = now.Add(wait)
						continue
					}
					perMs[step]++
					share[w]++
				}
			}
			b := newBucket("", c.limit, defaultPaceBatch)
			bound := int(c.limit + float64(b.capacity) + c.limit*tokenKeep.Seconds())
			worst, total, window := 0, 0, 0
			for i, n := range perMs {
				total += n
				window += n
				if i >= 1000 {
					window -= perMs[i-1000]
				}
				worst = max(worst, window)
			}
			t.Logf("%d sends in %s, at most %d in one second (limit %v/s, bound %d), per worker %v", total, span, worst, c.limit, bound, share)
			if worst > bound {
				t.Errorf("%d sends in one second, want at most %d", worst, bound)
			}
			if want := int(0.95 * c.limit * span.Seconds()); total < want {
				t.Errorf("%d sends in %s, want at least %d: the limit is not used", total, span, want)
			}
			for w, n := range share {
				if n < total/workers/2 {
					t.Errorf("worker %d sent %d of %d: starved (shares %v)", w, n, total, share)
				}
			}
		})
	}
}

// TestPacingCallsRedisOncePerBatch: with no shared limit nothing goes to Redis; with one,
// a worker takes tokens ten at a time.
func TestPacingCallsRedisOncePerBatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cfg     PaceConfig
		maxCmds int64
	}{
		{"no shared limit", PaceConfig{}, 0},
		// 200 messages, batches of 10: 20 script calls, and one more for the first EVALSHA
		// that Redis answers NOSCRIPT.
		{"rate limit", PaceConfig{RateLimit: 100000}, 21},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := testenv.NewRedis(t)
			var count commandCounter
			r.Client.AddHook(&count)
			// A clock that stands still: tokens taken never go stale, however slow the sends.
			clock := &fakeClock{t: time.Now()}
			b := setupSMTP(t, func(cfg *SMTPConfig) { cfg.Pacer = newTestPacer(t, c.cfg, r.Client, clock) })
			for i := range 200 {
				if _, err := b.pool.SendEmail(context.Background(), testEmail(i)); err != nil {
					t.Fatal(err)
				}
			}
			if n := count.n.Load(); n > c.maxCmds {
				t.Errorf("%d Redis commands for 200 messages, want at most %d: %v", n, c.maxCmds, count.names)
			}
			b.sink.Wait(t, 200, 5*time.Second)
		})
	}
}

// throttleErr is a refusal as the pipelined path reports it.
func throttleErr(code int, msg string) error {
	return &stageError{reason: mail.ErrSMTPMailFrom, code: code, err: &textproto.Error{Code: code, Msg: msg}}
}

// TestThrottledDomainHalvesItsRateAndRecoversAdditively: a "too much mail" answer halves the
// domain's rate on this worker (once per second however many answers come at once), each
// quiet second gives a tenth back, and the cap is lifted when it is back where it started.
// Other answers, and other domains, change nothing.
func TestThrottledDomainHalvesItsRateAndRecoversAdditively(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	p := newTestPacer(t, PaceConfig{BackoffStart: 20}, nil, clock)
	tooMuch := throttleErr(450, "4.7.1 Error: too much mail from 127.0.0.1")
	rateOf := func() float64 {
		if st := p.backoff["example.org"]; st != nil {
			return st.rate
		}
		return 0
	}
	steps := []struct {
		name    string
		advance time.Duration
		err     error
		want    float64 // 0: no cap
	}{
		{"a mailbox busy answer is about one mailbox", 0, throttleErr(450, "4.2.1 Mailbox busy, try again later"), 0},
		{"a 550 is not a throttle", 0, throttleErr(550, "5.7.1 too much mail"), 0},
		{"too much mail halves the start rate", 0, tooMuch, 10},
		{"answers in flight in the same second change nothing", 500 * time.Millisecond, tooMuch, 10},
		{"a second later it halves again", 600 * time.Millisecond, tooMuch, 5},
		{"Gmail's 421 4.7.28 too", 1100 * time.Millisecond, throttleErr(421, "4.7.28 unusual rate of unsolicited mail"), 2.5},
		{"a quiet second gives back a tenth of the start", time.Second, nil, 4.5},
		{"three more seconds, three tenths", 3 * time.Second, nil, 10.5},
		{"back at the start rate the cap is lifted", 10 * time.Second, nil, 0},
	}
	for _, s := range steps {
		_ = clock.sleep(context.Background(), s.advance)
		p.Observe("anna@Example.org", s.err)
		if got := rateOf(); got != s.want {
			t.Fatalf("%s: rate %v, want %v", s.name, got, s.want)
		}
	}
	// While capped, messages to the domain are spaced; other domains are not.
	p.Observe("anna@example.org", tooMuch)
	if got := rateOf(); got != 10 {
		t.Fatalf("rate %v after a new throttle, want 10", got)
	}
	before := clock.now()
	for i := range 5 {
		if err := p.Wait(context.Background(), fmt.Sprintf("c%d@example.org", i)); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(context.Background(), fmt.Sprintf("c%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	if took := clock.now().Sub(before); took != 400*time.Millisecond {
		t.Errorf("5 messages at 10/s (and 5 to an unthrottled domain) took %s, want 400ms", took)
	}
	// A domain with a configured limit starts from it, whatever the case of its name.
	limited := newTestPacer(t, PaceConfig{DomainLimits: map[string]float64{"Gmail.com": 50}}, testenv.NewRedis(t).Client, clock)
	limited.Observe("anna@GMAIL.com", tooMuch)
	if st := limited.backoff["gmail.com"]; st == nil || st.rate != 25 {
		t.Errorf("gmail.com (limit 50/s) after a throttle: %+v, want 25/s", st)
	}
}

// TestPacerNeedsRedisForSharedLimits: shared limits without Redis are a configuration
// error at start, not a silent per-worker limit.
func TestPacerNeedsRedisForSharedLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  PaceConfig
	}{
		{"rate limit", PaceConfig{RateLimit: 200}},
		{"domain limit", PaceConfig{DomainLimits: map[string]float64{"gmail.com": 50}}},
		{"negative rate", PaceConfig{RateLimit: -1}},
		{"zero domain rate", PaceConfig{DomainLimits: map[string]float64{"gmail.com": 0}}},
		{"address for a domain", PaceConfig{DomainLimits: map[string]float64{"a@gmail.com": 5}}},
	}
	for _, c := range cases {
		if _, err := NewPacer(c.cfg, nil, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
