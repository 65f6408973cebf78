package results

import (
	"context"
	"sync"
	"time"

	"github.com/rapporthq/rapport/decide"
)

// Variants returns the per-variant statistics that select: learn draws from: treatment sends,
// conversions and first clicks of each variant over the campaign's life.
func (c Counts) Variants() map[string]decide.VariantStats {
	out := map[string]decide.VariantStats{}
	for k, n := range c {
		if k.Arm != Treatment || k.Variant == "" {
			continue
		}
		s := out[k.Variant]
		switch k.Metric {
		case Sent:
			s.Sends += int(n)
		case Conversions:
			s.Conversions += int(n)
		case Clicked:
			s.Clicks += int(n)
		default:
			continue
		}
		out[k.Variant] = s
	}
	return out
}

// VariantCache keeps each campaign's variant statistics in memory for a few seconds: the
// learning decision reads them for every customer, and a million-customer occurrence must not
// make a million HGETALLs of the same hash. A few seconds of staleness change nothing a
// bandit can tell: its counts move by at most a few hundred sends in that time.
type VariantCache struct {
	s      *Store
	maxAge time.Duration
	clock  func() time.Time
	mu     sync.Mutex
	byID   map[string]cachedVariants
}

type cachedVariants struct {
	stats map[string]decide.VariantStats
	at    time.Time
}

// DefaultVariantMaxAge is how long a campaign's variant statistics are reused.
const DefaultVariantMaxAge = 5 * time.Second

// NewVariantCache returns a cache over s; maxAge 0 means DefaultVariantMaxAge, clock nil
// time.Now.
func NewVariantCache(s *Store, maxAge time.Duration, clock func() time.Time) *VariantCache {
	if maxAge <= 0 {
		maxAge = DefaultVariantMaxAge
	}
	if clock == nil {
		clock = time.Now
	}
	return &VariantCache{s: s, maxAge: maxAge, clock: clock, byID: map[string]cachedVariants{}}
}

// VariantStats returns the campaign's variant statistics, read at most once per maxAge. When
// a read fails the previous statistics stay in use; the error is returned only when there are
// none.
func (c *VariantCache) VariantStats(ctx context.Context, campaign string) (map[string]decide.VariantStats, error) {
	c.mu.Lock()
	cv, ok := c.byID[campaign]
	c.mu.Unlock()
	now := c.clock()
	if ok && now.Sub(cv.at) < c.maxAge {
		return cv.stats, nil
	}
	counts, err := c.s.Lifetime(ctx, campaign)
	if err != nil {
		if ok {
			return cv.stats, nil
		}
		return nil, err
	}
	stats := counts.Variants()
	c.mu.Lock()
	c.byID[campaign] = cachedVariants{stats: stats, at: now}
	c.mu.Unlock()
	return stats, nil
}
