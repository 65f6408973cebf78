package predict

import (
	"fmt"
	"math"
	"slices"
)

// Group is a set of customers with the same BG/NBD sufficient statistics (x, tx, T). The
// BG/NBD likelihood depends on a customer only through them, so a fit costs time and memory
// in the number of distinct groups, not of customers.
type Group struct {
	X, Tx, T float64
	// N is how many customers share these statistics.
	N int
}

// SpendGroup is a set of repeat customers (X > 0) with the same frequency and mean repeat
// spend: the Gamma-Gamma sufficient statistics.
type SpendGroup struct {
	X, Mean float64
	N       int
}

// StatsOptions say how finely Stats tells customers apart.
type StatsOptions struct {
	// TimeStep rounds recency and age to the nearest multiple of it before grouping, which
	// bounds the number of groups (e.g. Unit.DayStep(): whole days). Summaries built by
	// Summarize are already whole days, so that step loses nothing on them. Default 0:
	// exact values.
	TimeStep float64
	// SpendStep rounds a repeat customer's total repeat spend (X·Monetary) to the nearest
	// multiple of it (e.g. 0.01 for cents, exact for money). Default 0: exact values.
	SpendStep float64
}

// Stats accumulates the sufficient statistics of a customer base, one customer at a time,
// so that a refit can page through millions of customers while holding only the distinct
// groups. The spend groups are kept per currency (AddIn; Add is the currency ""), since
// spends in different currencies cannot be pooled as they are (see SpendScales). It is not
// safe for concurrent use.
type Stats struct {
	opts      StatsOptions
	index     map[groupKey]int
	groups    []Group
	spend     map[string]*spendBucket
	customers int
	noSpend   int
}

// spendBucket holds the spend groups of one currency.
type spendBucket struct {
	idx       map[groupKey]int
	groups    []SpendGroup
	customers int
}

type groupKey struct {
	x    uint64
	a, b int64
}

// NewStats returns empty statistics grouped as opts say.
func NewStats(opts StatsOptions) (*Stats, error) {
	if !finite(opts.TimeStep, opts.SpendStep) || opts.TimeStep < 0 || opts.SpendStep < 0 {
		return nil, fmt.Errorf("stats options %+v: want finite steps ≥ 0: %w", opts, ErrInvalidInput)
	}
	return &Stats{opts: opts, index: map[groupKey]int{}, spend: map[string]*spendBucket{}}, nil
}

// Add counts one customer whose spend is in the base's default currency "", as AddIn(sm, "")
// does: a base in one currency, or whose currency is not known (a summary CSV).
func (s *Stats) Add(sm Summary) error { return s.AddIn(sm, "") }

// AddIn counts one customer whose spend (sm.Monetary) is in currency. The BG/NBD groups do
// not depend on it; the spend groups are kept per currency, and a base in several
// currencies is fitted on SpendScales.Normalize's groups.
//
// Add and AddIn count one customer. A summary that the models cannot use (see Summary) is refused
// with an error wrapping ErrInvalidInput and changes nothing. A repeat customer whose mean
// spend is not positive joins the BG/NBD groups but not the spend groups (refunds can
// leave a zero or negative total; the Gamma-Gamma model has no room for it).
func (s *Stats) AddIn(sm Summary, currency string) error {
	if err := sm.validate(); err != nil {
		return err
	}
	tx, T := sm.Tx, sm.T
	if sm.X == 0 {
		tx = 0 // recency plays no role without a repeat purchase
	}
	k := groupKey{x: math.Float64bits(sm.X)}
	if st := s.opts.TimeStep; st > 0 {
		k.a, k.b = int64(math.Round(tx/st)), int64(math.Round(T/st))
		tx, T = float64(k.a)*st, float64(k.b)*st
	} else {
		k.a, k.b = int64(math.Float64bits(tx)), int64(math.Float64bits(T))
	}
	if i, ok := s.index[k]; ok {
		s.groups[i].N++
	} else {
		s.index[k] = len(s.groups)
		s.groups = append(s.groups, Group{X: sm.X, Tx: tx, T: T, N: 1})
	}
	s.customers++
	if sm.X == 0 {
		return nil
	}
	if sm.Monetary <= 0 {
		s.noSpend++
		return nil
	}
	mean := sm.Monetary
	sk := groupKey{x: math.Float64bits(sm.X)}
	if st := s.opts.SpendStep; st > 0 {
		sk.a = int64(math.Round(sm.X * mean / st))
		mean = float64(sk.a) * st / sm.X
		if mean <= 0 {
			s.noSpend++
			return nil
		}
	} else {
		sk.a = int64(math.Float64bits(mean))
	}
	b := s.spend[currency]
	if b == nil {
		b = &spendBucket{idx: map[groupKey]int{}}
		s.spend[currency] = b
	}
	b.customers++
	if i, ok := b.idx[sk]; ok {
		b.groups[i].N++
	} else {
		b.idx[sk] = len(b.groups)
		b.groups = append(b.groups, SpendGroup{X: sm.X, Mean: mean, N: 1})
	}
	return nil
}

// Customers returns how many customers were added.
func (s *Stats) Customers() int { return s.customers }

// WithoutSpend returns how many repeat customers were left out of the spend groups because
// their mean spend was not positive.
func (s *Stats) WithoutSpend() int { return s.noSpend }

// Groups returns the BG/NBD groups in the order first seen. The slice is shared: do not
// modify it.
func (s *Stats) Groups() []Group { return s.groups }

// SpendGroups returns the Gamma-Gamma groups in the order first seen. With one currency
// the slice is shared: do not modify it. With several it is a new slice holding every
// currency's groups as they are, which are not one population: fit such a base on
// SpendScalesOf(s).Normalize(s) instead.
func (s *Stats) SpendGroups() []SpendGroup {
	cs := s.SpendCurrencies()
	if len(cs) == 1 {
		return s.spend[cs[0]].groups
	}
	var out []SpendGroup
	for _, c := range cs {
		out = append(out, s.spend[c].groups...)
	}
	return out
}

// SpendCurrencies returns the currencies with at least one repeat customer with a positive
// spend, sorted ("" first when present).
func (s *Stats) SpendCurrencies() []string {
	out := make([]string, 0, len(s.spend))
	for c := range s.spend {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// SpendGroupsIn returns the Gamma-Gamma groups of one currency in the order first seen, nil
// for a currency without any. The slice is shared: do not modify it.
func (s *Stats) SpendGroupsIn(currency string) []SpendGroup {
	if b := s.spend[currency]; b != nil {
		return b.groups
	}
	return nil
}

// GroupSummaries adds every summary to new Stats; it stops at the first invalid one.
func GroupSummaries(sums []Summary, opts StatsOptions) (*Stats, error) {
	s, err := NewStats(opts)
	if err != nil {
		return nil, err
	}
	for i, sm := range sums {
		if err := s.Add(sm); err != nil {
			return nil, fmt.Errorf("summary %d: %w", i, err)
		}
	}
	return s, nil
}
