package predict

import (
	"errors"
	"math"
	"testing"
)

func TestRFMScoresQuintilesOfThePopulation(t *testing.T) {
	t.Parallel()
	// Ten customers: recency 1..10 days, frequency 1..10, monetary 10..100.
	var pop []RFMValues
	for i := 1; i <= 10; i++ {
		pop = append(pop, RFMValues{Recency: float64(i), Frequency: float64(i), Monetary: float64(10 * i)})
	}
	s, err := NewRFMScorer(pop)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		v    RFMValues
		want string
	}{
		{"best on all three", RFMValues{Recency: 1, Frequency: 10, Monetary: 100}, "555"},
		{"worst on all three", RFMValues{Recency: 10, Frequency: 1, Monetary: 10}, "111"},
		{"recent, rare, cheap", RFMValues{Recency: 2, Frequency: 2, Monetary: 20}, "511"},
		{"middle", RFMValues{Recency: 5, Frequency: 5, Monetary: 50}, "333"},
		{"just above a cut", RFMValues{Recency: 6, Frequency: 6.5, Monetary: 61}, "344"},
		{"outside the population's range", RFMValues{Recency: 0, Frequency: 1000, Monetary: 0}, "551"},
	}
	for _, c := range cases {
		got, err := s.Score(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.want {
			t.Errorf("%s %+v: %s, want %s (scorer %+v)", c.name, c.v, got, c.want, s)
		}
	}
}

func TestRFMTiedCustomersShareAScore(t *testing.T) {
	t.Parallel()
	// 60% bought once, 20% twice, 20% five times.
	var pop []RFMValues
	for i := 0; i < 100; i++ {
		f := 1.0
		switch {
		case i >= 80:
			f = 5
		case i >= 60:
			f = 2
		}
		pop = append(pop, RFMValues{Recency: float64(i), Frequency: f, Monetary: f * 10})
	}
	s, err := NewRFMScorer(pop)
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range map[float64]int{1: 1, 2: 4, 5: 5} {
		got, _ := s.Score(RFMValues{Frequency: f})
		if got.F != want {
			t.Errorf("frequency %v scores F=%d, want %d", f, got.F, want)
		}
	}
}

func TestRFMRefusesNonFiniteValues(t *testing.T) {
	t.Parallel()
	if _, err := NewRFMScorer(nil); !errors.Is(err, ErrInsufficientData) {
		t.Errorf("empty population: err = %v", err)
	}
	if _, err := NewRFMScorer([]RFMValues{{Recency: math.NaN()}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("NaN in the population: err = %v", err)
	}
	s, _ := NewRFMScorer([]RFMValues{{Recency: 1, Frequency: 1, Monetary: 1}})
	if _, err := s.Score(RFMValues{Monetary: math.Inf(1)}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Inf monetary: err = %v", err)
	}
	// A population of one scores that customer consistently, without NaN.
	got, err := s.Score(RFMValues{Recency: 1, Frequency: 1, Monetary: 1})
	if err != nil || got.String() != "111" {
		t.Errorf("single-customer population: %v, %v", got, err)
	}
}

func TestRFMValuesOfPurchaseDays(t *testing.T) {
	t.Parallel()
	days := []Day{day("2024-03-01", 30), day("2024-01-01", 10), day("2024-03-01", 5), day("2024-05-01", 99)}
	v, ok := RFMValuesOf(days, date("2024-03-11"))
	if !ok || v != (RFMValues{Recency: 10, Frequency: 2, Monetary: 45}) {
		t.Errorf("got %+v %v, want recency 10, frequency 2 (distinct days), monetary 45 (after asOf ignored)", v, ok)
	}
	if _, ok := RFMValuesOf(days, date("2023-12-31")); ok {
		t.Error("a customer with no purchase by asOf has RFM values")
	}
}
