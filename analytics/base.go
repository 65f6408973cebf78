package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
)

// Base is what the whole customer base does, the prior that a decision about one customer
// falls back on when that customer's own history is thin: the base's engagement rate per
// channel (so that one opened email does not make email "the best channel"), the local hours
// at which the base opens, clicks and buys (the send time of a customer without history), and
// the median orders and revenue a customer has (the reward policy without a fitted model).
//
// It is computed by every refit's walk over the customers and published whether or not the
// models' fit is accepted: a new shop with too few customers for a fit still has a base.
type Base struct {
	AsOf time.Time `json:"as_of"`
	// Customers counts every profile; Buyers those with an order.
	Customers int `json:"customers"`
	Buyers    int `json:"buyers"`
	// MedianOrders is the median number of orders of a buyer.
	MedianOrders float64 `json:"median_orders"`
	// MedianRevenue is the median revenue of a buyer, per reporting currency (money is never
	// added across currencies: a base in several currencies has one median for each).
	MedianRevenue map[string]float64 `json:"median_revenue,omitempty"`
	// MainCurrency is the reporting currency of the most buyers: the one whose median the
	// reward policy compares a customer's revenue with.
	MainCurrency string `json:"main_currency,omitempty"`
	// Engagement sums the customers' engagement per channel over the last half year.
	Engagement map[string]ChannelRate `json:"engagement,omitempty"`
	// Hours sums the customers' local-hour histograms over every channel.
	Hours [24]int64 `json:"hours"`
	// CLVTopThird is the CLV at or above which a buyer is in the base's top third, from the
	// model published when the walk ran; 0 without one.
	CLVTopThird float64 `json:"clv_top_third,omitempty"`
}

// ChannelRate is the base's messages received and engaged with (opened or clicked) on one
// channel.
type ChannelRate struct {
	Received int64 `json:"received"`
	Engaged  int64 `json:"engaged"`
}

// Rate is Engaged/Received, 0 when nothing was received.
func (c ChannelRate) Rate() float64 {
	if c.Received == 0 {
		return 0
	}
	return float64(c.Engaged) / float64(c.Received)
}

// BestHour is the local hour with the most engagement in the base, -1 when none.
func (b *Base) BestHour() int {
	best, n := -1, int64(0)
	for h, c := range b.Hours {
		if c > n {
			best, n = h, c
		}
	}
	return best
}

// baseKey holds the latest Base:
//
//	rp:model:base STRING  JSON of Base, overwritten by every refit. Lifetime: permanent. A
//	                      few hundred bytes whatever the size of the base.
const baseKey = "rp:model:base"

// BaseStats accumulates a Base over a walk. It keeps one float32 per buyer for each median
// (orders, revenue, CLV): 12 MB at a million buyers, freed when the walk ends; a sketch would
// save that for medians a few per cent off, and a walk's page of profiles is already larger.
type BaseStats struct {
	asOf     time.Time
	model    *Model
	b        Base
	orders   []float32
	revenue  map[string][]float32
	clvs     []float32
	failures int
}

// NewBaseStats starts the statistics of the base as of asOf; m, when not nil, is the model
// whose CLV predictions give CLVTopThird.
func NewBaseStats(asOf time.Time, m *Model) *BaseStats {
	return &BaseStats{asOf: asOf.UTC(), model: m, revenue: map[string][]float32{},
		b: Base{AsOf: asOf.UTC(), Engagement: map[string]ChannelRate{}}}
}

// Add counts one customer.
func (s *BaseStats) Add(p *customers.Profile) {
	s.b.Customers++
	for ch, e := range p.Engagement {
		r := s.b.Engagement[ch]
		r.Received += int64(e.Received)
		r.Engaged += int64(e.Engaged)
		s.b.Engagement[ch] = r
		for h, n := range e.Hours {
			s.b.Hours[h] += int64(n)
		}
	}
	sum := p.Summary
	if sum.Orders == 0 {
		return
	}
	s.b.Buyers++
	s.orders = append(s.orders, float32(sum.Orders))
	if sum.Currency != "" {
		s.revenue[sum.Currency] = append(s.revenue[sum.Currency], float32(sum.Revenue))
	}
	if s.model != nil && len(p.Days) > 0 {
		pred, err := s.model.Predict(p.Days, p.DaysCurrency, s.asOf)
		switch {
		case err == nil:
			s.clvs = append(s.clvs, float32(pred.CLV))
		case !errors.Is(err, errNoPurchase):
			s.failures++
		}
	}
}

// Base returns the statistics counted so far.
func (s *BaseStats) Base() *Base {
	b := s.b
	b.Engagement = make(map[string]ChannelRate, len(s.b.Engagement))
	for k, v := range s.b.Engagement {
		b.Engagement[k] = v
	}
	b.MedianOrders = quantile(s.orders, 0.5)
	if len(s.revenue) > 0 {
		b.MedianRevenue = make(map[string]float64, len(s.revenue))
		most := 0
		for cur, v := range s.revenue {
			if len(v) > most || (len(v) == most && cur < b.MainCurrency) {
				b.MainCurrency, most = cur, len(v)
			}
			b.MedianRevenue[cur] = quantile(v, 0.5)
		}
	}
	b.CLVTopThird = quantile(s.clvs, 2.0/3)
	return &b
}

// quantile sorts v in place and returns its q-quantile (the lower of the two middle values
// for an even median, so that "above the median" means above a value someone has); 0 when
// v is empty.
func quantile(v []float32, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	i := int(q * float64(len(v)-1))
	return float64(v[i])
}

// PublishBase stores b as the base's statistics.
func PublishBase(ctx context.Context, rdb redis.UniversalClient, b *Base) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode %s: %w", baseKey, err)
	}
	if err := rdb.Set(ctx, baseKey, raw, 0).Err(); err != nil {
		return fmt.Errorf("write %s: %w", baseKey, err)
	}
	return nil
}

// LoadBase reads the published statistics: nil when no refit has run yet.
func LoadBase(ctx context.Context, rdb redis.UniversalClient) (*Base, error) {
	raw, err := rdb.Get(ctx, baseKey).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", baseKey, err)
	}
	var b Base
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("decode %s: %w", baseKey, err)
	}
	return &b, nil
}

// BaseCache keeps the published Base in memory for MaxAge, like Models keeps the model: a
// worker reads rp:model:base at most once a minute, not once per decision.
type BaseCache struct {
	rdb    redis.UniversalClient
	maxAge time.Duration
	clock  func() time.Time
	mu     sync.Mutex
	b      *Base
	at     time.Time
	read   bool
	// The base as decide reads it, converted once per read rather than once per decision
	// (a simulation decides a million customers in under a minute).
	eng     map[string]decide.Rate
	hours   [24]float64
	medians *decide.Base
}

// NewBaseCache returns a cache of the base published in rdb; maxAge 0 means a minute, clock
// nil means time.Now.
func NewBaseCache(rdb redis.UniversalClient, maxAge time.Duration, clock func() time.Time) *BaseCache {
	if maxAge <= 0 {
		maxAge = time.Minute
	}
	if clock == nil {
		clock = time.Now
	}
	return &BaseCache{rdb: rdb, maxAge: maxAge, clock: clock}
}

// Current returns the published Base, nil when none. A failed read keeps the cached one.
func (c *BaseCache) Current(ctx context.Context) (*Base, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.read && c.clock().Sub(c.at) < c.maxAge {
		return c.b, nil
	}
	b, err := LoadBase(ctx, c.rdb)
	if err != nil {
		if c.read {
			return c.b, nil
		}
		return nil, err
	}
	c.b, c.at, c.read = b, c.clock(), true
	c.eng, c.hours, c.medians = nil, [24]float64{}, nil
	if b != nil {
		c.eng = make(map[string]decide.Rate, len(b.Engagement))
		for ch, r := range b.Engagement {
			c.eng[ch] = decide.Rate{Received: int(r.Received), Engaged: int(r.Engaged)}
		}
		for h, n := range b.Hours {
			c.hours[h] = float64(n)
		}
		if b.Buyers > 0 {
			c.medians = &decide.Base{MedianOrders: b.MedianOrders, MedianRevenue: b.MedianRevenue[b.MainCurrency],
				Currency: b.MainCurrency, CLVTopThird: b.CLVTopThird}
		}
	}
	return b, nil
}

// Priors returns the base's engagement per channel and local hours as decide reads them
// (decide.Input.BaseEngagement and BaseHours); empty when no refit has run yet. The map is
// shared by every caller until the next read: decide only reads it.
func (c *BaseCache) Priors(ctx context.Context) (map[string]decide.Rate, [24]float64, error) {
	if _, err := c.Current(ctx); err != nil {
		return nil, [24]float64{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eng, c.hours, nil
}

// Medians returns the base as the reward policy reads it (decide.Input.Base): the median
// orders, the median revenue in the main currency, and the CLV of the top third; nil when no
// refit has run yet or the base has no buyer. Shared by every caller until the next read.
func (c *BaseCache) Medians(ctx context.Context) (*decide.Base, error) {
	if _, err := c.Current(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.medians, nil
}
