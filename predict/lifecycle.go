package predict

import (
	"fmt"
	"math"
	"time"
)

// Stage is a customer's lifecycle stage, usable in conditions as customer.lifecycle.
type Stage string

// The stages, from acquisition to loss.
const (
	StageNew      Stage = "new"      // first purchase, recently
	StageActive   Stage = "active"   // buying, not (yet) often
	StageLoyal    Stage = "loyal"    // buys regularly
	StageChampion Stage = "champion" // buys often and is on schedule
	StageAtRisk   Stage = "at_risk"  // overdue: may be slipping away
	StageLapsed   Stage = "lapsed"   // very likely gone
)

// LifecycleInput is what the stage depends on, all as of the same date.
type LifecycleInput struct {
	// Orders counts the purchase days (the first included).
	Orders int
	// DaysSinceFirst and DaysSinceLast are the days from the first and the last purchase
	// day to the as-of day.
	DaysSinceFirst, DaysSinceLast float64
	// PAlive is the BG/NBD P(alive), or NaN when there is no fit (then only the day rules
	// apply).
	PAlive float64
}

// LifecycleInputOf measures a customer's purchase days as of asOf's UTC day (days after it
// are ignored, as in Summarize); pAlive is passed through (NaN when there is no fit). ok is
// false when there was no purchase by then.
func LifecycleInputOf(days []Day, asOf time.Time, pAlive float64) (in LifecycleInput, ok bool) {
	end := dayNumber(asOf)
	first, last, n, _ := span(days, end)
	if n == 0 {
		return LifecycleInput{}, false
	}
	return LifecycleInput{Orders: n, DaysSinceFirst: float64(end - first), DaysSinceLast: float64(end - last), PAlive: pAlive}, true
}

// LifecycleThresholds configure Lifecycle. The zero value gives the defaults.
type LifecycleThresholds struct {
	// NewDays: a one-order customer whose first purchase is at most this many days old is
	// new. Default 30.
	NewDays float64
	// LoyalOrders and ChampionOrders are the purchase days needed to be loyal (default 3)
	// and champion (default 8).
	LoyalOrders, ChampionOrders int
	// AtRiskGaps and LapsedGaps: a repeat customer is at risk, or lapsed, once the days
	// since the last purchase exceed this many of the customer's own mean gap between
	// purchase days. Defaults 2 and 4.
	AtRiskGaps, LapsedGaps float64
	// MinGapDays is the smallest gap used for that test, so that two orders on
	// consecutive days do not make a customer at risk two days later. Default 14.
	MinGapDays float64
	// AtRiskPAlive and LapsedPAlive: a P(alive) below them makes a repeat customer at risk
	// (default 0.5) or lapsed (default 0.15).
	AtRiskPAlive, LapsedPAlive float64
	// AtRiskDays and LapsedDays: one-order customers have no gap of their own and a
	// BG/NBD P(alive) of 1 (the model cannot see a dropout before a repeat purchase), so
	// they are judged by the days since their purchase. Defaults 90 and 365.
	AtRiskDays, LapsedDays float64
}

// WithDefaults fills the zero fields with their defaults.
func (t LifecycleThresholds) WithDefaults() LifecycleThresholds {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&t.NewDays, 30)
	def(&t.AtRiskGaps, 2)
	def(&t.LapsedGaps, 4)
	def(&t.MinGapDays, 14)
	def(&t.AtRiskPAlive, 0.5)
	def(&t.LapsedPAlive, 0.15)
	def(&t.AtRiskDays, 90)
	def(&t.LapsedDays, 365)
	if t.LoyalOrders == 0 {
		t.LoyalOrders = 3
	}
	if t.ChampionOrders == 0 {
		t.ChampionOrders = 8
	}
	return t
}

// Validate reports thresholds that contradict each other, after defaults.
func (t LifecycleThresholds) Validate() error {
	t = t.WithDefaults()
	switch {
	case !finite(t.NewDays, t.AtRiskGaps, t.LapsedGaps, t.MinGapDays, t.AtRiskPAlive, t.LapsedPAlive, t.AtRiskDays, t.LapsedDays):
		return fmt.Errorf("lifecycle thresholds %+v: not finite: %w", t, ErrInvalidInput)
	case t.LoyalOrders < 2 || t.ChampionOrders < t.LoyalOrders:
		return fmt.Errorf("lifecycle thresholds: LoyalOrders %d, ChampionOrders %d: want 2 ≤ loyal ≤ champion: %w", t.LoyalOrders, t.ChampionOrders, ErrInvalidInput)
	case t.AtRiskGaps <= 0 || t.LapsedGaps < t.AtRiskGaps:
		return fmt.Errorf("lifecycle thresholds: AtRiskGaps %v, LapsedGaps %v: want 0 < at risk ≤ lapsed: %w", t.AtRiskGaps, t.LapsedGaps, ErrInvalidInput)
	case t.LapsedPAlive > t.AtRiskPAlive || t.AtRiskPAlive > 1 || t.LapsedPAlive < 0:
		return fmt.Errorf("lifecycle thresholds: LapsedPAlive %v, AtRiskPAlive %v: want 0 ≤ lapsed ≤ at risk ≤ 1: %w", t.LapsedPAlive, t.AtRiskPAlive, ErrInvalidInput)
	case t.NewDays < 0 || t.AtRiskDays < t.NewDays || t.LapsedDays < t.AtRiskDays || t.MinGapDays < 0:
		return fmt.Errorf("lifecycle thresholds: NewDays %v, AtRiskDays %v, LapsedDays %v: want 0 ≤ new ≤ at risk ≤ lapsed: %w", t.NewDays, t.AtRiskDays, t.LapsedDays, ErrInvalidInput)
	}
	return nil
}

// Lifecycle returns the customer's stage. The rules, in order (the first that matches wins):
//
//  1. one purchase day, at most NewDays old: new;
//  2. lapsed: P(alive) < LapsedPAlive, or more than LapsedGaps own gaps since the last
//     purchase (repeat customers); more than LapsedDays since the purchase (one-order
//     customers);
//  3. at_risk: the same with AtRiskPAlive, AtRiskGaps and AtRiskDays;
//  4. champion: at least ChampionOrders purchase days, and the last one within one own gap;
//  5. loyal: at least LoyalOrders purchase days;
//  6. active: everyone else.
//
// A customer's own mean gap is (DaysSinceFirst − DaysSinceLast)/(Orders − 1), at least
// MinGapDays: judging lateness against the customer's own rhythm, not a global number of
// days, is what lets a monthly buyer and a yearly buyer both be on time.
func Lifecycle(in LifecycleInput, t LifecycleThresholds) (Stage, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	t = t.WithDefaults()
	if in.Orders < 1 || !finite(in.DaysSinceFirst, in.DaysSinceLast) || in.DaysSinceLast < 0 ||
		in.DaysSinceFirst < in.DaysSinceLast || math.IsInf(in.PAlive, 0) || in.PAlive < 0 || in.PAlive > 1 {
		return "", fmt.Errorf("lifecycle of %+v: want orders ≥ 1, 0 ≤ days since last ≤ days since first, P(alive) in [0, 1] or NaN: %w", in, ErrInvalidInput)
	}
	known := !math.IsNaN(in.PAlive)
	if in.Orders == 1 {
		switch {
		case in.DaysSinceFirst <= t.NewDays:
			return StageNew, nil
		case in.DaysSinceLast > t.LapsedDays:
			return StageLapsed, nil
		case in.DaysSinceLast > t.AtRiskDays:
			return StageAtRisk, nil
		}
		return StageActive, nil
	}
	gap := math.Max((in.DaysSinceFirst-in.DaysSinceLast)/float64(in.Orders-1), t.MinGapDays)
	late := in.DaysSinceLast / gap
	switch {
	case (known && in.PAlive < t.LapsedPAlive) || late > t.LapsedGaps:
		return StageLapsed, nil
	case (known && in.PAlive < t.AtRiskPAlive) || late > t.AtRiskGaps:
		return StageAtRisk, nil
	case in.Orders >= t.ChampionOrders && late <= 1:
		return StageChampion, nil
	case in.Orders >= t.LoyalOrders:
		return StageLoyal, nil
	}
	return StageActive, nil
}
