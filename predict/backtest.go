package predict

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Backtest checks a BG/NBD fit against what happened after it, the validation of Fader,
// Hardie and Lee (2005, figures 2 to 4) that a marketer needs before trusting the numbers:
// fit on a calibration period, then compare with the holdout period that follows
//
//   - the tracking chart: cumulative repeat purchases of the calibration cohort, week by week
//     from the first customer's birth, expected (Σ E[X(t − birth)], each customer a new
//     customer at birth) against actual;
//   - the conditional expectations: the holdout repeat purchases expected for each customer
//     given the calibration history (E[Y(t*) | x, t_x, T]), summed by calibration frequency
//     0, 1, ..., 6 and 7+, against actual.
//
// Customers are added one at a time; memory grows with the distinct purchase days and
// (x, t_x, T) groups, not with the customers. The cohort is the customers whose first
// purchase is on or before the calibration end; later ones are ignored.
type Backtest struct {
	calEnd, holdEnd int64
	unit            Unit
	stats           *Stats
	births          map[int64]int // first purchase day → customers born that day
	repeats         map[int64]int // day → repeat purchases of the cohort that day
	holdout         [FrequencyBuckets]struct {
		customers int
		actual    float64
	}
}

// FrequencyBuckets is the number of calibration-frequency buckets of a backtest: 0 to 6
// repeat purchases, and 7 or more in the last one.
const FrequencyBuckets = 8

// NewBacktest prepares a backtest: the calibration period ends with calibrationEnd's UTC day
// and the holdout runs from the next day through holdoutEnd's.
func NewBacktest(calibrationEnd, holdoutEnd time.Time, unit Unit) (*Backtest, error) {
	if !unit.valid() {
		return nil, fmt.Errorf("backtest in %s: %w", unit, ErrInvalidInput)
	}
	cal, hold := dayNumber(calibrationEnd), dayNumber(holdoutEnd)
	if hold <= cal {
		return nil, fmt.Errorf("backtest: holdout end %s is not after the calibration end %s: %w",
			holdoutEnd.UTC().Format(time.DateOnly), calibrationEnd.UTC().Format(time.DateOnly), ErrInvalidInput)
	}
	st, err := NewStats(StatsOptions{TimeStep: unit.DayStep()})
	if err != nil {
		return nil, err
	}
	return &Backtest{calEnd: cal, holdEnd: hold, unit: unit, stats: st,
		births: map[int64]int{}, repeats: map[int64]int{}}, nil
}

// Add counts one customer's purchase days (in any order; days of one UTC day are one
// purchase, as in Summarize).
func (b *Backtest) Add(days []Day) error {
	s, ok := Summarize(days, time.Unix(b.calEnd*86400, 0), b.unit)
	if !ok {
		return nil // not born by the calibration end
	}
	if err := b.stats.Add(s); err != nil {
		return err
	}
	first := int64(-1)
	last := int64(math.MinInt64)
	holdout := 0
	for _, d := range sortedDays(days) {
		day := int64(d.Day)
		if day > b.holdEnd {
			break
		}
		if day == last {
			continue
		}
		last = day
		if first < 0 {
			first = day
			b.births[day]++
			continue
		}
		b.repeats[day]++
		if day > b.calEnd {
			holdout++
		}
	}
	k := min(int(s.X), FrequencyBuckets-1)
	b.holdout[k].customers++
	b.holdout[k].actual += float64(holdout)
	return nil
}

// Stats returns the calibration statistics, to fit the model on.
func (b *Backtest) Stats() *Stats { return b.stats }

// BacktestResult is the outcome of a backtest.
type BacktestResult struct {
	// Customers is the calibration cohort.
	Customers int `json:"customers"`
	// Start is the first customer's birth day, where week 1 of the tracking chart begins.
	Start time.Time `json:"start"`
	// CalibrationWeeks is how many whole or partial weeks from Start the calibration covers;
	// HoldoutUnits is the length of the holdout in the model's unit.
	CalibrationWeeks int               `json:"calibration_weeks"`
	HoldoutUnits     float64           `json:"holdout_units"`
	Tracking         []TrackingWeek    `json:"tracking"`
	ByFrequency      []FrequencyBucket `json:"by_frequency"`
	// ExpectedHoldout and ActualHoldout total the holdout repeat purchases.
	ExpectedHoldout float64 `json:"expected_holdout"`
	ActualHoldout   float64 `json:"actual_holdout"`
}

// TrackingWeek is one row of the tracking chart: cumulative repeat purchases of the cohort by
// the end of week Week (days [0, 7·Week) from Start).
type TrackingWeek struct {
	Week     int     `json:"week"`
	Expected float64 `json:"expected"`
	Actual   float64 `json:"actual"`
	// Holdout is true for the weeks after the calibration period.
	Holdout bool `json:"holdout"`
}

// FrequencyBucket totals the holdout repeat purchases of the customers with Frequency repeat
// purchases in the calibration period (Frequency = 7 means 7 or more).
type FrequencyBucket struct {
	Frequency int     `json:"frequency"`
	Customers int     `json:"customers"`
	Expected  float64 `json:"expected"`
	Actual    float64 `json:"actual"`
}

// Result compares the fitted model m with what happened.
func (b *Backtest) Result(m BGNBD) (BacktestResult, error) {
	if err := m.Validate(); err != nil {
		return BacktestResult{}, err
	}
	var res BacktestResult
	res.Customers = b.stats.Customers()
	if res.Customers == 0 {
		return res, fmt.Errorf("backtest: no customer bought by the calibration end: %w", ErrInsufficientData)
	}
	u := b.unit.Days()
	tstar := float64(b.holdEnd-b.calEnd) / u
	res.HoldoutUnits = tstar

	// Conditional expectations, from the groups: E[Y(t*)] depends only on (x, t_x, T).
	res.ByFrequency = make([]FrequencyBucket, FrequencyBuckets)
	for k := range res.ByFrequency {
		res.ByFrequency[k] = FrequencyBucket{Frequency: k, Customers: b.holdout[k].customers, Actual: b.holdout[k].actual}
		res.ActualHoldout += b.holdout[k].actual
	}
	for _, g := range b.stats.Groups() {
		e, err := m.ExpectedPurchases(tstar, g.X, g.Tx, g.T)
		if err != nil {
			return res, fmt.Errorf("backtest: group %+v: %w", g, err)
		}
		k := min(int(g.X), FrequencyBuckets-1)
		res.ByFrequency[k].Expected += float64(g.N) * e
		res.ExpectedHoldout += float64(g.N) * e
	}

	// The tracking chart, week by week from the first birth.
	births := make([]int64, 0, len(b.births))
	for d := range b.births {
		births = append(births, d)
	}
	slices.Sort(births)
	start := births[0]
	res.Start = time.Unix(start*86400, 0).UTC()
	weeks := int((b.holdEnd-start)/7) + 1
	res.CalibrationWeeks = int((b.calEnd-start)/7) + 1
	repeatDays := make([]int64, 0, len(b.repeats))
	for d := range b.repeats {
		repeatDays = append(repeatDays, d)
	}
	slices.Sort(repeatDays)
	actual, ri := 0.0, 0
	for w := 1; w <= weeks; w++ {
		end := start + 7*int64(w) // exclusive
		for ri < len(repeatDays) && repeatDays[ri] < end {
			actual += float64(b.repeats[repeatDays[ri]])
			ri++
		}
		expected := 0.0
		for _, bd := range births {
			if bd >= end {
				break
			}
			e, err := m.ExpectedNewCustomer(float64(end-bd) / u)
			if err != nil {
				return res, fmt.Errorf("backtest: week %d: %w", w, err)
			}
			expected += float64(b.births[bd]) * e
		}
		res.Tracking = append(res.Tracking, TrackingWeek{Week: w, Expected: expected, Actual: actual, Holdout: w > res.CalibrationWeeks})
	}
	return res, nil
}
