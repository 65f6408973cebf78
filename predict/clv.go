package predict

import (
	"fmt"
	"math"
)

// maxMonths bounds a CLV horizon (ten years of monthly steps): it sizes the stack buffers
// that keep CLV free of allocations.
const maxMonths = 120

// monthDays is the mean length of a calendar month. (lifetimes uses 30 days or 4.345
// weeks; the 1.5% difference is below the models' precision, and this one is exact on
// average over a year.)
const monthDays = 365.25 / 12

// CLVOptions describe the value being forecast. The zero value gives 12 months of undiscounted
// revenue, counted in days.
type CLVOptions struct {
	// Months is the horizon. Default 12; at most 120.
	Months int
	// MonthlyDiscount is the discount rate per month (0.01 for 1%). Default 0.
	MonthlyDiscount float64
	// Margin is the fraction of revenue kept as profit. Default 1 (revenue).
	Margin float64
	// Unit is the time unit of the fit and of the customer's summary. Default Days.
	Unit Unit
}

func (o CLVOptions) withDefaults() (CLVOptions, error) {
	if o.Months == 0 {
		o.Months = 12
	}
	if o.Margin == 0 {
		o.Margin = 1
	}
	switch {
	case o.Months < 0 || o.Months > maxMonths:
		return o, fmt.Errorf("CLV horizon %d months: want 1 to %d: %w", o.Months, maxMonths, ErrInvalidInput)
	case !finite(o.MonthlyDiscount, o.Margin) || o.MonthlyDiscount <= -1:
		return o, fmt.Errorf("CLV discount %v, margin %v: want finite values, discount > −1: %w", o.MonthlyDiscount, o.Margin, ErrInvalidInput)
	case !o.Unit.valid():
		return o, fmt.Errorf("CLV in %s: %w", o.Unit, ErrInvalidInput)
	}
	return o, nil
}

// CLV returns the customer's expected discounted margin over the horizon, the approach of
// the lifetimes library (customer_lifetime_value) on the models of Fader, Hardie and Lee
// 2005:
//
//	CLV = margin · E[M | x, m] · Σ_{k=1..months} (E[Y(k·month)] − E[Y((k−1)·month)]) / (1+d)^k
//
// where E[Y(t)] = BGNBD.ExpectedPurchases(t, x, tx, T) (the purchases expected in month k
// are the difference of the cumulative expectations), E[M | x, m] =
// GammaGamma.ExpectedAverageValue(x, m) and a month is 365.25/12 days. Discounting at the end
// of each month is the usual monthly-cash-flow convention. m is the customer's mean repeat
// spend (Summary.Monetary), ignored when x = 0.
//
// The monthly expectations share the coefficients of one hypergeometric series, so a
// 12-month CLV costs a few times a single ExpectedPurchases, not twelve times.
func CLV(bg BGNBD, gg GammaGamma, x, tx, T, m float64, o CLVOptions) (float64, error) {
	o, err := o.withDefaults()
	if err != nil {
		return math.NaN(), err
	}
	if err := bg.check(x, tx, T); err != nil {
		return math.NaN(), fmt.Errorf("CLV: %w", err)
	}
	value, err := gg.ExpectedAverageValue(x, m)
	if err != nil {
		return math.NaN(), fmt.Errorf("CLV: %w", err)
	}
	return clvOf(bg, value, x, tx, T, o)
}

// CLVOfValue is CLV with the expected value of a future purchase given instead of the
// Gamma-Gamma E[M | x, m]: for a base on which the spend model could not be fitted, where
// a customer's own mean order value stands in for it. value must be finite and ≥ 0.
func CLVOfValue(bg BGNBD, value, x, tx, T float64, o CLVOptions) (float64, error) {
	o, err := o.withDefaults()
	if err != nil {
		return math.NaN(), err
	}
	if err := bg.check(x, tx, T); err != nil {
		return math.NaN(), fmt.Errorf("CLV: %w", err)
	}
	if !finite(value) || value < 0 {
		return math.NaN(), fmt.Errorf("CLV of a purchase value %v: want a finite value ≥ 0: %w", value, ErrInvalidInput)
	}
	return clvOf(bg, value, x, tx, T, o)
}

// clvOf is CLV on checked inputs and options with defaults.
func clvOf(bg BGNBD, value, x, tx, T float64, o CLVOptions) (float64, error) {
	var cum [maxMonths]float64
	if err := bg.cumulativeMonths(x, T, o.Months, monthDays/o.Unit.Days(), cum[:o.Months]); err != nil {
		return math.NaN(), fmt.Errorf("CLV: %w", err)
	}
	pa := pAlive(bg.logOddsDead(x, tx, T))
	sum, prev, disc := 0.0, 0.0, 1.0
	f := 1 / (1 + o.MonthlyDiscount)
	for k := 0; k < o.Months; k++ {
		disc *= f
		sum += (cum[k] - prev) * disc
		prev = cum[k]
	}
	return o.Margin * value * pa * sum, nil
}
