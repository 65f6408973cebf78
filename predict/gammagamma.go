package predict

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// GammaGamma holds the parameters of the Gamma-Gamma model of spend per transaction (P.
// Fader, B. Hardie and K. L. Lee, "RFM and CLV: Using Iso-Value Curves for Customer Base
// Analysis", Journal of Marketing Research 42(4), 2005; B. Hardie, note 025): a customer's
// transaction values are Gamma(P, ν) around a personal mean P/ν, with ν ~ Gamma(Q, Gamma)
// across customers. Spend is assumed independent of the purchase process, so the model
// combines with BGNBD for CLV.
type GammaGamma struct {
	P, Q, Gamma float64
}

// Validate reports whether all three parameters are finite and positive.
func (m GammaGamma) Validate() error {
	if !finite(m.P, m.Q, m.Gamma) || m.P <= 0 || m.Q <= 0 || m.Gamma <= 0 {
		return fmt.Errorf("Gamma-Gamma %+v: want finite positive p, q, γ: %w", m, ErrInvalidParams)
	}
	return nil
}

// ExpectedAverageValue returns the expected value of the customer's future transactions
// given x repeat purchases with mean value mean (FHL 2005 "RFM and CLV"; note 025):
//
//	E[M | x, m] = p(γ + x·m) / (p·x + q − 1)
//
// a weighted average of the population mean pγ/(q−1) and the customer's own mean. For x = 0
// it is the population mean (mean is ignored), which exists only when q > 1.
func (m GammaGamma) ExpectedAverageValue(x, mean float64) (float64, error) {
	if err := m.Validate(); err != nil {
		return math.NaN(), fmt.Errorf("expected average value: %w", err)
	}
	if !finite(x, mean) || x < 0 || x != math.Trunc(x) || (x > 0 && mean <= 0) {
		return math.NaN(), fmt.Errorf("expected average value for x=%v, mean=%v: want a whole x ≥ 0 and a positive mean: %w", x, mean, ErrInvalidInput)
	}
	if x == 0 {
		mean = 0
	}
	den := m.P*x + m.Q - 1
	if den <= 0 {
		return math.NaN(), fmt.Errorf("expected average value for x=%v: p·x + q − 1 = %v ≤ 0, the mean is infinite: %w", x, den, ErrInvalidParams)
	}
	return m.P * (m.Gamma + x*mean) / den, nil
}

// GammaGammaFit is the outcome of FitGammaGamma.
type GammaGammaFit struct {
	Params GammaGamma
	// LL is the maximised log-likelihood of the customers' mean repeat spend m (Hardie's
	// note 025; comparable with the published −4055.92 on CDNOW):
	//
	//	ln f(m | x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x·m)
	LL float64
	// LLTotalSpend is the same likelihood written for the total repeat spend x·m instead of
	// its mean: the densities differ by the Jacobian 1/x, so LLTotalSpend = LL − Σ ln x
	// (−4659.29 on CDNOW). Both have the same maximiser.
	LLTotalSpend float64
	// StdErr, Iterations, Evaluations, Starts, Converged and GradientNorm are as in
	// BGNBDFit.
	StdErr                          GammaGamma
	Iterations, Evaluations, Starts int
	Converged                       bool
	GradientNorm                    float64
	// Customers counts the repeat customers fitted on; Groups the distinct (x, m) groups.
	Customers, Groups int
}

// ggData is grouped spend data: per distinct x the customer count and Σ n ln m, per group
// the total spend z = x·m (the only per-group term is ln(γ+z)).
type ggData struct {
	xs, nx, slm []float64 // distinct x, customers, Σ n ln m
	g           []ggGroup
	n, sumLnX   float64
	meanSpend   float64
}

type ggGroup struct {
	x int32
	z float64
	n float64
}

func newGGData(groups []SpendGroup) (*ggData, error) {
	d := &ggData{}
	xi := map[float64]int32{}
	sum := 0.0
	for i, g := range groups {
		if !finite(g.X, g.Mean) || g.X < 1 || g.X != math.Trunc(g.X) || g.Mean <= 0 || g.N <= 0 {
			return nil, fmt.Errorf("spend group %d %+v: want a whole x ≥ 1, a positive mean and a count ≥ 1: %w", i, g, ErrInvalidInput)
		}
		k, ok := xi[g.X]
		if !ok {
			k = int32(len(d.xs))
			xi[g.X] = k
			d.xs = append(d.xs, g.X)
			d.nx = append(d.nx, 0)
			d.slm = append(d.slm, 0)
		}
		n := float64(g.N)
		d.nx[k] += n
		d.slm[k] += n * math.Log(g.Mean)
		d.g = append(d.g, ggGroup{x: k, z: g.X * g.Mean, n: n})
		d.n += n
		d.sumLnX += n * math.Log(g.X)
		sum += n * g.Mean
	}
	if d.n < 2 {
		return nil, fmt.Errorf("Gamma-Gamma fit on %.0f repeat customers: want at least 2: %w", d.n, ErrInsufficientData)
	}
	d.meanSpend = sum / d.n
	if !(d.meanSpend > 0) || math.IsInf(d.meanSpend, 0) {
		d.meanSpend = 1 // only scales the default starts
	}
	return d, nil
}

type ggObjective struct{ d *ggData }

func (o ggObjective) customers() float64 { return o.d.n }

// eval returns −LL/N and its gradient in θ = (ln p, ln q, ln γ). With z = x·m:
//
//	∂ℓ/∂p = x[ψ(px+q) − ψ(px) + ln m + ln x − ln(γ+z)]
//	∂ℓ/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ+z)
//	∂ℓ/∂γ = q/γ − (px+q)/(γ+z)
func (o ggObjective) eval(theta, grad []float64) float64 {
	d := o.d
	p, q, g := math.Exp(theta[0]), math.Exp(theta[1]), math.Exp(theta[2])
	lg := math.Log(g)
	ll := d.n * (q*lg - lgamma(q))
	dp := 0.0
	dq := d.n * (lg - mathext.Digamma(q))
	dg := d.n * q / g
	for i, x := range d.xs {
		n, px := d.nx[i], p*x
		psi := mathext.Digamma(px + q)
		ll += n*(lgamma(px+q)-lgamma(px)+px*math.Log(x)) + (px-1)*d.slm[i]
		dp += x * (n*(psi-mathext.Digamma(px)+math.Log(x)) + d.slm[i])
		dq += n * psi
	}
	for _, gr := range d.g {
		x := d.xs[gr.x]
		l := math.Log(g + gr.z)
		ll -= gr.n * (p*x + q) * l
		dp -= gr.n * x * l
		dq -= gr.n * l
		dg -= gr.n * (p*x + q) / (g + gr.z)
	}
	inv := -1 / d.n
	grad[0], grad[1], grad[2] = inv*p*dp, inv*q*dq, inv*g*dg
	return inv * ll
}

// FitGammaGamma fits the Gamma-Gamma spend model by maximum likelihood on the repeat
// customers' mean spend (see Stats.SpendGroups), the same way as FitBGNBD: BFGS on the
// log-parameters with the analytic gradient, several starts, ErrNotConverged when no start
// converged inside the parameter space, ErrInsufficientData with fewer than two repeat
// customers.
func FitGammaGamma(groups []SpendGroup, opts FitOptions) (GammaGammaFit, error) {
	d, err := newGGData(groups)
	if err != nil {
		return GammaGammaFit{}, fmt.Errorf("fit Gamma-Gamma: %w", err)
	}
	o := opts.withDefaults()
	starts := o.Starts
	if len(starts) == 0 {
		// The population mean spend is pγ/(q−1): choose γ to match the observed mean.
		pts := [][2]float64{{1, 2}, {4, 3}, {10, 6}, {2, 10}}
		for _, pt := range pts {
			starts = append(starts, []float64{pt[0], pt[1], d.meanSpend * (pt[1] - 1) / pt[0]})
		}
	}
	for i, st := range starts {
		if len(st) != 3 || (GammaGamma{st[0], st[1], st[2]}).Validate() != nil {
			return GammaGammaFit{}, fmt.Errorf("fit Gamma-Gamma: start %d %v: want 3 finite positive values: %w", i, st, ErrInvalidInput)
		}
	}
	best, evals := minimizeStarts(func() objective { return ggObjective{d} }, starts, o)
	th := best.theta
	fit := GammaGammaFit{
		Params:       GammaGamma{P: math.Exp(th[0]), Q: math.Exp(th[1]), Gamma: math.Exp(th[2])},
		LL:           -best.f * d.n,
		Iterations:   best.iterations,
		Evaluations:  evals,
		Starts:       len(starts),
		Converged:    best.converged,
		GradientNorm: best.gradNorm,
		Customers:    int(d.n),
		Groups:       len(groups),
	}
	fit.LLTotalSpend = fit.LL - d.sumLnX
	se := stdErrOrNaN(best.stdErr, 3)
	fit.StdErr = GammaGamma{P: se[0], Q: se[1], Gamma: se[2]}
	if !fit.Converged {
		return fit, fmt.Errorf("fit Gamma-Gamma on %d customers: %s: %w", fit.Customers, best.reason, ErrNotConverged)
	}
	return fit, nil
}
