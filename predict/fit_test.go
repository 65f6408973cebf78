package predict

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestBGNBDFitReportsLifetimesStandardErrorsOnCDNOW(t *testing.T) {
	t.Parallel()
	st, err := GroupSummaries(cdnowSummaries(t), StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fit, err := FitBGNBD(st.Groups(), FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// As printed by lifetimes' BetaGeoFitter summary on cdnow_summary.csv.
	se := fit.StdErr
	near(t, "se(r)", se.R, 0.012557, 2e-5)
	near(t, "se(α)", se.Alpha, 0.378221, 2e-4)
	near(t, "se(a)", se.A, 0.185719, 2e-4)
	near(t, "se(b)", se.B, 0.705345, 5e-4)
}

func TestFitsRefuseDataThatDoNotIdentifyTheModel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		groups []Group
		want   error
	}{
		{"no customers", nil, ErrInsufficientData},
		{"nobody bought twice", []Group{{X: 0, T: 30, N: 500}, {X: 0, T: 10, N: 20}}, ErrInsufficientData},
		{"a single customer", []Group{{X: 3, Tx: 20, T: 30, N: 1}}, ErrNotConverged},
		{"twenty customers on a flat ridge", []Group{{X: 1, Tx: 20, T: 30, N: 10}, {X: 0, T: 30, N: 10}}, ErrNotConverged},
		{"NaN in a group", []Group{{X: 1, Tx: math.NaN(), T: 30, N: 1}}, ErrInvalidInput},
		{"recency after age", []Group{{X: 1, Tx: 40, T: 30, N: 1}}, ErrInvalidInput},
		{"zero count", []Group{{X: 1, Tx: 10, T: 30, N: 0}}, ErrInvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fit, err := FitBGNBD(c.groups, FitOptions{})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if fit.Converged {
				t.Error("a refused fit says it converged")
			}
			// What is returned for diagnosis is never NaN.
			p := fit.Params
			for _, v := range []float64{p.R, p.Alpha, p.A, p.B, fit.LL} {
				if math.IsNaN(v) {
					t.Errorf("NaN in the refused fit %+v", fit)
				}
			}
		})
	}
	spend := []struct {
		name   string
		groups []SpendGroup
		want   error
	}{
		{"no repeat customers", nil, ErrInsufficientData},
		{"one repeat customer", []SpendGroup{{X: 2, Mean: 10, N: 1}}, ErrInsufficientData},
		{"x = 0", []SpendGroup{{X: 0, Mean: 10, N: 5}}, ErrInvalidInput},
		{"negative spend", []SpendGroup{{X: 1, Mean: -3, N: 5}}, ErrInvalidInput},
		{"Inf spend", []SpendGroup{{X: 1, Mean: math.Inf(1), N: 5}}, ErrInvalidInput},
		{"everyone spends the same", []SpendGroup{{X: 1, Mean: 10, N: 50}, {X: 2, Mean: 10, N: 20}}, ErrNotConverged},
	}
	for _, c := range spend {
		t.Run("Gamma-Gamma "+c.name, func(t *testing.T) {
			fit, err := FitGammaGamma(c.groups, FitOptions{})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if math.IsNaN(fit.Params.P) || math.IsNaN(fit.LL) {
				t.Errorf("NaN in the refused fit %+v", fit)
			}
		})
	}
}

func TestFitThatRunsOutOfIterationsIsNotPublished(t *testing.T) {
	t.Parallel()
	st, err := GroupSummaries(cdnowSummaries(t), StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fit, err := FitBGNBD(st.Groups(), FitOptions{MaxIterations: 2})
	if !errors.Is(err, ErrNotConverged) || fit.Converged {
		t.Errorf("2 iterations: converged %v, err %v; want ErrNotConverged", fit.Converged, err)
	}
	if _, err := FitBGNBD(st.Groups(), FitOptions{Starts: [][]float64{{1, 2, 3}}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("a start with 3 values: err = %v, want ErrInvalidInput", err)
	}
	if _, err := FitBGNBD(st.Groups(), FitOptions{Starts: [][]float64{{1, -2, 3, 1}}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("a negative start: err = %v, want ErrInvalidInput", err)
	}
}

func TestFitDoesNotDependOnParallelism(t *testing.T) {
	t.Parallel()
	st, err := GroupSummaries(cdnowSummaries(t), StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	one, err1 := FitBGNBD(st.Groups(), FitOptions{Parallel: 1})
	four, err2 := FitBGNBD(st.Groups(), FitOptions{Parallel: 4})
	if err1 != nil || err2 != nil || one != four {
		t.Errorf("Parallel 1: %+v %v\nParallel 4: %+v %v", one, err1, four, err2)
	}
}

func TestStatsGroupsIdenticalCustomersAndBoundsTheGroups(t *testing.T) {
	t.Parallel()
	st, err := NewStats(StatsOptions{TimeStep: 1.0 / 7, SpendStep: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Summary{
		{X: 0, Tx: 0, T: 3},
		{X: 0, Tx: 0, T: 3 + 1e-9}, // same day after rounding
		{X: 2, Tx: 1, T: 3, Monetary: 10},
		{X: 2, Tx: 1, T: 3, Monetary: 10.001}, // same cent in total
		{X: 1, Tx: 1, T: 3, Monetary: 0},      // refund: purchase process only
	} {
		if err := st.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if st.Customers() != 5 || len(st.Groups()) != 3 || len(st.SpendGroups()) != 1 || st.WithoutSpend() != 1 {
		t.Errorf("customers %d, groups %+v, spend groups %+v, without spend %d", st.Customers(), st.Groups(), st.SpendGroups(), st.WithoutSpend())
	}
	if err := st.Add(Summary{X: 1, Tx: math.Inf(1), T: 3}); !errors.Is(err, ErrInvalidInput) || st.Customers() != 5 {
		t.Errorf("an invalid summary: err %v, customers %d", err, st.Customers())
	}
	if _, err := NewStats(StatsOptions{TimeStep: -1}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative step: err = %v", err)
	}
}

// TestFitRecoversSimulatedParameters is the parameter-recovery check of issue 4, on the
// project's own generator: bases of 20,000 customers drawn from r = 0.25, α = 4, a = 0.8,
// b = 2.5 and observed for 39 weeks.
//
// At that size the estimator's own standard errors are about 1.6% (r), 2.7% (α), 6.6% (a)
// and 8.6% (b) (see the logged values): a and b are weakly identified, because dropout is
// seen only in the silence after the last purchase. A single fit therefore lands outside
// ±10% on a or b for about a quarter of seeds, whatever the code. So the test checks what
// correct code guarantees: every fit within 4 of its own standard errors, r and α within
// 10% on every fit, and the mean over ten independent bases within 10% for all four.
func TestFitRecoversSimulatedParameters(t *testing.T) {
	t.Parallel()
	truth := BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}
	const bases = 10
	var mean [4]float64
	for seed := uint64(1); seed <= bases; seed++ {
		sums, err := Simulate(truth, GammaGamma{P: 6, Q: 4, Gamma: 15}, 20000, 39, seed)
		if err != nil {
			t.Fatal(err)
		}
		st, err := GroupSummaries(sums, StatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fit, err := FitBGNBD(st.Groups(), FitOptions{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		got := []float64{fit.Params.R, fit.Params.Alpha, fit.Params.A, fit.Params.B}
		se := []float64{fit.StdErr.R, fit.StdErr.Alpha, fit.StdErr.A, fit.StdErr.B}
		want := []float64{truth.R, truth.Alpha, truth.A, truth.B}
		names := []string{"r", "α", "a", "b"}
		for i := range got {
			mean[i] += got[i] / bases
			if math.Abs(got[i]-want[i]) > 4*se[i] {
				t.Errorf("seed %d: %s = %.4f, %.1f standard errors (%.4f) from %v", seed, names[i], got[i], math.Abs(got[i]-want[i])/se[i], se[i], want[i])
			}
			if i < 2 && math.Abs(got[i]/want[i]-1) > 0.10 {
				t.Errorf("seed %d: %s = %.4f, more than 10%% from %v", seed, names[i], got[i], want[i])
			}
		}
		t.Logf("seed %d: r %+.3f α %+.3f a %+.3f b %+.3f (relative errors); relative SEs %.3f %.3f %.3f %.3f",
			seed, got[0]/want[0]-1, got[1]/want[1]-1, got[2]/want[2]-1, got[3]/want[3]-1,
			se[0]/got[0], se[1]/got[1], se[2]/got[2], se[3]/got[3])
	}
	for i, w := range []float64{truth.R, truth.Alpha, truth.A, truth.B} {
		if math.Abs(mean[i]/w-1) > 0.10 {
			t.Errorf("parameter %d: mean of %d fits %.4f, more than 10%% from %v", i, bases, mean[i], w)
		}
	}
}

func TestGammaGammaFitRecoversSimulatedParameters(t *testing.T) {
	t.Parallel()
	truth := GammaGamma{P: 6, Q: 4, Gamma: 15}
	sums, err := Simulate(BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}, truth, 100000, 39, 7)
	if err != nil {
		t.Fatal(err)
	}
	st, err := GroupSummaries(sums, StatsOptions{SpendStep: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	fit, err := FitGammaGamma(st.SpendGroups(), FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{fit.Params.P, fit.Params.Q, fit.Params.Gamma}
	se := []float64{fit.StdErr.P, fit.StdErr.Q, fit.StdErr.Gamma}
	for i, w := range []float64{truth.P, truth.Q, truth.Gamma} {
		if math.Abs(got[i]-w) > 4*se[i] || math.Abs(got[i]/w-1) > 0.10 {
			t.Errorf("parameter %d = %.4f (se %.4f), want %v within 10%% and 4 se", i, got[i], se[i], w)
		}
	}
}

func TestFitsOnRandomSmallBasesNeverPanicNorPublishNaN(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	published := 0
	for i := range 300 {
		var groups []Group
		var spend []SpendGroup
		for range 1 + rng.IntN(12) {
			T := []float64{0, 0.5, 1, 30, 1e4}[rng.IntN(5)]
			x := float64(rng.IntN(4) * rng.IntN(30))
			tx := 0.0
			if x > 0 {
				tx = T * rng.Float64()
			}
			groups = append(groups, Group{X: x, Tx: tx, T: T, N: 1 + rng.IntN(50)})
			if x > 0 {
				spend = append(spend, SpendGroup{X: x, Mean: math.Exp(rng.NormFloat64() * 3), N: 1 + rng.IntN(5)})
			}
		}
		bg, err := FitBGNBD(groups, FitOptions{})
		if err == nil {
			published++
			// What is published must predict for the very customers it was fitted on.
			for _, g := range groups {
				e, err1 := bg.Params.ExpectedPurchases(52, g.X, g.Tx, g.T)
				pa, err2 := bg.Params.PAlive(g.X, g.Tx, g.T)
				if err1 != nil || err2 != nil || !finite(e, pa) {
					t.Errorf("set %d: %+v on %+v: E %v %v, P(alive) %v %v", i, bg.Params, g, e, err1, pa, err2)
				}
			}
		}
		if err == nil && (!bg.Converged || bg.Params.Validate() != nil || !finite(bg.LL)) {
			t.Errorf("set %d: published %+v", i, bg)
		}
		if err != nil && !errors.Is(err, ErrNotConverged) && !errors.Is(err, ErrInsufficientData) {
			t.Errorf("set %d: unexpected error %v", i, err)
		}
		gg, err := FitGammaGamma(spend, FitOptions{})
		if err == nil && (!gg.Converged || gg.Params.Validate() != nil || !finite(gg.LL)) {
			t.Errorf("set %d: published %+v", i, gg)
		}
	}
	t.Logf("%d of 300 random small bases gave a publishable BG/NBD fit", published)
}

// TestFitRecoversEachParameterWithinTenPercent is the recovery check taken literally:
// one base of 20,000 simulated customers, every parameter within 10%, on every seed. It uses a
// base observed for two years with about one purchase a month while alive, where the
// relative standard errors are at most 3.2% (10% is more than three of them); the CDNOW-like
// base above, observed 39 weeks, cannot identify a and b that closely from 20,000 customers.
func TestFitRecoversEachParameterWithinTenPercent(t *testing.T) {
	t.Parallel()
	truth := BGNBD{R: 1, Alpha: 5, A: 0.8, B: 2.5}
	for seed := uint64(1); seed <= 5; seed++ {
		sums, err := Simulate(truth, GammaGamma{P: 6, Q: 4, Gamma: 15}, 20000, 104, seed)
		if err != nil {
			t.Fatal(err)
		}
		st, err := GroupSummaries(sums, StatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fit, err := FitBGNBD(st.Groups(), FitOptions{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		got := []float64{fit.Params.R, fit.Params.Alpha, fit.Params.A, fit.Params.B}
		for i, want := range []float64{truth.R, truth.Alpha, truth.A, truth.B} {
			if math.Abs(got[i]/want-1) > 0.10 {
				t.Errorf("seed %d: parameter %s = %.4f, more than 10%% from %v", seed, []string{"r", "α", "a", "b"}[i], got[i], want)
			}
		}
	}
}
