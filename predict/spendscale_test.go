package predict

import (
	"math"
	"slices"
	"testing"
)

// simulatedSpend draws 20,000 customers at CDNOW-like parameters, observed 39 weeks.
func simulatedSpend(t *testing.T) []Summary {
	t.Helper()
	sums, err := Simulate(BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}, GammaGamma{P: 6, Q: 4, Gamma: 15}, 20000, 39, 11)
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// inCurrency returns s with its spend multiplied by k.
func inCurrency(s Summary, k float64) Summary {
	s.Monetary *= k
	return s
}

func fitGG(t *testing.T, groups []SpendGroup) GammaGamma {
	t.Helper()
	fit, err := FitGammaGamma(groups, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fit.Params
}

func relNear(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got/want-1) <= tol) {
		t.Errorf("%s = %.6g, want %.6g within %g relative", name, got, want, tol)
	}
}

func TestOneCurrencyIsNormalisedByExactlyOne(t *testing.T) {
	t.Parallel()
	st, err := GroupSummaries(simulatedSpend(t), StatsOptions{SpendStep: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	sc := SpendScalesOf(st)
	groups, err := sc.Normalize(st)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Reference != "" || len(sc.Scale) != 1 || sc.Scale[""] != 1 || !slices.Equal(groups, st.SpendGroups()) {
		t.Fatalf("scales %+v; normalised groups equal to the raw ones: %v", sc, slices.Equal(groups, st.SpendGroups()))
	}
}

func TestTheSameSpendsAtNinetyTimesThePriceFitTheSameShape(t *testing.T) {
	t.Parallel()
	sums := simulatedSpend(t)
	// Exact spends (no SpendStep), so that 90 times a spend is exactly that.
	one, err := GroupSummaries(sums, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := fitGG(t, one.SpendGroups())

	// Every customer twice: once in euros, once in roubles at 90 times the prices. The
	// currencies tie on customers, so the reference is the first by name, EUR.
	two, _ := NewStats(StatsOptions{})
	for _, s := range sums {
		if err := two.AddIn(s, "EUR"); err != nil {
			t.Fatal(err)
		}
		if err := two.AddIn(inCurrency(s, 90), "RUB"); err != nil {
			t.Fatal(err)
		}
	}
	// Pooled as they are, the two currencies are no Gamma-Gamma population.
	if pooled, err := FitGammaGamma(two.SpendGroups(), FitOptions{}); err == nil && math.Abs(pooled.Params.P/want.P-1) < 0.5 {
		t.Errorf("pooled without scales: %+v, near the one-currency fit: the test base does not show the problem", pooled.Params)
	}
	sc := SpendScalesOf(two)
	if sc.Reference != "EUR" || sc.Scale["EUR"] != 1 {
		t.Fatalf("scales %+v, want EUR the reference", sc)
	}
	relNear(t, "k(RUB)", sc.Scale["RUB"], 90, 1e-9)
	groups, err := sc.Normalize(two)
	if err != nil {
		t.Fatal(err)
	}
	got := fitGG(t, groups)
	relNear(t, "p", got.P, want.P, 1e-5)
	relNear(t, "q", got.Q, want.Q, 1e-5)
	relNear(t, "γ (EUR)", got.Gamma, want.Gamma, 1e-5)

	// Half the customers in roubles: the medians of two different halves differ a little,
	// so the shape is recovered up to sampling noise.
	half, _ := NewStats(StatsOptions{})
	for i, s := range sums {
		cur, k := "EUR", 1.0
		if i%2 == 1 {
			cur, k = "RUB", 90
		}
		if err := half.AddIn(inCurrency(s, k), cur); err != nil {
			t.Fatal(err)
		}
	}
	hs := SpendScalesOf(half)
	kHalf := hs.Scale["RUB"] / hs.Scale["EUR"] // whichever half has more repeat customers is the reference
	relNear(t, "k(RUB)/k(EUR) on halves", kHalf, 90, 0.08)
	hg, err := hs.Normalize(half)
	if err != nil {
		t.Fatal(err)
	}
	gotHalf := fitGG(t, hg)
	relNear(t, "p on halves", gotHalf.P, want.P, 0.1)
	relNear(t, "q on halves", gotHalf.Q, want.Q, 0.1)
	relNear(t, "γ on halves, in EUR", gotHalf.Gamma*hs.Scale["EUR"], want.Gamma, 0.1)
	t.Logf("one currency %+v; two, every customer in both %+v; two halves %+v (γ in %s), k = %.3f", want, got, gotHalf, hs.Reference, kHalf)

	// In roubles the model is the euro one scaled by k: 90 times the value of a customer
	// who spent 90 times as much.
	rub := got.Scaled(sc.Scale["RUB"])
	for _, c := range []struct{ x, m float64 }{{0, 0}, {1, 20}, {4, 55}} {
		eur, _ := got.ExpectedAverageValue(c.x, c.m)
		r, _ := rub.ExpectedAverageValue(c.x, 90*c.m)
		relNear(t, "E[M] in roubles / 90", r/90, eur, 1e-9)
	}
}

func TestTheReferenceCurrencyHasTheMostRepeatCustomers(t *testing.T) {
	t.Parallel()
	st, _ := NewStats(StatsOptions{})
	add := func(cur string, x, m float64, n int) {
		for range n {
			if err := st.AddIn(Summary{X: x, Tx: 1, T: 2, Monetary: m}, cur); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("JPY", 1, 1000, 1)
	add("JPY", 2, 3000, 2) // median 3000 of {1000, 3000, 3000}
	add("EUR", 1, 10, 2)
	add("EUR", 3, 30, 2) // median (10 + 30)/2 = 20
	add("AUD", 0, 0, 9)  // no repeat customers: no spend, no currency
	sc := SpendScalesOf(st)
	if sc.Reference != "EUR" || sc.Median["EUR"] != 20 || sc.Median["JPY"] != 3000 || sc.Scale["JPY"] != 150 || len(sc.Scale) != 2 {
		t.Errorf("scales %+v; want EUR the reference, medians 20 and 3000, JPY at 150", sc)
	}
	if got := st.SpendCurrencies(); !slices.Equal(got, []string{"EUR", "JPY"}) {
		t.Errorf("spend currencies %v", got)
	}
	if _, err := (SpendScales{Reference: "EUR", Scale: map[string]float64{"EUR": 1}}).Normalize(st); err == nil {
		t.Error("normalised a currency without a scale")
	}
}

func TestCLVOfTheGammaGammaValueIsCLV(t *testing.T) {
	t.Parallel()
	bg, gg := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	o := CLVOptions{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3, Unit: Weeks}
	want, err := CLV(bg, gg, 2, 30.43, 38.86, 28, o)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := gg.ExpectedAverageValue(2, 28)
	if got, err := CLVOfValue(bg, v, 2, 30.43, 38.86, o); err != nil || got != want {
		t.Errorf("CLVOfValue %v, %v; want CLV's %v", got, err, want)
	}
	if _, err := CLVOfValue(bg, math.NaN(), 2, 30.43, 38.86, o); err == nil {
		t.Error("CLV of a NaN value")
	}
}
