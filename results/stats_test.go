package results

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestWilsonIntervalMatchesReferenceValues(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		k, n     int64
		lo, hi   float64
		estimate float64
	}{
		// Reference values from R: prop.test(x, n, correct = FALSE)$conf.int.
		{k: 50, n: 1000, lo: 0.03813, hi: 0.06532, estimate: 0.05},
		{k: 0, n: 20, lo: 0, hi: 0.16113, estimate: 0},
		{k: 20, n: 20, lo: 0.83887, hi: 1, estimate: 1},
		{k: 5, n: 10, lo: 0.23659, hi: 0.76341, estimate: 0.5},
	} {
		got := Wilson(tt.k, tt.n)
		if !near(got.Low, tt.lo, 5e-5) || !near(got.High, tt.hi, 5e-5) || got.Estimate != tt.estimate {
			t.Errorf("Wilson(%d, %d) = %+v, want [%v, %v]", tt.k, tt.n, got, tt.lo, tt.hi)
		}
	}
	if iv := Wilson(0, 0); !math.IsNaN(iv.Low) {
		t.Errorf("Wilson(0, 0) = %+v, want an undefined interval", iv)
	}
}

func TestRateUpliftIsTheUnpooledTwoProportionInterval(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name           string
		k1, n1, k0, n0 int64
		est, lo, hi    float64
		significant    bool
	}{
		// p1 = .06, p0 = .05: se = sqrt(.06*.94/5000 + .05*.95/5000) = 0.0045585
		{"small uplift, significant", 300, 5000, 250, 5000, 0.01, 0.01 - 1.959964*0.0045585, 0.01 + 1.959964*0.0045585, true},
		{"no difference", 100, 1000, 100, 1000, 0, -0.0262957, 0.0262957, false},
		{"negative uplift", 40, 1000, 80, 1000, -0.04, -0.04 - 1.959964*math.Sqrt(.04*.96/1000+.08*.92/1000), -0.04 + 1.959964*math.Sqrt(.04*.96/1000+.08*.92/1000), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			abs, rel := RateUplift(tt.k1, tt.n1, tt.k0, tt.n0)
			if !near(abs.Estimate, tt.est, 1e-12) || !near(abs.Low, tt.lo, 1e-6) || !near(abs.High, tt.hi, 1e-6) {
				t.Errorf("absolute = %+v, want %v [%v, %v]", abs, tt.est, tt.lo, tt.hi)
			}
			if abs.Significant != tt.significant {
				t.Errorf("significant = %v, want %v", abs.Significant, tt.significant)
			}
			p1, p0 := float64(tt.k1)/float64(tt.n1), float64(tt.k0)/float64(tt.n0)
			if !near(rel.Estimate, p1/p0-1, 1e-12) || !(rel.Low < rel.Estimate && rel.Estimate < rel.High) {
				t.Errorf("relative = %+v, want %v inside its interval", rel, p1/p0-1)
			}
			if rel.Significant != abs.Significant {
				t.Errorf("relative significant %v, absolute %v: they agree away from the edge", rel.Significant, abs.Significant)
			}
		})
	}
	if abs, _ := RateUplift(1, 0, 1, 10); !math.IsNaN(abs.Low) || abs.Significant {
		t.Errorf("an empty arm gives %+v, want an undefined interval", abs)
	}
}

func TestMeanUpliftIsWelchsInterval(t *testing.T) {
	t.Parallel()
	// Treatment 1,2,3,4,5 (mean 3, var 2.5); holdout 2,4,6 (mean 4, var 4). Welch df =
	// (0.5+1.3333)^2 / (0.25/4 + 1.7778/2) = 3.5328; t(0.975, 3.5328) = 2.92741 (by numeric
	// integration of Student's density).
	tr := Moments{N: 5, Sum: 15, Sum2: 55}
	ho := Moments{N: 3, Sum: 12, Sum2: 56}
	abs, rel := MeanUplift(tr, ho)
	se := math.Sqrt(2.5/5 + 4.0/3)
	if !near(abs.Estimate, -1, 1e-12) || !near(abs.High-abs.Estimate, 2.92741*se, 1e-4) {
		t.Errorf("absolute = %+v, want -1 ± %v", abs, 2.92741*se)
	}
	if abs.Significant || rel.Significant {
		t.Errorf("significant %v/%v on 8 customers", abs.Significant, rel.Significant)
	}
	if !near(rel.Estimate, -0.25, 1e-12) {
		t.Errorf("relative = %v, want -0.25", rel.Estimate)
	}
	if abs, _ := MeanUplift(Moments{N: 1, Sum: 3, Sum2: 9}, ho); !math.IsNaN(abs.Low) {
		t.Errorf("one customer gives %+v, want an undefined interval", abs)
	}
}

// TestUpliftIntervalsCoverTheTrueEffect is the coverage test of issue 9: a 50% holdout of
// 10,000 simulated customers with a known conversion effect (5% -> 6%) and revenue per order
// (exponential, mean 50); over 100 seeded simulations the 95% intervals must cover the true
// uplift at least 90 times (binomial(100, .95) falls below 90 with probability ~1%).
func TestUpliftIntervalsCoverTheTrueEffect(t *testing.T) {
	t.Parallel()
	const (
		customers = 10000
		p0, p1    = 0.05, 0.06
		meanOrder = 50.0
		runs      = 100
	)
	rateCovered, revenueCovered := 0, 0
	for seed := range uint64(runs) {
		rng := rand.New(rand.NewPCG(seed, 9))
		var k [2]int64
		var m [2]Moments
		for range customers {
			arm := 0 // holdout
			p := p0
			if rng.Float64() >= 0.5 {
				arm, p = 1, p1
			}
			m[arm].N++
			if rng.Float64() < p {
				k[arm]++
				v := rng.ExpFloat64() * meanOrder
				m[arm].Sum += v
				m[arm].Sum2 += v * v
			}
		}
		abs, _ := RateUplift(k[1], m[1].N, k[0], m[0].N)
		if abs.Low <= p1-p0 && p1-p0 <= abs.High {
			rateCovered++
		}
		rev, _ := MeanUplift(m[1], m[0])
		if trueRev := (p1 - p0) * meanOrder; rev.Low <= trueRev && trueRev <= rev.High {
			revenueCovered++
		}
	}
	t.Logf("coverage over %d simulations: rate %d, revenue per customer %d", runs, rateCovered, revenueCovered)
	if rateCovered < 90 {
		t.Errorf("the rate interval covered the true uplift %d times in %d, want >= 90", rateCovered, runs)
	}
	if revenueCovered < 90 {
		t.Errorf("the revenue interval covered the true uplift %d times in %d, want >= 90", revenueCovered, runs)
	}
}

func TestIntervalWithoutBoundsIsNullInJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Wilson(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `{"estimate":null,"low":null,"high":null,"significant":false}` {
		t.Errorf("JSON = %s", got)
	}
}
