package predict

import (
	"errors"
	"math"
	"testing"
	"time"
)

// The backtest on CDNOW reproduces the paper's validation at the published parameters:
// calibration to 1997-09-30 (39 weeks), holdout to 1998-06-30 (week 78).
func TestBacktestOnCDNOWReproducesThePapersTrackingAndHoldoutTotals(t *testing.T) {
	t.Parallel()
	days := loadCDNOWDays(t)
	cal := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	hold := time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)
	bt, err := NewBacktest(cal, hold, Weeks)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		if err := bt.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	res, err := bt.Result(published)
	if err != nil {
		t.Fatal(err)
	}
	if res.Customers != 2357 || res.CalibrationWeeks != 39 || len(res.Tracking) != 78 {
		t.Fatalf("%d customers, %d calibration weeks, %d tracking weeks; want 2357, 39, 78", res.Customers, res.CalibrationWeeks, len(res.Tracking))
	}
	w39, w78 := res.Tracking[38], res.Tracking[77]
	near(t, "expected by week 39", w39.Expected, 2505, 0.5)
	near(t, "expected by week 78", w78.Expected, 4171, 0.5)
	if w39.Actual != 2457 || w78.Actual != 4339 || w39.Holdout || !w78.Holdout {
		t.Errorf("actual %v by week 39 and %v by week 78 (holdout %v, %v), want 2457 and 4339", w39.Actual, w78.Actual, w39.Holdout, w78.Holdout)
	}
	if res.ActualHoldout != 1882 {
		t.Errorf("actual holdout purchases %v, want 1882", res.ActualHoldout)
	}
	var customers int
	var expected float64
	for _, b := range res.ByFrequency {
		customers += b.Customers
		expected += b.Expected
	}
	if customers != 2357 || math.Abs(expected-res.ExpectedHoldout) > 1e-6 {
		t.Errorf("buckets hold %d customers and %v expected, want 2357 and %v", customers, expected, res.ExpectedHoldout)
	}
	// Zero-frequency customers: 1,411 of them, and the model expects about 0.24 holdout
	// purchases each (FHL 2005, figure 4), against about 0.23 actual.
	z := res.ByFrequency[0]
	if z.Customers != 1411 || z.Expected/1411 < 0.2 || z.Expected/1411 > 0.3 || z.Actual/1411 < 0.18 || z.Actual/1411 > 0.28 {
		t.Errorf("frequency 0: %+v", z)
	}
	t.Logf("holdout purchases expected %.1f, actual %.0f", res.ExpectedHoldout, res.ActualHoldout)
}

func TestBacktestRefusesAHoldoutThatEndsBeforeItStarts(t *testing.T) {
	t.Parallel()
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := NewBacktest(d, d, Days); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("err %v, want ErrInvalidInput", err)
	}
}

func TestBacktestIgnoresCustomersBornAfterTheCalibration(t *testing.T) {
	t.Parallel()
	cal := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	bt, err := NewBacktest(cal, cal.AddDate(0, 1, 0), Days)
	if err != nil {
		t.Fatal(err)
	}
	late := DayOf(cal) + 3
	if err := bt.Add([]Day{{Day: late, Value: 10, Orders: 1}, {Day: late + 5, Value: 10, Orders: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := bt.Result(published); !errors.Is(err, ErrInsufficientData) {
		t.Errorf("err %v, want ErrInsufficientData for a cohort of nobody", err)
	}
}
