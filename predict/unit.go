package predict

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Sentinel errors. They are returned wrapped with the operation and the subject, so callers
// test them with errors.Is.
var (
	// ErrInvalidInput reports an argument the models cannot use: NaN, ±Inf, a negative time,
	// a recency after the age, a frequency that is not a whole number, and the like.
	ErrInvalidInput = errors.New("predict: invalid input")
	// ErrInvalidParams reports model parameters that are not finite and positive, or that
	// leave the requested quantity undefined (e.g. a Gamma-Gamma mean with q ≤ 1).
	ErrInvalidParams = errors.New("predict: invalid parameters")
	// ErrInsufficientData reports a data set on which a model is not identified: no
	// customers, no repeat purchases at all, or fewer than two repeat customers for the
	// spend model.
	ErrInsufficientData = errors.New("predict: insufficient data")
	// ErrNotConverged reports a fit whose best start did not reach a stationary point
	// inside the parameter space. The fit is returned for diagnosis only: its parameters
	// must not be published.
	ErrNotConverged = errors.New("predict: fit did not converge")
	// ErrBeyondHorizon reports an expected date so far away (over 100 years) that it means
	// "not expected to happen".
	ErrBeyondHorizon = errors.New("predict: beyond horizon")
)

// Unit is the time unit of the models: the frequency, recency and age of a Summary and the
// time arguments of the predictions are counted in it. The zero value is Days.
//
// The literature (and the CDNOW reference data) works in weeks; a shop with frequent
// buyers may prefer days. The fitted α (and so every time argument) is in the unit used for
// the fit, so a fit and its predictions must agree on it.
type Unit int

const (
	// Days counts time in days.
	Days Unit = iota
	// Weeks counts time in weeks of 7 days.
	Weeks
)

// ParseUnit reads "days" or "weeks" (also "day", "d", "week", "w"; case-insensitive).
func ParseUnit(s string) (Unit, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "days", "day", "d":
		return Days, nil
	case "weeks", "week", "w":
		return Weeks, nil
	}
	return Days, fmt.Errorf("parse unit %q: want days or weeks: %w", s, ErrInvalidInput)
}

// String returns "days" or "weeks".
func (u Unit) String() string {
	switch u {
	case Days:
		return "days"
	case Weeks:
		return "weeks"
	}
	return fmt.Sprintf("unit(%d)", int(u))
}

// Days returns the length of the unit in days: 1 or 7, and NaN for an unknown unit so
// that a mistake shows instead of silently counting in days.
func (u Unit) Days() float64 {
	switch u {
	case Days:
		return 1
	case Weeks:
		return 7
	}
	return math.NaN()
}

// DayStep returns one day expressed in the unit (1 or 1/7): the natural TimeStep for
// grouping summaries built from purchase days.
func (u Unit) DayStep() float64 { return 1 / u.Days() }

func (u Unit) valid() bool { return u == Days || u == Weeks }

// finite reports whether every value is neither NaN nor infinite.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
