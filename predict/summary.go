package predict

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Summary is a customer's purchase history reduced to what the BG/NBD and Gamma-Gamma
// models need, in the convention of the literature and of the lifetimes library (columns
// frequency, recency, T, monetary_value):
type Summary struct {
	// X is the frequency: the number of purchase days after the first one (repeat
	// purchases). A whole number.
	X float64
	// Tx is the recency: the time from the first to the last purchase day (0 when X = 0).
	Tx float64
	// T is the age: the time from the first purchase day to the as-of day.
	T float64
	// Monetary is the mean value of the repeat purchase days (the first purchase is
	// excluded, as in Fader, Hardie and Lee 2005, "RFM and CLV"); 0 when X = 0.
	Monetary float64
}

// validate checks that s can be fed to the models.
func (s Summary) validate() error {
	switch {
	case !finite(s.X, s.Tx, s.T, s.Monetary):
		return fmt.Errorf("summary %+v: not finite: %w", s, ErrInvalidInput)
	case s.X < 0 || s.X != math.Trunc(s.X):
		return fmt.Errorf("summary frequency %v: want a whole number ≥ 0: %w", s.X, ErrInvalidInput)
	case s.Tx < 0 || s.T < 0 || s.Tx > s.T:
		return fmt.Errorf("summary recency %v, age %v: want 0 ≤ recency ≤ age: %w", s.Tx, s.T, ErrInvalidInput)
	}
	return nil
}

// Summarize reduces a customer's purchase days to a Summary as of the UTC calendar day of
// asOf, in the given unit:
//
//   - days after asOf's day are ignored, the asOf day itself counts (as in lifetimes'
//     observation_period_end);
//   - the first purchase day is the customer's birth and is not a repeat purchase;
//   - X counts the distinct purchase days after it; entries with the same Day are merged
//     (values summed), so the order of days, duplicates and replays do not matter;
//   - Tx = last − first and T = asOf day − first, in days divided by the unit's length
//     (the CDNOW convention: T = (1997-09-30 − first)/7);
//   - Monetary is the mean value of the repeat purchase days, 0 when X = 0.
//
// A non-finite Value counts as 0: values are validated when orders are ingested, and a
// corrupt one must not turn the whole base's fit into NaN.
//
// ok is false when the customer made no purchase on or before asOf's day, or when unit is
// neither Days nor Weeks.
func Summarize(days []Day, asOf time.Time, unit Unit) (s Summary, ok bool) {
	if !unit.valid() {
		return Summary{}, false
	}
	end := dayNumber(asOf)
	days = sortedDays(days)
	var (
		first, last int64
		started     bool
		x           int
		repeat      float64
	)
	for _, d := range days {
		day := int64(d.Day)
		if day > end {
			break
		}
		v := d.Value
		if !finite(v) {
			v = 0
		}
		switch {
		case !started:
			first, last, started = day, day, true
		case day == first:
			// Another order on the birth day: still the birth, not a repeat.
		case day == last:
			repeat += v
		default:
			last = day
			x++
			repeat += v
		}
	}
	if !started {
		return Summary{}, false
	}
	u := unit.Days()
	s = Summary{X: float64(x), Tx: float64(last-first) / u, T: float64(end-first) / u}
	if x > 0 {
		s.Monetary = repeat / float64(x)
	}
	return s, true
}

// sortedDays returns days in day order: days itself when already sorted (stored records are
// kept sorted), else a sorted copy, so the caller's slice is never reordered.
func sortedDays(days []Day) []Day {
	byDay := func(a, b Day) int { return int(a.Day) - int(b.Day) }
	if slices.IsSortedFunc(days, byDay) {
		return days
	}
	days = slices.Clone(days)
	slices.SortStableFunc(days, byDay)
	return days
}

// span returns the first and last purchase day on or before end, and the number of distinct
// purchase days and the total value up to it (non-finite values count as 0).
func span(days []Day, end int64) (first, last int64, n int, total float64) {
	for _, d := range sortedDays(days) {
		day := int64(d.Day)
		if day > end {
			break
		}
		if n == 0 || day != last {
			if n == 0 {
				first = day
			}
			last = day
			n++
		}
		if finite(d.Value) {
			total += d.Value
		}
	}
	return first, last, n, total
}

// dayNumber returns the number of days from 1970-01-01 to t's UTC calendar day, the
// numbering of Day.Day.
func dayNumber(t time.Time) int64 {
	secs := t.Unix()
	d := secs / 86400
	if secs%86400 < 0 {
		d-- // floor, not truncation, for instants before 1970
	}
	return d
}

// DayOf returns the Day.Day number of t's UTC calendar day.
func DayOf(t time.Time) int32 { return int32(dayNumber(t)) }
