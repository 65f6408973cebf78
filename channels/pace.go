package channels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// Pacing has three layers, checked in this order before every message:
//
//  1. An adaptive cap per recipient domain, per worker (AIMD): a "too much mail" answer
//     (throttled) halves the rate this worker sends to that domain, at most once per second,
//     and each second without one gives back a tenth of the rate it started from, until the
//     cap is lifted. Retrying at full speed into a throttling provider only deepens the
//     penalty.
//  2. A limit per recipient domain shared by all workers (email.domain_limits), a token
//     bucket in Redis.
//  3. A limit on all email shared by all workers (email.rate_limit), a token bucket in Redis.
//
// SMTPConfig.RatePerSecond, the pool's own cap, stays a per-worker limit in the pool.
//
// A worker takes tokens from a shared bucket in batches: one round trip per batch instead of
// one per message. At 200/s with batches of 10 that is 20 calls a second instead of 200, and
// nine messages in ten go out without waiting for Redis (about 0.1 ms on loopback, 0.5 ms or
// more across a data centre, against 1 to 2 ms for the message itself). A batch holds at
// most 1/20 s of the rate, and tokens not used within that time are dropped, so a worker
// never hoards the shared rate and the sum over any one-second window stays within the rate
// plus the bucket's burst (a tenth of a second of the rate) and 1/20 s of tokens in hand.
// With no shared limit configured, pacing makes no Redis call at all.

// PaceConfig configures a Pacer. Rates are messages per second; zero means no limit.
type PaceConfig struct {
	// RateLimit caps the email of all workers together (email.rate_limit). Needs Redis.
	RateLimit float64
	// DomainLimits caps the email of all workers to one recipient domain
	// (email.domain_limits, e.g. gmail.com: 50). Domains are matched exactly, case-insensitively.
	// Needs Redis.
	DomainLimits map[string]float64
	// MaxBatch is the most tokens a worker takes from a shared bucket at once. Default 10.
	MaxBatch int
	// BackoffStart is the per-worker rate the adaptive cap of a domain with no configured
	// limit starts from on its first "too much mail" answer, before halving: a guess, since
	// the rate the provider wants is not known; later answers halve it further. Default 20.
	BackoffStart float64
}

// Pacing defaults; each is documented on its PaceConfig field.
const (
	defaultPaceBatch    = 10
	defaultBackoffStart = 20
	// minBackoffRate is the floor of an adaptive cap: one message every ten seconds still
	// tells us when the provider takes mail again.
	minBackoffRate = 0.1
	// backoffGap is the least time between two halvings of one domain's cap: the answers to
	// messages already in flight when the first came tell nothing new.
	backoffGap = time.Second
	// recoverSteps is how many seconds without a throttle answer bring a halved cap back to
	// where it started.
	recoverSteps = 10
)

func (c PaceConfig) withDefaults() PaceConfig {
	if c.MaxBatch == 0 {
		c.MaxBatch = defaultPaceBatch
	}
	if c.BackoffStart == 0 {
		c.BackoffStart = defaultBackoffStart
	}
	return c
}

func (c PaceConfig) validate() error {
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		return fmt.Errorf("email rate limit %v per second must be a positive number, or 0 for none", c.RateLimit)
	}
	for d, r := range c.DomainLimits {
		if d == "" || strings.ContainsAny(d, "@ ") {
			return fmt.Errorf("email domain limit for %q: not a domain name", d)
		}
		if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("email domain limit for %s is %v per second; want a positive number", d, r)
		}
	}
	if c.MaxBatch < 1 {
		return fmt.Errorf("pacing batch %d must be at least 1", c.MaxBatch)
	}
	if c.BackoffStart <= 0 {
		return fmt.Errorf("pacing backoff start %v per second must be positive", c.BackoffStart)
	}
	return nil
}

// Pacer decides when the next email to a domain may go. One Pacer serves one worker's
// pool; the shared limits live in Redis. Safe for concurrent use.
type Pacer struct {
	cfg PaceConfig
	rdb redis.Scripter
	log *zap.Logger
	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	// mu is held for a whole reservation, Redis call included: a worker's pool has a few
	// connections, and they would wait for the same batch anyway.
	mu      sync.Mutex
	all     *bucket            // nil without RateLimit
	domains map[string]*bucket // configured domains
	backoff map[string]*backoffState
}

// NewPacer returns a Pacer; rdb may be nil when no shared limit is configured.
func NewPacer(cfg PaceConfig, rdb redis.Scripter, log *zap.Logger) (*Pacer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if rdb == nil && (cfg.RateLimit > 0 || len(cfg.DomainLimits) > 0) {
		return nil, errors.New("email.rate_limit and email.domain_limits are shared by all workers through Redis, and no Redis client was given")
	}
	if log == nil {
		log = zap.NewNop()
	}
	p := &Pacer{cfg: cfg, rdb: rdb, log: log, now: time.Now, sleep: sleepCtx,
		domains: map[string]*bucket{}, backoff: map[string]*backoffState{}}
	if cfg.RateLimit > 0 {
		p.all = newBucket(paceAllKey, cfg.RateLimit, cfg.MaxBatch)
	}
	// Recipient domains are compared in lower case (domainOf).
	limits := make(map[string]float64, len(cfg.DomainLimits))
	for d, r := range cfg.DomainLimits {
		d = strings.ToLower(d)
		limits[d] = r
		p.domains[d] = newBucket(paceDomainKey(d), r, cfg.MaxBatch)
	}
	p.cfg.DomainLimits = limits
	return p, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// domainOf returns the lower-cased domain of an address.
func domainOf(addr string) string {
	return strings.ToLower(strings.TrimSpace(addr[strings.LastIndexByte(addr, '@')+1:]))
}

// Wait blocks until a message to addr may go. Its errors wrap ErrTemporary: Redis out of reach
// or the context ended, so the message is sent later rather than unpaced.
func (p *Pacer) Wait(ctx context.Context, addr string) error {
	domain := domainOf(addr)
	for {
		d, err := p.reserve(ctx, domain, p.now())
		if err != nil {
			return fmt.Errorf("%w: pacing: %w", ErrTemporary, err)
		}
		if d <= 0 {
			return nil
		}
		if err := p.sleep(ctx, d); err != nil {
			return fmt.Errorf("%w: pacing wait: %w", ErrTemporary, err)
		}
	}
}

// reserve takes what one message to domain needs at now from every layer, or takes nothing
// and says how long to wait before asking again.
func (p *Pacer) reserve(ctx context.Context, domain string, now time.Time) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var held *rate.Reservation
	if st := p.backoff[domain]; st != nil {
		st.recover(now)
		if st.rate > 0 {
			r := st.lim.ReserveN(now, 1)
			if d := r.DelayFrom(now); d > 0 {
				r.CancelAt(now)
				return d, nil
			}
			held = r
		}
	}
	buckets := make([]*bucket, 0, 2)
	if b := p.domains[domain]; b != nil {
		buckets = append(buckets, b)
	}
	if p.all != nil {
		buckets = append(buckets, p.all)
	}
	for _, b := range buckets {
		wait, err := b.fill(ctx, p.rdb, now)
		if err != nil || wait > 0 {
			if held != nil {
				held.CancelAt(now)
			}
			return wait, err
		}
	}
	for _, b := range buckets {
		b.held--
	}
	return 0, nil
}

// Observe tells the pacer how a send to addr ended, so that a throttled domain slows down
// and a recovered one speeds up again.
func (p *Pacer) Observe(addr string, err error) {
	domain := domainOf(addr)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.backoff[domain]
	if !throttled(err) {
		if st != nil && st.recover(now) {
			delete(p.backoff, domain)
			p.log.Info("email pacing: domain recovered", zap.String("domain", domain))
		}
		return
	}
	if st == nil {
		start := p.cfg.BackoffStart
		if l, ok := p.cfg.DomainLimits[domain]; ok {
			start = l
		}
		st = &backoffState{start: start, rate: start, lim: rate.NewLimiter(rate.Limit(start), 1)}
		p.backoff[domain] = st
	} else if now.Sub(st.cut) < backoffGap {
		return
	}
	st.rate = max(st.rate/2, minBackoffRate)
	st.cut, st.grown = now, now
	st.lim.SetLimitAt(now, rate.Limit(st.rate))
	// The code only: the error's text may name the recipient.
	p.log.Warn("email pacing: domain throttles us; rate halved", zap.String("domain", domain),
		zap.Float64("per_second", st.rate), zap.Int("code", replyCode(err)))
}

// backoffState is one domain's adaptive cap on this worker.
type backoffState struct {
	start float64 // the rate it started from, which recovery climbs back to
	rate  float64 // current cap, messages per second
	lim   *rate.Limiter
	cut   time.Time // last halving
	grown time.Time // last additive step
}

// recover adds a tenth of the starting rate per whole second since the last step, and
// reports whether the cap is back where it started (and can be lifted).
func (st *backoffState) recover(now time.Time) bool {
	steps := int(now.Sub(st.grown) / time.Second)
	if steps <= 0 {
		return false
	}
	st.grown = st.grown.Add(time.Duration(steps) * time.Second)
	st.rate = min(st.start, st.rate+float64(steps)*st.start/recoverSteps)
	st.lim.SetLimitAt(now, rate.Limit(st.rate))
	return st.rate >= st.start
}

// throttleWords are what providers put in answers that mean "slow down" rather than "this
// mailbox, now": Postfix's anvil ("too much mail from"), Gmail's 421 4.7.28 ("unusual rate"),
// Yahoo's 421 4.7.0 ("temporarily deferred due to unexpected volume"), Outlook's 451 4.7.500
// ("server busy"), and the many "too many messages/connections" and "rate limit" answers.
// A 450 about one mailbox ("mailbox busy", "quota") does not slow the domain down.
var throttleWords = []string{"too much mail", "too many", "rate limit", "unusual rate", " rate ", "volume", "throttl",
	"slow down", "server busy"}

// throttled reports whether err is a 421, 450 or 451 answer that asks us to slow down.
func throttled(err error) bool {
	if err == nil {
		return false
	}
	code := replyCode(err)
	if code != 421 && code != 450 && code != 451 {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, w := range throttleWords {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}
