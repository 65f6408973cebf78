package predict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Spend in several currencies.
//
// A shop that sells in roubles, yen and euros records each customer's spend in the
// customer's currency, and Rapport does not convert (no exchange rate is right for a price
// list set per market). Pooled as they are, the repeat customers' mean spends span three
// orders of magnitude, which is no Gamma-Gamma population: the fit runs γ to the edge of
// the parameter space and the base gets no model.
//
// In the Gamma-Gamma model γ is a scale parameter. Multiplying every transaction value by k
// leaves p and q unchanged and multiplies γ by k: the density of a customer's mean spend m
// becomes f(m/k | x; p, q, γ)/k, so the log-likelihood only shifts by −N ln k and the
// maximiser moves from (p, q, γ) to (p, q, kγ). Rapport therefore assumes that the
// customers of every currency c spend like one common Gamma-Gamma population scaled by a
// price level k_c: the same shape of heterogeneity (how customers' mean spends spread around
// their market's typical spend, how each customer's orders spread around their own mean),
// different price levels. In currency c spends are then Gamma-Gamma(p, q, k_c·γ).
//
// The fit is in two steps. SpendScalesOf estimates k_c as the ratio of the median of the
// repeat customers' mean spends in c to that median in the reference currency; Normalize
// divides every mean spend by its k_c, and one (p, q, γ) is fitted on the pooled result. A
// prediction in currency c uses GammaGamma.Scaled(k_c): E[M | x, m] in c is
// k_c·E[M | x, m/k_c] at the fitted parameters.
//
// Why the median: any statistic that scales with the spends identifies k_c (under the
// assumption the whole distribution of m scales), but the mean of m is pγ/(q−1) in the
// population, infinite when q ≤ 1 and dominated by a few large spenders when q is small,
// and in a currency with a few dozen customers one whale would move it by half. The median
// always exists and one customer moves it by at most a neighbour's gap. Its relative error is
// about 1.25·σ/√n for n repeat customers and a log-spread σ (≈ 10% for 100 customers at
// σ = 0.8), which the fit treats as known: the plug-in estimate of p and q is then close to,
// not equal to, the maximum of the joint likelihood in (p, q, γ, k_2, ..., k_C), which would
// be the exact alternative. The median of m also depends a little on how the customers of a
// currency are spread over x (a mean over more purchases is less dispersed); markets whose
// customers buy alike make that negligible.
//
// Why a reference currency: scales relative to the currency with the most repeat customers
// keep γ in that currency's units (pγ/(q−1) is its population mean spend, a number a reader
// can check), and a base in one currency is divided by exactly 1, so its fit is bit for bit
// the fit without currencies.

// SpendScales are the price levels of a base's currencies, estimated by SpendScalesOf.
type SpendScales struct {
	// Reference is the currency with the most repeat customers with a positive spend (the
	// first in byte order on a tie); its scale is 1, and a Gamma-Gamma fitted on Normalize's
	// groups has γ in its units. "" is the currency of customers whose orders carry none.
	Reference string
	// Scale maps each currency with repeat spend to k_c = median_c / median_Reference, the
	// factor from the reference currency's price level to its own. It is not an exchange
	// rate: it compares what typical repeat customers spend in each market.
	Scale map[string]float64
	// Median maps each currency to the median of its repeat customers' mean repeat spend,
	// in its own units.
	Median map[string]float64
}

// SpendScalesOf estimates the price level of each currency in st (see the comment at the top
// of this file) from its spend groups: memory and time grow with the groups, not with the
// customers. A base without repeat spend has no currencies and an empty Scale.
func SpendScalesOf(st *Stats) SpendScales {
	sc := SpendScales{Scale: map[string]float64{}, Median: map[string]float64{}}
	best := -1
	for _, c := range st.SpendCurrencies() { // sorted: the first of equals wins
		b := st.spend[c]
		sc.Median[c] = medianMean(b.groups, b.customers)
		if b.customers > best {
			sc.Reference, best = c, b.customers
		}
	}
	ref := sc.Median[sc.Reference]
	for c, m := range sc.Median {
		sc.Scale[c] = m / ref
	}
	if best >= 0 {
		sc.Scale[sc.Reference] = 1 // exactly, not m/m
	}
	return sc
}

// Normalize returns st's spend groups of every currency with each mean divided by the
// currency's scale: one population in the reference currency's units, for FitGammaGamma.
// The reference currency's groups come first, in the order first seen and unchanged (a
// division by exactly 1), then the others by currency. A currency of st without a scale in
// s is an error (s must come from SpendScalesOf(st)).
func (s SpendScales) Normalize(st *Stats) ([]SpendGroup, error) {
	cs := st.SpendCurrencies()
	out := make([]SpendGroup, 0, len(st.SpendGroupsIn(s.Reference)))
	out = append(out, st.SpendGroupsIn(s.Reference)...)
	for _, c := range cs {
		if c == s.Reference {
			continue
		}
		k, ok := s.Scale[c]
		if !ok || !finite(k) || k <= 0 {
			return nil, fmt.Errorf("normalise spend in %q: scale %v: want a finite positive scale for every currency: %w", c, k, ErrInvalidInput)
		}
		for _, g := range st.SpendGroupsIn(c) {
			out = append(out, SpendGroup{X: g.X, Mean: g.Mean / k, N: g.N})
		}
	}
	return out, nil
}

// medianMean returns the median of the groups' means, each counted N times (n in all): the
// middle one, or the mean of the two middle ones for an even count.
func medianMean(groups []SpendGroup, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	sorted := slices.SortedFunc(slices.Values(groups), func(a, b SpendGroup) int { return cmp.Compare(a.Mean, b.Mean) })
	// The 0-based ranks of the middle customers: (n−1)/2 and n/2 (equal for odd n).
	lo, hi := (n-1)/2, n/2
	var vlo, vhi float64
	seen := 0
	for _, g := range sorted {
		next := seen + g.N
		if lo >= seen && lo < next {
			vlo = g.Mean
		}
		if hi >= seen && hi < next {
			vhi = g.Mean
			break
		}
		seen = next
	}
	return (vlo + vhi) / 2
}

// Scaled returns the model of the same spends measured in a unit k times smaller (k = 90
// for roubles against a reference in dollars, when the price levels differ by 90): p and q
// unchanged, γ·k. Its ExpectedAverageValue(x, m) is k·ExpectedAverageValue(x, m/k) of m.
func (m GammaGamma) Scaled(k float64) GammaGamma {
	return GammaGamma{P: m.P, Q: m.Q, Gamma: m.Gamma * k}
}
