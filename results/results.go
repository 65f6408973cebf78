// Package results owns what Rapport knows about how its campaigns do: counters kept as events
// arrive (decisions, sends, deliveries, bounces, opens, clicks, unsubscribes, conversions), per
// campaign, variant, channel, arm (treatment or holdout) and UTC day, and the reports and
// learning statistics read from them. Reports never scan sends: a campaign with a million
// sends is read back from a few hundred hash fields per day.
//
// Writers: jobs/delivery (decisions and sends), api (tracking hits, provider webhooks,
// unsubscribes) and jobs/trigger (conversions). Readers: the report command and endpoint, the
// console, and jobs/delivery for the variant statistics that select: learn uses.
package results

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Metric is what a counter counts.
type Metric string

// Metrics. Counts are per event, except Customers and Converters, which the writer counts
// once per (campaign, customer) — see Touches.
const (
	// Eligible: a decision for a customer in the audience (sent, held out or skipped).
	Eligible Metric = "eligible"
	// Sent: the provider accepted the message (treatment arm only).
	Sent Metric = "sent"
	// Held: the customer was held out and would otherwise have been sent (holdout arm).
	Held Metric = "held"
	// Skipped: the decision sent nothing for another reason (cap, no channel...).
	Skipped Metric = "skipped"
	// Delivered, Bounced, Complained: a provider's notification about a sent message.
	Delivered  Metric = "delivered"
	Bounced    Metric = "bounced"
	Complained Metric = "complained"
	// Opened, Clicked: the first human (unflagged) open or click of a sent message.
	Opened  Metric = "opened"
	Clicked Metric = "clicked"
	// Unsubscribed: an opt-out from a message of the campaign.
	Unsubscribed Metric = "unsubscribed"
	// Customers: distinct customers reached (treatment) or held out (holdout) in the campaign.
	Customers Metric = "customers"
	// Conversions: attributed orders; Converters: distinct customers with one.
	Conversions Metric = "conversions"
	Converters  Metric = "converters"
)

// Arm is the side of the experiment a counter belongs to.
type Arm string

// Arms.
const (
	Treatment Arm = "t"
	Holdout   Arm = "h"
)

// Event is one thing to count. Variant and Channel may be empty (unknown, or not yet chosen).
type Event struct {
	Campaign string
	Variant  string
	Channel  string
	Arm      Arm
	Metric   Metric
	// At is when it happened; it picks the UTC day of the counter.
	At time.Time
	// N is how many (1 when 0).
	N int64
}

// Revenue is revenue attributed to a campaign: Amount in Currency (never added across
// currencies), and the customer's attributed revenue in this campaign before (Prior) so that
// the sum of squares per customer, which Welch's test needs, stays exact.
type Revenue struct {
	Campaign, Variant, Channel string
	Arm                        Arm
	At                         time.Time
	Currency                   string
	Amount, Prior              float64
}

// Store reads and writes the counters.
type Store struct {
	rdb         redis.UniversalClient
	retention   time.Duration
	attribution Attribution
}

// DefaultRetention is how long a day's counters are kept.
const DefaultRetention = 400 * 24 * time.Hour

// New returns a Store on rdb; retention 0 means DefaultRetention.
func New(rdb redis.UniversalClient, retention time.Duration) (*Store, error) {
	if rdb == nil {
		return nil, fmt.Errorf("results: no redis client")
	}
	if retention < 0 {
		return nil, fmt.Errorf("results: retention %s is negative", retention)
	}
	if retention == 0 {
		retention = DefaultRetention
	}
	return &Store{rdb: rdb, retention: retention}, nil
}

// dayKey is the counters of one campaign on one UTC day:
//
//	rp:{r:<campaign>}:d:<YYYYMMDD> HASH  field "<metric>|<arm>|<channel>|<variant>" -> count
//	                       (HINCRBY); revenue fields "rev|<arm>|<channel>|<variant>|<CUR>" and
//	                       "rev2|..." (sum of squares of revenue per customer) -> float
//	                       (HINCRBYFLOAT). Lifetime: the store's retention (400 days by
//	                       default) from its last write. The hash tag {r:<campaign>} puts every
//	                       day of a campaign in one Cluster slot, so a report is one pipeline.
//	                       Size: a few hundred fields per day (metrics × arms × channels ×
//	                       variants), whatever the number of customers.
//	rp:{r:<campaign>}:all  HASH  the same fields over the campaign's whole life, read by the
//	                       learning code (one HGETALL per campaign, not per day). Same lifetime.
func dayKey(campaign string, day time.Time) string {
	return "rp:{r:" + campaign + "}:d:" + day.UTC().Format("20060102")
}

func allKey(campaign string) string { return "rp:{r:" + campaign + "}:all" }

// field is a counter's field name; "-" stands for an empty channel or variant.
func field(m Metric, a Arm, channel, variant string) string {
	return string(m) + "|" + string(a) + "|" + dash(channel) + "|" + dash(variant)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return strings.ReplaceAll(s, "|", "/")
}

// Add counts events in one pipeline.
func (s *Store) Add(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.AddTo(ctx, p, events...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("results: count %d events: %w", len(events), err)
	}
	return nil
}

// AddTo queues the commands of Add on a caller's pipeline, so that a writer that already
// makes a round trip (the delivery recorder) counts in it. Events of the same counter are
// summed first and each hash gets one EXPIRE: a group of 1,000 sends of one campaign on one
// day is a handful of HINCRBYs, not 4,000 commands (bench/report built its counters 5 times
// faster for it).
func (s *Store) AddTo(ctx context.Context, p redis.Pipeliner, events ...Event) {
	type counter struct{ key, field string }
	sums := make(map[counter]int64, len(events))
	var order []counter // first-seen order: pipelines are reproducible
	for _, e := range events {
		n := e.N
		if n == 0 {
			n = 1
		}
		f := field(e.Metric, armOf(e.Arm), e.Channel, e.Variant)
		for _, k := range []string{dayKey(e.Campaign, e.At), allKey(e.Campaign)} {
			c := counter{k, f}
			if _, seen := sums[c]; !seen {
				order = append(order, c)
			}
			sums[c] += n
		}
	}
	expired := map[string]bool{}
	for _, c := range order {
		p.HIncrBy(ctx, c.key, c.field, sums[c])
		if !expired[c.key] {
			expired[c.key] = true
			p.Expire(ctx, c.key, s.retention)
		}
	}
}

// AddRevenue counts attributed revenue and its per-customer sum of squares.
func (s *Store) AddRevenue(ctx context.Context, rs ...Revenue) error {
	if len(rs) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.addRevenueTo(ctx, p, rs...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("results: count revenue: %w", err)
	}
	return nil
}

// addRevenueTo queues the commands of AddRevenue on p.
func (s *Store) addRevenueTo(ctx context.Context, p redis.Pipeliner, rs ...Revenue) {
	for _, r := range rs {
		tail := "|" + string(armOf(r.Arm)) + "|" + dash(r.Channel) + "|" + dash(r.Variant) + "|" + dash(r.Currency)
		sq := (r.Prior+r.Amount)*(r.Prior+r.Amount) - r.Prior*r.Prior
		for _, k := range []string{dayKey(r.Campaign, r.At), allKey(r.Campaign)} {
			p.HIncrByFloat(ctx, k, "rev"+tail, r.Amount)
			p.HIncrByFloat(ctx, k, "rev2"+tail, sq)
			p.Expire(ctx, k, s.retention)
		}
	}
}

// Counts are counters read back, keyed by Key.
type Counts map[Key]int64

// Key identifies one counter.
type Key struct {
	Metric  Metric
	Arm     Arm
	Channel string // "" for unknown
	Variant string // "" for unknown
}

// Sum adds the counts that match the given metric and arm (any channel, any variant).
func (c Counts) Sum(m Metric, a Arm) int64 {
	var n int64
	for k, v := range c {
		if k.Metric == m && k.Arm == a {
			n += v
		}
	}
	return n
}

// Lifetime reads a campaign's counters over its whole life (one HGETALL). Revenue fields are
// left out; Report reads them.
func (s *Store) Lifetime(ctx context.Context, campaign string) (Counts, error) {
	h, err := s.rdb.HGetAll(ctx, allKey(campaign)).Result()
	if err != nil {
		return nil, fmt.Errorf("results: read counters of %s: %w", campaign, err)
	}
	return parseCounts(h), nil
}

func parseCounts(h map[string]string) Counts {
	out := make(Counts, len(h))
	for f, v := range h {
		parts := strings.Split(f, "|")
		if len(parts) != 4 {
			continue // revenue fields and anything unknown
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		out[Key{Metric: Metric(parts[0]), Arm: Arm(parts[1]), Channel: undash(parts[2]), Variant: undash(parts[3])}] += n
	}
	return out
}

func undash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
