package predict

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBDFit is the outcome of FitBGNBD.
type BGNBDFit struct {
	Params BGNBD
	// LL is the maximised log-likelihood, summed over customers (FHL 2005, eq. 6):
	// comparable with the published −9582.4 on CDNOW.
	LL float64
	// Iterations is the number of BFGS iterations of the winning start.
	Iterations int
	// Evaluations counts likelihood evaluations over all starts.
	Evaluations int
	// StdErr holds the asymptotic standard errors of the four parameters (from the
	// observed information at the optimum, delta method); NaN when no start converged.
	StdErr BGNBD
	// Starts is how many starting points were tried.
	Starts int
	// Converged is true when the winning start is a strict maximum that the data pin down
	// (see FitBGNBD). FitBGNBD returns ErrNotConverged whenever it is false.
	Converged bool
	// GradientNorm is the largest partial derivative of the mean log-likelihood per
	// customer with respect to the log-parameters at the optimum.
	GradientNorm float64
	// Customers and Groups count the customers and the distinct (x, tx, T) groups.
	Customers, Groups int
}

// LogLikelihood returns one customer's BG/NBD log-likelihood (FHL 2005, eq. 6):
//
//	ln L = lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
//	       + ln((α+T)^−(r+x) + [x>0] · a/(b+x−1) · (α+tx)^−(r+x))
func (m BGNBD) LogLikelihood(x, tx, T float64) (float64, error) {
	if err := m.check(x, tx, T); err != nil {
		return math.NaN(), fmt.Errorf("log-likelihood: %w", err)
	}
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	ll := lgamma(r+x) - lgamma(r) + r*math.Log(al) + lgamma(a+b) + lgamma(b+x) - lgamma(b) - lgamma(a+b+x)
	l1 := -(r + x) * math.Log(al+T)
	if x == 0 {
		return ll + l1, nil
	}
	l2 := math.Log(a/(b+x-1)) - (r+x)*math.Log(al+tx)
	return ll + logAddExp(l1, l2), nil
}

// logAddExp returns ln(e^p + e^q) without overflow.
func logAddExp(p, q float64) float64 {
	if p < q {
		p, q = q, p
	}
	return p + math.Log1p(math.Exp(q-p))
}

// bgData is the grouped data in the layout the likelihood loop wants: each distinct x, T and
// tx value appears once, so the logarithms that depend on them are computed once per
// evaluation, and the loop over groups does one exp and one log1p per group.
type bgData struct {
	xs, nx []float64 // distinct x and customers per x
	ts, tx []float64 // distinct T and distinct tx (of groups with x > 0)
	zero   []wt      // groups with x = 0: index into ts
	rep    []repGroup
	n      float64 // customers
}

type wt struct {
	t int32
	n float64
}

type repGroup struct {
	x, t, tx int32
	n        float64
}

func newBGData(groups []Group) (*bgData, error) {
	d := &bgData{}
	xi, ti, txi := map[float64]int32{}, map[float64]int32{}, map[float64]int32{}
	idx := func(m map[float64]int32, vs *[]float64, v float64) int32 {
		i, ok := m[v]
		if !ok {
			i = int32(len(*vs))
			m[v] = i
			*vs = append(*vs, v)
		}
		return i
	}
	sumX := 0.0
	for i, g := range groups {
		if err := (Summary{X: g.X, Tx: g.Tx, T: g.T}).validate(); err != nil {
			return nil, fmt.Errorf("group %d: %w", i, err)
		}
		if g.N <= 0 {
			return nil, fmt.Errorf("group %d: count %d: want ≥ 1: %w", i, g.N, ErrInvalidInput)
		}
		n := float64(g.N)
		x := idx(xi, &d.xs, g.X)
		if int(x) == len(d.nx) {
			d.nx = append(d.nx, 0)
		}
		d.nx[x] += n
		d.n += n
		sumX += n * g.X
		t := idx(ti, &d.ts, g.T)
		if g.X == 0 {
			d.zero = append(d.zero, wt{t: t, n: n})
			continue
		}
		d.rep = append(d.rep, repGroup{x: x, t: t, tx: idx(txi, &d.tx, g.Tx), n: n})
	}
	if d.n == 0 {
		return nil, fmt.Errorf("BG/NBD fit on no customers: %w", ErrInsufficientData)
	}
	if sumX == 0 {
		return nil, fmt.Errorf("BG/NBD fit on %.0f customers without a single repeat purchase: %w", d.n, ErrInsufficientData)
	}
	return d, nil
}

// bgObjective is the negative mean BG/NBD log-likelihood over grouped data, with scratch
// space for one optimisation run.
type bgObjective struct {
	d                *bgData
	lt, it, ltx, itx []float64 // ln(α+T), 1/(α+T), ln(α+tx), 1/(α+tx)
	cx, ibx          []float64 // ln a − ln(b+x−1), 1/(b+x−1) per distinct x
}

func newBGObjective(d *bgData) *bgObjective {
	return &bgObjective{d: d,
		lt: make([]float64, len(d.ts)), it: make([]float64, len(d.ts)),
		ltx: make([]float64, len(d.tx)), itx: make([]float64, len(d.tx)),
		cx: make([]float64, len(d.xs)), ibx: make([]float64, len(d.xs)),
	}
}

// eval returns −LL/N and its gradient in θ = (ln r, ln α, ln a, ln b); see
// BGNBD.LogLikelihood for the terms. With s = r+x, ℓ = ln(e^l1 + e^l2), l1 = −s ln(α+T),
// l2 = ln a − ln(b+x−1) − s ln(α+tx), and w2 = e^(l2−ℓ) (the posterior probability of
// having dropped out at tx):
//
//	∂ℓ/∂r = −(1−w2) ln(α+T) − w2 ln(α+tx)     ∂ℓ/∂α = −s[(1−w2)/(α+T) + w2/(α+tx)]
//	∂ℓ/∂a = w2/a                               ∂ℓ/∂b = −w2/(b+x−1)
//
// and the Gamma-function terms differentiate to digammas (gonum's mathext.Digamma).
func (o *bgObjective) eval(theta, grad []float64) float64 {
	d := o.d
	r, al, a, b := math.Exp(theta[0]), math.Exp(theta[1]), math.Exp(theta[2]), math.Exp(theta[3])
	for i, T := range d.ts {
		o.lt[i], o.it[i] = math.Log(al+T), 1/(al+T)
	}
	for i, tx := range d.tx {
		o.ltx[i], o.itx[i] = math.Log(al+tx), 1/(al+tx)
	}
	la := math.Log(a)
	// Terms that depend on x only: summed per distinct x.
	ll := d.n * (r*math.Log(al) - lgamma(r) + lgamma(a+b) - lgamma(b))
	dr := d.n * (math.Log(al) - mathext.Digamma(r))
	dal := d.n * r / al
	psiAB, psiB := mathext.Digamma(a+b), mathext.Digamma(b)
	da, db := d.n*psiAB, d.n*(psiAB-psiB)
	for i, x := range d.xs {
		n := d.nx[i]
		if x > 0 {
			o.cx[i] = la - math.Log(b+x-1)
			o.ibx[i] = 1 / (b + x - 1)
		}
		psiABX := mathext.Digamma(a + b + x)
		ll += n * (lgamma(r+x) + lgamma(b+x) - lgamma(a+b+x))
		dr += n * mathext.Digamma(r+x)
		da -= n * psiABX
		db += n * (mathext.Digamma(b+x) - psiABX)
	}
	// Customers without a repeat purchase: ℓ = −r ln(α+T).
	for _, g := range d.zero {
		ll -= g.n * r * o.lt[g.t]
		dr -= g.n * o.lt[g.t]
		dal -= g.n * r * o.it[g.t]
	}
	var wa, wb float64 // Σ n·w2 and Σ n·w2/(b+x−1)
	for _, g := range d.rep {
		s := r + d.xs[g.x]
		lT, lX := o.lt[g.t], o.ltx[g.tx]
		l1 := -s * lT
		l2 := o.cx[g.x] - s*lX
		var w2, l float64
		if l2 > l1 {
			e := math.Exp(l1 - l2)
			l, w2 = l2+math.Log(1+e), 1/(1+e)
		} else {
			e := math.Exp(l2 - l1)
			l, w2 = l1+math.Log(1+e), e/(1+e)
		}
		w1 := 1 - w2
		ll += g.n * l
		dr -= g.n * (w1*lT + w2*lX)
		dal -= g.n * s * (w1*o.it[g.t] + w2*o.itx[g.tx])
		wa += g.n * w2
		wb += g.n * w2 * o.ibx[g.x]
	}
	da += wa / a
	db -= wb
	// Negative mean, chain rule for the log-parameters.
	inv := -1 / d.n
	grad[0], grad[1], grad[2], grad[3] = inv*r*dr, inv*al*dal, inv*a*da, inv*b*db
	return inv * ll
}

func (o *bgObjective) customers() float64 { return o.d.n }

// FitBGNBD fits the BG/NBD model by maximum likelihood on grouped data (see Stats):
// BFGS from gonum/optimize on the log-parameters (so every trial point is a valid model)
// with the analytic gradient, from several starting points; the best converged optimum
// wins. It returns ErrInsufficientData when the model is not identified (no customers, or
// no repeat purchase at all) and ErrNotConverged, together with the fit for diagnosis,
// when no start reached a strict maximum inside the parameter space whose parameters the
// data pin down (gradient below tolerance, Hessian negative definite, every standard error
// below 10 times its parameter); such parameters must not be published.
func FitBGNBD(groups []Group, opts FitOptions) (BGNBDFit, error) {
	d, err := newBGData(groups)
	if err != nil {
		return BGNBDFit{}, fmt.Errorf("fit BG/NBD: %w", err)
	}
	o := opts.withDefaults()
	starts := o.Starts
	if len(starts) == 0 {
		starts = bgStarts(d)
	}
	for i, st := range starts {
		if len(st) != 4 || (BGNBD{st[0], st[1], st[2], st[3]}).Validate() != nil {
			return BGNBDFit{}, fmt.Errorf("fit BG/NBD: start %d %v: want 4 finite positive values: %w", i, st, ErrInvalidInput)
		}
	}
	best, evals := minimizeStarts(func() objective { return newBGObjective(d) }, starts, o)
	th := best.theta
	fit := BGNBDFit{
		Params:       BGNBD{R: math.Exp(th[0]), Alpha: math.Exp(th[1]), A: math.Exp(th[2]), B: math.Exp(th[3])},
		LL:           -best.f * d.n,
		Iterations:   best.iterations,
		Evaluations:  evals,
		Starts:       len(starts),
		Converged:    best.converged,
		GradientNorm: best.gradNorm,
		Customers:    int(d.n),
		Groups:       len(groups),
	}
	se := stdErrOrNaN(best.stdErr, 4)
	fit.StdErr = BGNBD{R: se[0], Alpha: se[1], A: se[2], B: se[3]}
	if !fit.Converged {
		return fit, fmt.Errorf("fit BG/NBD on %d customers: %s: %w", fit.Customers, best.reason, ErrNotConverged)
	}
	return fit, nil
}

// bgStarts returns four starting points spread over the range seen in practice (r and a
// from about 0.25 to 2, b from 1 to 6), each with α chosen so that the prior mean rate r/α
// equals the observed rate Σx/ΣT: α is in the data's time unit, so a fixed start would be
// off by a factor of 7 between days and weeks.
func bgStarts(d *bgData) [][]float64 {
	var sx, st float64
	for i, x := range d.xs {
		sx += d.nx[i] * x
	}
	for _, g := range d.zero {
		st += g.n * d.ts[g.t]
	}
	for _, g := range d.rep {
		st += g.n * d.ts[g.t]
	}
	rate := sx / st
	if !(rate > 0) || math.IsInf(rate, 0) {
		rate = 1
	}
	pts := [][3]float64{{1, 1, 1}, {0.25, 0.75, 2.5}, {0.5, 0.5, 6}, {2, 2, 1}}
	out := make([][]float64, len(pts))
	for i, p := range pts {
		out[i] = []float64{p[0], p[0] / rate, p[1], p[2]}
	}
	return out
}
