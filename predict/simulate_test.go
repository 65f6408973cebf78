package predict

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestSimulateIsDeterministicGivenTheSeed(t *testing.T) {
	t.Parallel()
	bg, gg := BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}, GammaGamma{P: 6, Q: 4, Gamma: 15}
	a, err1 := Simulate(bg, gg, 2000, 39, 42)
	b, err2 := Simulate(bg, gg, 2000, 39, 42)
	c, err3 := Simulate(bg, gg, 2000, 39, 43)
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("same seed gave different bases, or different seeds the same base")
	}
	for i, s := range a {
		if err := s.validate(); err != nil || (s.X > 0) != (s.Monetary > 0) || s.T != 39 {
			t.Fatalf("customer %d: %+v %v", i, s, err)
		}
	}
}

func TestSimulatedBaseMatchesTheModelsMoments(t *testing.T) {
	t.Parallel()
	bg, gg := BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}, GammaGamma{P: 6, Q: 4, Gamma: 15}
	const n = 50000
	sums, err := Simulate(bg, gg, n, 39, 9)
	if err != nil {
		t.Fatal(err)
	}
	meanX, zeros := 0.0, 0.0
	for _, s := range sums {
		meanX += s.X / n
		if s.X == 0 {
			zeros++
		}
	}
	ex, _ := bg.ExpectedNewCustomer(39)
	p0, _ := bg.ProbNoPurchases(39)
	// Standard errors at n = 50,000: about 0.01 for the mean and 0.0022 for the share.
	near(t, "mean repeat purchases in 39 weeks", meanX, ex, 0.04)
	near(t, "share without a repeat purchase", zeros/n, p0, 0.009)
}

func TestSimulateRefusesInvalidParameters(t *testing.T) {
	t.Parallel()
	gg := GammaGamma{P: 6, Q: 4, Gamma: 15}
	for _, c := range []struct {
		bg BGNBD
		gg GammaGamma
		n  int
		T  float64
	}{
		{BGNBD{0, 4, 0.8, 2.5}, gg, 10, 39},
		{BGNBD{0.25, 4, 0.8, 2.5}, GammaGamma{P: math.NaN(), Q: 1, Gamma: 1}, 10, 39},
		{BGNBD{0.25, 4, 0.8, 2.5}, gg, -1, 39},
		{BGNBD{0.25, 4, 0.8, 2.5}, gg, 10, math.Inf(1)},
	} {
		if _, err := Simulate(c.bg, c.gg, c.n, c.T, 1); err == nil || !(errors.Is(err, ErrInvalidInput) || errors.Is(err, ErrInvalidParams)) {
			t.Errorf("%+v: err = %v", c, err)
		}
	}
}
