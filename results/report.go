package results

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Report is how a campaign did over a period: its funnel, per variant and channel, and the
// treatment against the holdout. Its JSON (snake_case) is what `rapport report --json` and
// GET /v1/campaigns/{id}/report print.
type Report struct {
	Campaign string `json:"campaign"`
	// From and To are the first and last UTC day counted (YYYY-MM-DD); both empty for the
	// campaign's whole life.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Funnel is the treatment arm's (and the decisions' eligible/held/skipped) over every
	// variant and channel.
	Funnel    Funnel          `json:"funnel"`
	Variants  []VariantReport `json:"variants"`
	Channels  []ChannelReport `json:"channels"`
	Treatment ArmReport       `json:"treatment"`
	Holdout   ArmReport       `json:"holdout"`
	Uplift    Uplift          `json:"uplift"`
}

// Funnel is counts from decision to conversion; Revenue is per currency, never added across.
type Funnel struct {
	Eligible     int64              `json:"eligible"`
	Sent         int64              `json:"sent"`
	Held         int64              `json:"held"`
	Skipped      int64              `json:"skipped"`
	Delivered    int64              `json:"delivered"`
	Bounced      int64              `json:"bounced"`
	Complained   int64              `json:"complained"`
	Opened       int64              `json:"opened"`
	Clicked      int64              `json:"clicked"`
	Unsubscribed int64              `json:"unsubscribed"`
	Conversions  int64              `json:"conversions"`
	Revenue      map[string]float64 `json:"revenue"`
}

// VariantReport is one variant's funnel, and its conversions per send with the Wilson
// interval (Rate): conversions are capped at sends, as a rate is at most 1.
type VariantReport struct {
	Variant     string   `json:"variant"`
	Funnel      Funnel   `json:"funnel"`
	Sends       int64    `json:"sends"`
	Conversions int64    `json:"conversions"`
	Rate        Interval `json:"rate"`
}

// ChannelReport is one channel's funnel.
type ChannelReport struct {
	Channel string `json:"channel"`
	Funnel  Funnel `json:"funnel"`
}

// ArmReport is one side of the experiment. Customers are counted on the day of their first
// touch, so over a period that starts after it a customer who converts in the period is not
// among them: the whole life (no period) is exact.
type ArmReport struct {
	Customers      int64   `json:"customers"`
	Converters     int64   `json:"converters"`
	Conversions    int64   `json:"conversions"`
	ConversionRate float64 `json:"conversion_rate"`
	// Revenue and RevenuePerCustomer are per currency.
	Revenue            map[string]float64 `json:"revenue"`
	RevenuePerCustomer map[string]float64 `json:"revenue_per_customer"`
}

// Uplift is the treatment's effect against the holdout, with 95% intervals.
type Uplift struct {
	ConversionRate     Effect           `json:"conversion_rate"`
	RevenuePerCustomer []CurrencyEffect `json:"revenue_per_customer"`
}

// Effect is an absolute (treatment - holdout) and relative (treatment / holdout - 1) uplift.
type Effect struct {
	Absolute Interval `json:"absolute"`
	Relative Interval `json:"relative"`
}

// CurrencyEffect is the uplift of revenue per customer in one currency (Welch's t-test).
type CurrencyEffect struct {
	Currency string `json:"currency"`
	Effect
}

// Report reads a campaign's counters from the UTC day of from to that of to, every day in one
// pipeline (a few hundred fields a day, whatever the number of customers). Zero from and to
// read the campaign's whole life from its lifetime hash instead; a zero from alone means the
// retention's start, a zero to alone today.
func (s *Store) Report(ctx context.Context, campaign string, from, to time.Time) (Report, error) {
	r := Report{Campaign: campaign}
	var hashes []map[string]string
	if from.IsZero() && to.IsZero() {
		h, err := s.rdb.HGetAll(ctx, allKey(campaign)).Result()
		if err != nil {
			return r, fmt.Errorf("results: read counters of %s: %w", campaign, err)
		}
		hashes = append(hashes, h)
	} else {
		if to.IsZero() {
			to = time.Now()
		}
		if from.IsZero() {
			from = to.Add(-s.retention)
		}
		first, last := day(from), day(to)
		if last.Before(first) {
			return r, fmt.Errorf("results: report %s: from %s is after to %s", campaign, first.Format(time.DateOnly), last.Format(time.DateOnly))
		}
		r.From, r.To = first.Format(time.DateOnly), last.Format(time.DateOnly)
		var cmds []*redis.MapStringStringCmd
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
				cmds = append(cmds, p.HGetAll(ctx, dayKey(campaign, d)))
			}
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("results: read counters of %s from %s to %s: %w", campaign, r.From, r.To, err)
		}
		for _, c := range cmds {
			hashes = append(hashes, c.Val())
		}
	}
	t := newTally()
	for _, h := range hashes {
		t.add(h)
	}
	t.fill(&r)
	return r, nil
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// money is revenue fields summed: per (arm, channel, variant) and currency.
type money struct {
	rev, rev2 float64
}

// tally sums the fields of day hashes.
type tally struct {
	counts Counts
	money  map[moneyKey]money
}

type moneyKey struct {
	Arm              Arm
	Channel, Variant string
	Currency         string
}

func newTally() *tally { return &tally{counts: Counts{}, money: map[moneyKey]money{}} }

func (t *tally) add(h map[string]string) {
	for f, v := range h {
		parts := strings.Split(f, "|")
		switch {
		case len(parts) == 4:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				t.counts[Key{Metric: Metric(parts[0]), Arm: Arm(parts[1]), Channel: undash(parts[2]), Variant: undash(parts[3])}] += n
			}
		case len(parts) == 5 && (parts[0] == "rev" || parts[0] == "rev2"):
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			k := moneyKey{Arm: Arm(parts[1]), Channel: undash(parts[2]), Variant: undash(parts[3]), Currency: parts[4]}
			m := t.money[k]
			if parts[0] == "rev" {
				m.rev += x
			} else {
				m.rev2 += x
			}
			t.money[k] = m
		}
	}
}

// fill computes the report from the sums.
func (t *tally) fill(r *Report) {
	all := func(Key) bool { return true }
	r.Funnel = t.funnel(all, func(moneyKey) bool { return true })
	variants := map[string]bool{}
	channels := map[string]bool{}
	for k := range t.counts {
		if k.Arm == Treatment && (k.Metric == Sent || k.Metric == Conversions) {
			variants[k.Variant] = true
			channels[k.Channel] = true
		}
	}
	for _, v := range slices.Sorted(maps.Keys(variants)) {
		f := t.funnel(func(k Key) bool { return k.Variant == v }, func(k moneyKey) bool { return k.Variant == v })
		vr := VariantReport{Variant: v, Funnel: f, Sends: f.Sent, Conversions: f.Conversions}
		vr.Rate = Wilson(min(f.Conversions, f.Sent), f.Sent)
		r.Variants = append(r.Variants, vr)
	}
	for _, c := range slices.Sorted(maps.Keys(channels)) {
		f := t.funnel(func(k Key) bool { return k.Channel == c }, func(k moneyKey) bool { return k.Channel == c })
		r.Channels = append(r.Channels, ChannelReport{Channel: c, Funnel: f})
	}
	if r.Variants == nil {
		r.Variants = []VariantReport{}
	}
	if r.Channels == nil {
		r.Channels = []ChannelReport{}
	}

	var moments [2]map[string]Moments
	for i, arm := range []Arm{Treatment, Holdout} {
		a := ArmReport{
			Customers:   t.counts.Sum(Customers, arm),
			Converters:  t.counts.Sum(Converters, arm),
			Conversions: t.counts.Sum(Conversions, arm),
			Revenue:     map[string]float64{}, RevenuePerCustomer: map[string]float64{},
		}
		if a.Customers > 0 {
			a.ConversionRate = float64(a.Converters) / float64(a.Customers)
		}
		moments[i] = map[string]Moments{}
		for k, m := range t.money {
			if k.Arm != arm {
				continue
			}
			mo := moments[i][k.Currency]
			mo.Sum += m.rev
			mo.Sum2 += m.rev2
			moments[i][k.Currency] = mo
			a.Revenue[k.Currency] += m.rev
		}
		for cur, mo := range moments[i] {
			mo.N = a.Customers
			moments[i][cur] = mo
			if a.Customers > 0 {
				a.RevenuePerCustomer[cur] = mo.Sum / float64(a.Customers)
			}
		}
		if arm == Treatment {
			r.Treatment = a
		} else {
			r.Holdout = a
		}
	}
	r.Uplift.ConversionRate.Absolute, r.Uplift.ConversionRate.Relative = RateUplift(
		r.Treatment.Converters, r.Treatment.Customers, r.Holdout.Converters, r.Holdout.Customers)
	currencies := map[string]bool{}
	for i := range moments {
		for cur := range moments[i] {
			currencies[cur] = true
		}
	}
	r.Uplift.RevenuePerCustomer = []CurrencyEffect{}
	for _, cur := range slices.Sorted(maps.Keys(currencies)) {
		mt, mh := moments[0][cur], moments[1][cur]
		mt.N, mh.N = r.Treatment.Customers, r.Holdout.Customers
		e := CurrencyEffect{Currency: cur}
		e.Absolute, e.Relative = MeanUplift(mt, mh)
		r.Uplift.RevenuePerCustomer = append(r.Uplift.RevenuePerCustomer, e)
	}
}

// funnel sums the treatment arm's funnel (and every arm's decisions) over the counters that
// keep selects.
func (t *tally) funnel(keep func(Key) bool, keepMoney func(moneyKey) bool) Funnel {
	f := Funnel{Revenue: map[string]float64{}}
	for k, n := range t.counts {
		if !keep(k) {
			continue
		}
		switch k.Metric {
		case Eligible:
			f.Eligible += n
		case Held:
			f.Held += n
		case Skipped:
			f.Skipped += n
		}
		if k.Arm != Treatment {
			continue
		}
		switch k.Metric {
		case Sent:
			f.Sent += n
		case Delivered:
			f.Delivered += n
		case Bounced:
			f.Bounced += n
		case Complained:
			f.Complained += n
		case Opened:
			f.Opened += n
		case Clicked:
			f.Clicked += n
		case Unsubscribed:
			f.Unsubscribed += n
		case Conversions:
			f.Conversions += n
		}
	}
	for k, m := range t.money {
		if k.Arm == Treatment && keepMoney(k) {
			f.Revenue[k.Currency] += m.rev
		}
	}
	return f
}
