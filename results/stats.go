package results

import (
	"encoding/json"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// The statistics of reports: pure functions of counters, no Redis.

// z95 is the standard normal quantile of 0.975: a two-sided 95% interval.
const z95 = 1.959963984540054

// Interval is an estimate with its 95% confidence interval. Low and High are NaN when the
// data cannot give one (an empty arm); Significant is true when the interval excludes 0.
type Interval struct {
	Estimate    float64 `json:"estimate"`
	Low         float64 `json:"low"`
	High        float64 `json:"high"`
	Significant bool    `json:"significant"`
}

func interval(est, half float64) Interval {
	iv := Interval{Estimate: est, Low: est - half, High: est + half}
	iv.Significant = !math.IsNaN(half) && (iv.Low > 0 || iv.High < 0)
	return iv
}

func undefined(est float64) Interval {
	return Interval{Estimate: est, Low: math.NaN(), High: math.NaN()}
}

// Wilson is the Wilson score interval of a proportion of k successes in n trials: unlike
// the Wald interval it stays inside [0,1] and keeps its coverage at small n and extreme rates,
// which is where variants start.
func Wilson(k, n int64) Interval {
	if n <= 0 {
		return undefined(math.NaN())
	}
	p := float64(k) / float64(n)
	nf := float64(n)
	z2 := z95 * z95
	den := 1 + z2/nf
	mid := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return Interval{Estimate: p, Low: math.Max(0, mid-half), High: math.Min(1, mid+half)}
}

// RateUplift compares conversion rates: k1 of n1 treated customers against k0 of n0 held
// out. Absolute is p1-p0 with the unpooled (Wald) two-proportion interval; Relative is
// p1/p0-1 with the delta-method interval of log(p1/p0), which stays asymmetric as ratios are.
func RateUplift(k1, n1, k0, n0 int64) (abs, rel Interval) {
	if n1 <= 0 || n0 <= 0 {
		return undefined(math.NaN()), undefined(math.NaN())
	}
	p1, p0 := float64(k1)/float64(n1), float64(k0)/float64(n0)
	se := math.Sqrt(p1*(1-p1)/float64(n1) + p0*(1-p0)/float64(n0))
	abs = interval(p1-p0, z95*se)
	if se == 0 {
		abs = undefined(p1 - p0)
	}
	if p0 == 0 || p1 == 0 {
		return abs, undefined(math.NaN())
	}
	r := p1 / p0
	sl := math.Sqrt((1-p1)/(float64(n1)*p1) + (1-p0)/(float64(n0)*p0))
	rel = Interval{Estimate: r - 1, Low: r*math.Exp(-z95*sl) - 1, High: r*math.Exp(z95*sl) - 1}
	rel.Significant = rel.Low > 0 || rel.High < 0
	return abs, rel
}

// Moments are the sums that give a per-customer mean and variance: N customers, Sum of their
// values, Sum2 of the squares of their values (customers without any value count as 0).
type Moments struct {
	N         int64
	Sum, Sum2 float64
}

// Mean is Sum/N (NaN when N is 0).
func (m Moments) Mean() float64 {
	if m.N <= 0 {
		return math.NaN()
	}
	return m.Sum / float64(m.N)
}

// Var is the unbiased sample variance (NaN below 2 customers); never negative, whatever the
// rounding of the float sums.
func (m Moments) Var() float64 {
	if m.N < 2 {
		return math.NaN()
	}
	n := float64(m.N)
	return math.Max(0, (m.Sum2-m.Sum*m.Sum/n)/(n-1))
}

// MeanUplift compares means per customer (revenue per customer) of treatment t and holdout h
// with Welch's t-test: unequal variances, the Welch–Satterthwaite degrees of freedom and a
// Student t quantile. Relative is mean_t/mean_h-1 with a delta-method interval.
func MeanUplift(t, h Moments) (abs, rel Interval) {
	mt, mh := t.Mean(), h.Mean()
	vt, vh := t.Var(), h.Var()
	if math.IsNaN(vt) || math.IsNaN(vh) {
		return undefined(mt - mh), undefined(mt/mh - 1)
	}
	at, ah := vt/float64(t.N), vh/float64(h.N)
	se := math.Sqrt(at + ah)
	if se == 0 {
		return undefined(mt - mh), undefined(mt/mh - 1)
	}
	df := (at + ah) * (at + ah) / (at*at/float64(t.N-1) + ah*ah/float64(h.N-1))
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
	abs = interval(mt-mh, q*se)
	if mh == 0 {
		return abs, undefined(math.NaN())
	}
	r := mt / mh
	// Var(mt/mh) ≈ (at + r²·ah)/mh²: the first-order expansion of the ratio of two
	// independent means.
	rel = interval(r-1, q*math.Sqrt(at+r*r*ah)/math.Abs(mh))
	return abs, rel
}

// MarshalJSON writes the bounds that cannot be computed as null: JSON has no NaN.
func (iv Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Estimate    *float64 `json:"estimate"`
		Low         *float64 `json:"low"`
		High        *float64 `json:"high"`
		Significant bool     `json:"significant"`
	}{num(iv.Estimate), num(iv.Low), num(iv.High), iv.Significant})
}

// num is f for JSON: nil (null) when it is not a finite number.
func num(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}
