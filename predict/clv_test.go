package predict

import (
	"errors"
	"math"
	"testing"
)

var publishedGG = GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}

func TestExpectedAverageValueShrinksTowardsThePopulationMean(t *testing.T) {
	t.Parallel()
	pop := publishedGG.P * publishedGG.Gamma / (publishedGG.Q - 1)
	cases := []struct {
		name    string
		x, mean float64
		want    float64
	}{
		{"no repeat purchase: the population mean pγ/(q−1)", 0, 0, pop},
		{"no repeat purchase ignores a stray mean", 0, 500, pop},
		{"one repeat purchase of 100", 1, 100, 6.25 * (15.44 + 100) / (6.25 + 3.74 - 1)},
		{"many purchases approach the own mean", 1e6, 50, 6.25 * (15.44 + 5e7) / (6.25e6 + 2.74)},
	}
	for _, c := range cases {
		got, err := publishedGG.ExpectedAverageValue(c.x, c.mean)
		if err != nil {
			t.Fatal(err)
		}
		near(t, c.name, got, c.want, 1e-9*c.want)
	}
	if _, err := (GammaGamma{P: 1, Q: 0.5, Gamma: 1}).ExpectedAverageValue(0, 0); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("q ≤ 1 has no population mean: err = %v", err)
	}
	for _, bad := range [][2]float64{{math.NaN(), 1}, {1, math.Inf(1)}, {-1, 1}, {1.5, 1}, {2, 0}} {
		if _, err := publishedGG.ExpectedAverageValue(bad[0], bad[1]); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("x=%v mean=%v: err = %v, want ErrInvalidInput", bad[0], bad[1], err)
		}
	}
}

// clvBySum is CLV's definition computed the slow way, one ExpectedPurchases per month.
func clvBySum(t *testing.T, bg BGNBD, gg GammaGamma, x, tx, T, m float64, o CLVOptions) float64 {
	t.Helper()
	month := monthDays / o.Unit.Days()
	value, err := gg.ExpectedAverageValue(x, m)
	if err != nil {
		t.Fatal(err)
	}
	sum, prev := 0.0, 0.0
	for k := 1; k <= o.Months; k++ {
		cum, err := bg.ExpectedPurchases(float64(k)*month, x, tx, T)
		if err != nil {
			t.Fatal(err)
		}
		sum += (cum - prev) / math.Pow(1+o.MonthlyDiscount, float64(k))
		prev = cum
	}
	return o.Margin * value * sum
}

func TestCLVIsTheDiscountedSumOfMonthlyExpectedMargins(t *testing.T) {
	t.Parallel()
	custs := []Summary{{0, 0, 0, 0}, {0, 0, 30, 0}, {2, 30.43, 38.86, 22.35}, {14, 38, 39, 60}}
	opts := []CLVOptions{
		{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3, Unit: Weeks},
		{Months: 36, MonthlyDiscount: 0, Margin: 1, Unit: Weeks},
		{Months: 1, MonthlyDiscount: 0.05, Margin: 0.5, Unit: Weeks},
	}
	// mle uses Euler's series, the second model the direct one (a > r+x+2).
	for _, bg := range []BGNBD{mle, {R: 0.3, Alpha: 5, A: 25, B: 60}} {
		for _, o := range opts {
			for _, c := range custs {
				got, err := CLV(bg, publishedGG, c.X, c.Tx, c.T, c.Monetary, o)
				if err != nil {
					t.Fatal(err)
				}
				want := clvBySum(t, bg, publishedGG, c.X, c.Tx, c.T, c.Monetary, o)
				if math.Abs(got-want) > 1e-9*math.Max(1, want) {
					t.Errorf("%+v %+v %+v: CLV %.12g, by months %.12g", bg, o, c, got, want)
				}
			}
		}
	}
}

func TestCLVDefaultsAndMonotonicity(t *testing.T) {
	t.Parallel()
	c := Summary{X: 2, Tx: 30.43 * 7, T: 38.86 * 7, Monetary: 22.35}  // days
	days := BGNBD{R: mle.R, Alpha: mle.Alpha * 7, A: mle.A, B: mle.B} // the same fit in days
	def, err := CLV(days, publishedGG, c.X, c.Tx, c.T, c.Monetary, CLVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	explicit, _ := CLV(days, publishedGG, c.X, c.Tx, c.T, c.Monetary, CLVOptions{Months: 12, Margin: 1, Unit: Days})
	weeks, _ := CLV(mle, publishedGG, 2, 30.43, 38.86, 22.35, CLVOptions{Unit: Weeks})
	if def != explicit || math.Abs(def-weeks) > 1e-9*def {
		t.Errorf("defaults %v, explicit %v, same fit in weeks %v", def, explicit, weeks)
	}
	discounted, _ := CLV(days, publishedGG, c.X, c.Tx, c.T, c.Monetary, CLVOptions{MonthlyDiscount: 0.02})
	longer, _ := CLV(days, publishedGG, c.X, c.Tx, c.T, c.Monetary, CLVOptions{Months: 24})
	if !(discounted < def && longer > def) {
		t.Errorf("12 months %v, discounted %v, 24 months %v", def, discounted, longer)
	}
	for _, o := range []CLVOptions{{Months: -1}, {Months: maxMonths + 1}, {MonthlyDiscount: math.NaN()}, {MonthlyDiscount: -1}, {Unit: Unit(4)}} {
		if v, err := CLV(days, publishedGG, c.X, c.Tx, c.T, c.Monetary, o); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%+v: %v, %v; want ErrInvalidInput", o, v, err)
		}
	}
	if _, err := CLV(days, publishedGG, math.NaN(), 0, 1, 0, CLVOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("NaN x: err = %v", err)
	}
}
