package predict

import (
	"testing"
)

// The targets: a CDNOW fit under 100 ms, a 1,000,000-customer fit under 5 s on two
// cores with memory bounded by the distinct groups, and a per-customer prediction (P(alive),
// expected purchases and CLV) under 2 µs. bench/predict prints the same figures as JSON.

func BenchmarkFitBGNBDOnCDNOW(b *testing.B) {
	sums := cdnowSummaries(b)
	for b.Loop() {
		st, err := GroupSummaries(sums, StatsOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := FitBGNBD(st.Groups(), FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitGammaGammaOnCDNOW(b *testing.B) {
	st, err := GroupSummaries(cdnowSummaries(b), StatsOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := FitGammaGamma(st.SpendGroups(), FitOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitMillionCustomers groups and fits a base of 1,000,000 simulated customers in
// days, acquired over two years (ages 0 to 730 days), grouped by whole days and cents.
func BenchmarkFitMillionCustomers(b *testing.B) {
	if testing.Short() {
		b.Skip("simulates a million customers")
	}
	bg := BGNBD{R: 0.25, Alpha: 28, A: 0.8, B: 2.5}
	sim, err := NewSimulator(bg, GammaGamma{P: 6, Q: 4, Gamma: 15}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	sums := make([]Summary, 1_000_000)
	for i := range sums {
		sums[i] = sim.NextAged(float64(i % 731))
	}
	b.ResetTimer()
	for b.Loop() {
		st, err := GroupSummaries(sums, StatsOptions{TimeStep: 1, SpendStep: 0.01})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := FitBGNBD(st.Groups(), FitOptions{}); err != nil {
			b.Fatal(err)
		}
		if _, err := FitGammaGamma(st.SpendGroups(), FitOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(st.Groups())), "groups")
	}
}

var sink float64

// BenchmarkPredictCustomer measures P(alive) + expected purchases in 90 days + 12-month CLV
// for the CDNOW customers in turn, at the fitted parameters.
func BenchmarkPredictCustomer(b *testing.B) {
	sums := cdnowSummaries(b)
	benchPredict(b, sums)
}

// BenchmarkPredictNewCustomer is the slow case: a customer one day old, for whom the
// hypergeometric series runs longest (z = t/(α+T+t) close to 1).
func BenchmarkPredictNewCustomer(b *testing.B) {
	benchPredict(b, []Summary{{X: 0, Tx: 0, T: 1.0 / 7}})
}

func benchPredict(b *testing.B, sums []Summary) {
	gg := GammaGamma{P: 6.2488, Q: 3.7446, Gamma: 15.4477}
	opts := CLVOptions{MonthlyDiscount: 0.01, Margin: 0.3, Unit: Weeks}
	i := 0
	for b.Loop() {
		s := sums[i%len(sums)]
		i++
		pa, err1 := mle.PAlive(s.X, s.Tx, s.T)
		e, err2 := mle.ExpectedPurchases(90.0/7, s.X, s.Tx, s.T)
		c, err3 := CLV(mle, gg, s.X, s.Tx, s.T, s.Monetary, opts)
		if err1 != nil || err2 != nil || err3 != nil {
			b.Fatal(err1, err2, err3)
		}
		sink += pa + e + c
	}
}
