package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/customers"
)

// Defaults of the walks over the whole base.
const (
	// defaultBaseWait is how long a page waits for the first walk of a kind before it says
	// the figures are being computed: a small base (the demo, the tests) is walked well
	// within it, so its pages show figures at once; a big one never holds a page.
	defaultBaseWait = 2 * time.Second
	// baseWalkTimeout bounds one walk in the background. A million profiles took 21 s
	// (customers by country) and 22 s (loyalty report) on 2 loaded cores (bench/console);
	// ten minutes leaves room for a busier Redis without letting a stuck walk hold back the
	// refreshes forever.
	baseWalkTimeout = 10 * time.Minute
)

// baseCache computes the walks over the whole customer base (the loyalty report, customers
// per country) in the background and keeps their last answers: a walk over a million
// profiles takes tens of seconds of Redis time, more than the server's 30 s WriteTimeout,
// so no page may run one. A page shows the last answer with its time ("as of") and, when it
// is older than ttl, starts a new walk that the next page views show. Only before the first
// answer of a kind does a page wait, at most `wait`. One walk per kind runs at a time.
type baseCache struct {
	ttl, wait time.Duration
	log       *zap.Logger

	mu        sync.Mutex
	loyalty   baseEntry[*analytics.LoyaltyReport]
	countries baseEntry[map[string]int]
	// zones counts the customers of each time zone, in the same walk as countries: the
	// campaigns page shows next occurrences in the base's main zones.
	zones map[string]int
	// refreshed receives the kind of each walk that ended ("loyalty", "countries"); nil
	// outside tests (export_test.go).
	refreshed chan string
}

// baseEntry is the last answer of one kind of walk.
type baseEntry[T any] struct {
	val T
	at  time.Time
	ok  bool
	// running is closed when the walk in flight ends; nil when none runs.
	running chan struct{}
	// err is the last walk's failure, shown next to the older answer.
	err error
}

// baseAnswer is what a page gets: the value if any, its time, and whether a walk is running.
type baseAnswer[T any] struct {
	Val       T
	At        time.Time
	OK        bool
	Computing bool
	Err       error
}

func newBaseCache(cfg Config) *baseCache {
	return &baseCache{ttl: cfg.BaseTTL, wait: cmp.Or(cfg.BaseWait, defaultBaseWait), log: cfg.Log}
}

// answer returns the entry's answer, starting a walk when it is missing or older than ttl,
// and waiting for it (at most b.wait, or until ctx ends) only when there is no answer yet.
func answer[T any](ctx context.Context, b *baseCache, e *baseEntry[T], kind string, now time.Time, walk func(context.Context) (T, error)) baseAnswer[T] {
	b.mu.Lock()
	if (!e.ok || now.Sub(e.at) >= b.ttl) && e.running == nil {
		done := make(chan struct{})
		e.running = done
		// Detached from the request that started it (its visitor may leave; the next ones
		// want the answer), within baseWalkTimeout.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), baseWalkTimeout)
			defer cancel()
			start := time.Now()
			v, err := walk(ctx)
			b.mu.Lock()
			if err != nil {
				e.err = err
			} else {
				e.val, e.at, e.ok, e.err = v, now, true, nil
			}
			e.running = nil
			b.mu.Unlock()
			close(done)
			b.walked(kind, time.Since(start), err)
		}()
	}
	running := e.running
	if !e.ok && running != nil {
		b.mu.Unlock()
		t := time.NewTimer(b.wait)
		select {
		case <-running:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		b.mu.Lock()
	}
	defer b.mu.Unlock()
	return baseAnswer[T]{Val: e.val, At: e.at, OK: e.ok, Computing: e.running != nil, Err: e.err}
}

// walked logs the end of a walk and signals it to tests.
func (b *baseCache) walked(kind string, took time.Duration, err error) {
	if err != nil {
		b.log.Error("console: walk the customer base", zap.String("kind", kind), zap.Error(err))
	} else {
		b.log.Info("console: walked the customer base", zap.String("kind", kind), zap.Duration("took", took))
	}
	if b.refreshed != nil {
		b.refreshed <- kind
	}
}

func (b *baseCache) loyaltyReport(ctx context.Context, cfg *Config, now time.Time) baseAnswer[*analytics.LoyaltyReport] {
	return answer(ctx, b, &b.loyalty, "loyalty", now, func(ctx context.Context) (*analytics.LoyaltyReport, error) {
		var m *analytics.Model
		if cfg.Models != nil {
			var err error
			if m, err = cfg.Models.Current(ctx); err != nil {
				return nil, fmt.Errorf("load the customer-base model: %w", err)
			}
		}
		return analytics.LoyaltyReportOf(ctx, cfg.Base, m, analytics.LoyaltyOptions{At: now})
	})
}

// customersByCountry counts the customers of each country (ISO code, "" for none).
func (b *baseCache) customersByCountry(ctx context.Context, cfg *Config, now time.Time) baseAnswer[map[string]int] {
	return answer(ctx, b, &b.countries, "countries", now, func(ctx context.Context) (map[string]int, error) {
		counts, zones := map[string]int{}, map[string]int{}
		err := analytics.EachCustomer(ctx, cfg.Base, 0, func(p *customers.Profile) error {
			counts[p.Country]++
			zones[p.Timezone]++
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("count customers by country: %w", err)
		}
		b.mu.Lock()
		b.zones = zones
		b.mu.Unlock()
		return counts, nil
	})
}

// knownCountries returns the countries of the last count by country, most customers first,
// without walking the base: nil before the calendar page (or a refresh) has counted them.
func (b *baseCache) knownCountries() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	counts := b.countries.val
	out := make([]string, 0, len(counts))
	for cc := range counts {
		if cc != "" {
			out = append(out, cc)
		}
	}
	slices.SortFunc(out, func(x, y string) int {
		return cmp.Or(cmp.Compare(counts[y], counts[x]), cmp.Compare(x, y))
	})
	return out
}

// knownZones returns the time zones of the last count by country, most customers first,
// without walking the base: nil before the calendar page (or a refresh) has counted them.
func (b *baseCache) knownZones() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.zones))
	for z := range b.zones {
		if z != "" {
			out = append(out, z)
		}
	}
	slices.SortFunc(out, func(x, y string) int {
		return cmp.Or(cmp.Compare(b.zones[y], b.zones[x]), cmp.Compare(x, y))
	})
	return out
}
