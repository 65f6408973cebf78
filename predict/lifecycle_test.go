package predict

import (
	"errors"
	"math"
	"testing"
)

func TestLifecycleStagesWithDefaultThresholds(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	cases := []struct {
		name string
		in   LifecycleInput
		want Stage
	}{
		{"first order last week", LifecycleInput{Orders: 1, DaysSinceFirst: 7, DaysSinceLast: 7, PAlive: 1}, StageNew},
		{"one order two months ago", LifecycleInput{Orders: 1, DaysSinceFirst: 60, DaysSinceLast: 60, PAlive: 1}, StageActive},
		{"one order four months ago", LifecycleInput{Orders: 1, DaysSinceFirst: 120, DaysSinceLast: 120, PAlive: 1}, StageAtRisk},
		{"one order two years ago, P(alive) 1 notwithstanding", LifecycleInput{Orders: 1, DaysSinceFirst: 730, DaysSinceLast: 730, PAlive: 1}, StageLapsed},
		{"second order, on time", LifecycleInput{Orders: 2, DaysSinceFirst: 60, DaysSinceLast: 20, PAlive: 0.9}, StageActive},
		{"three orders monthly, on time", LifecycleInput{Orders: 3, DaysSinceFirst: 70, DaysSinceLast: 10, PAlive: 0.9}, StageLoyal},
		{"ten orders monthly, on time", LifecycleInput{Orders: 10, DaysSinceFirst: 285, DaysSinceLast: 15, PAlive: 0.95}, StageChampion},
		{"ten orders monthly, a bit late", LifecycleInput{Orders: 10, DaysSinceFirst: 315, DaysSinceLast: 45, PAlive: 0.8}, StageLoyal},
		{"monthly buyer silent for 3 months", LifecycleInput{Orders: 10, DaysSinceFirst: 360, DaysSinceLast: 90, PAlive: 0.7}, StageAtRisk},
		{"monthly buyer silent for 5 months", LifecycleInput{Orders: 10, DaysSinceFirst: 420, DaysSinceLast: 150, PAlive: 0.6}, StageLapsed},
		{"yearly buyer on time after 10 months", LifecycleInput{Orders: 4, DaysSinceFirst: 1395, DaysSinceLast: 300, PAlive: 0.8}, StageLoyal},
		{"low P(alive) while on time by the gaps", LifecycleInput{Orders: 4, DaysSinceFirst: 400, DaysSinceLast: 100, PAlive: 0.3}, StageAtRisk},
		{"very low P(alive)", LifecycleInput{Orders: 4, DaysSinceFirst: 400, DaysSinceLast: 100, PAlive: 0.05}, StageLapsed},
		{"no fit: days only", LifecycleInput{Orders: 4, DaysSinceFirst: 400, DaysSinceLast: 100, PAlive: nan}, StageLoyal},
		{"orders a day apart use the minimum gap", LifecycleInput{Orders: 2, DaysSinceFirst: 11, DaysSinceLast: 10, PAlive: nan}, StageActive},
	}
	for _, c := range cases {
		got, err := Lifecycle(c.in, LifecycleThresholds{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestLifecycleThresholdsAreConfigurable(t *testing.T) {
	t.Parallel()
	in := LifecycleInput{Orders: 5, DaysSinceFirst: 120, DaysSinceLast: 20, PAlive: 0.9}
	if got, _ := Lifecycle(in, LifecycleThresholds{}); got != StageLoyal {
		t.Errorf("defaults: %s, want loyal", got)
	}
	if got, _ := Lifecycle(in, LifecycleThresholds{ChampionOrders: 5}); got != StageChampion {
		t.Errorf("ChampionOrders 5: %s, want champion", got)
	}
	if got, _ := Lifecycle(in, LifecycleThresholds{AtRiskPAlive: 0.95, LapsedPAlive: 0.1}); got != StageAtRisk {
		t.Errorf("AtRiskPAlive 0.95: %s, want at_risk", got)
	}
}

func TestLifecycleRefusesBadInputAndContradictoryThresholds(t *testing.T) {
	t.Parallel()
	ok := LifecycleInput{Orders: 2, DaysSinceFirst: 10, DaysSinceLast: 5, PAlive: 0.5}
	for _, in := range []LifecycleInput{
		{Orders: 0, DaysSinceFirst: 1, DaysSinceLast: 1},
		{Orders: 2, DaysSinceFirst: 1, DaysSinceLast: 5},
		{Orders: 2, DaysSinceFirst: math.Inf(1), DaysSinceLast: 5},
		{Orders: 2, DaysSinceFirst: 10, DaysSinceLast: 5, PAlive: 1.5},
	} {
		if _, err := Lifecycle(in, LifecycleThresholds{}); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%+v: err = %v", in, err)
		}
	}
	for _, th := range []LifecycleThresholds{
		{LoyalOrders: 9, ChampionOrders: 4},
		{AtRiskGaps: 5, LapsedGaps: 3},
		{AtRiskPAlive: 0.1, LapsedPAlive: 0.3},
		{AtRiskDays: 400, LapsedDays: 100},
		{NewDays: math.NaN()},
	} {
		if _, err := Lifecycle(ok, th); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%+v: err = %v", th, err)
		}
	}
}

func TestLifecycleInputOfPurchaseDays(t *testing.T) {
	t.Parallel()
	days := []Day{day("2024-03-01", 30), day("2024-01-01", 10), day("2024-03-01", 5), day("2024-05-01", 99)}
	in, ok := LifecycleInputOf(days, date("2024-03-11"), 0.8)
	want := LifecycleInput{Orders: 2, DaysSinceFirst: 70, DaysSinceLast: 10, PAlive: 0.8}
	if !ok || in != want {
		t.Errorf("got %+v %v, want %+v", in, ok, want)
	}
	if _, ok := LifecycleInputOf(days, date("2023-12-31"), 1); ok {
		t.Error("a customer with no purchase by asOf has a lifecycle input")
	}
}
