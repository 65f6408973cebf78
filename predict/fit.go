package predict

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// FitOptions tune the maximum-likelihood fits. The zero value gives the defaults.
type FitOptions struct {
	// MaxIterations bounds the BFGS iterations of each start. Default 500 (a fit needs
	// 20 to 60).
	MaxIterations int
	// GradientTolerance is the convergence test: the largest partial derivative of the
	// mean log-likelihood per customer with respect to the log-parameters must be at most
	// this at the optimum. Scaling by the number of customers makes it independent of the
	// base's size. Default 1e-6, which pins the parameters to about 6 significant digits.
	GradientTolerance float64
	// Starts replaces the default starting points (natural parameters in the model's
	// order: r, α, a, b or p, q, γ). The defaults are four points spread over the usual
	// range, with the scale parameter matched to the data's mean rate or spend.
	Starts [][]float64
	// Parallel is how many starts run at once. Default GOMAXPROCS. The result does not
	// depend on it.
	Parallel int
}

// maxLogParam bounds the log-parameters of an accepted optimum: a parameter beyond e^±20
// (about 5e8 or 2e-9) means the likelihood kept rising towards the edge of the parameter
// space (the model is not identified on these data), so there is no estimate to publish.
const maxLogParam = 20

func (o FitOptions) withDefaults() FitOptions {
	if o.MaxIterations <= 0 {
		o.MaxIterations = 500
	}
	if !(o.GradientTolerance > 0) || math.IsInf(o.GradientTolerance, 0) {
		o.GradientTolerance = 1e-6
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	return o
}

// objective evaluates the negative mean log-likelihood and its gradient with respect to
// the log-parameters θ. Each start gets its own objective, so scratch space is not shared.
type objective interface {
	eval(theta, grad []float64) float64
}

// run is the outcome of one start.
type run struct {
	theta      []float64
	f          float64   // negative mean log-likelihood
	gradNorm   float64   // infinity norm of the gradient at theta
	stdErr     []float64 // standard errors of the natural parameters, per customer base
	iterations int
	evals      int
	converged  bool
	reason     string
}

// minimizeStarts runs BFGS (gonum/optimize, with the analytic gradient) from every start
// (given as natural parameters) and returns the best run, the best converged one if any.
func minimizeStarts(newObj func() objective, starts [][]float64, o FitOptions) (best run, total int) {
	runs := make([]run, len(starts))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, st := range starts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			runs[i] = minimizeOne(newObj(), st, o)
		}()
	}
	wg.Wait()
	best = run{f: math.Inf(1)}
	for _, r := range runs {
		total += r.evals
		better := r.f < best.f
		if r.converged != best.converged {
			better = r.converged
		}
		if better || best.theta == nil {
			best = r
		}
	}
	return best, total
}

// minimizeOne runs one start and judges its end point itself: gonum's line search may stop
// with "no progress" at an optimum that is already as precise as float64 allows, and may
// report convergence on a flat ridge running off to infinity; only the gradient at the end
// point and its distance from the edge decide.
func minimizeOne(obj objective, start []float64, o FitOptions) run {
	dim := len(start)
	theta0 := make([]float64, dim)
	for i, v := range start {
		theta0[i] = math.Log(v)
	}
	if !finite(theta0...) {
		return run{theta: theta0, f: math.Inf(1), gradNorm: math.Inf(1), reason: "invalid start"}
	}
	// gonum asks for Func and Grad separately at the same point; compute both at once.
	var (
		lastX = make([]float64, dim)
		lastG = make([]float64, dim)
		lastF = math.NaN()
		evals int
	)
	at := func(x []float64) {
		if !math.IsNaN(lastF) && equal(x, lastX) {
			return
		}
		copy(lastX, x)
		evals++
		lastF = obj.eval(x, lastG)
		if !finite(lastF) || !finite(lastG...) {
			// Outside the region where the likelihood is representable: make the line
			// search step back rather than feed it NaN.
			lastF = math.Inf(1)
			for i := range lastG {
				lastG[i] = 0
			}
		}
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { at(x); return lastF },
		Grad: func(g, x []float64) { at(x); copy(g, lastG) },
	}
	settings := &optimize.Settings{
		GradientThreshold: o.GradientTolerance / 10,
		MajorIterations:   o.MaxIterations,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-14, Relative: 1e-15, Iterations: 20},
	}
	res, err := optimize.Minimize(p, theta0, settings, &optimize.BFGS{})
	r := run{theta: theta0, f: math.Inf(1), gradNorm: math.Inf(1)}
	if res != nil {
		r.theta = append([]float64(nil), res.X...)
		r.iterations = res.MajorIterations
	}
	g := make([]float64, dim)
	r.f = obj.eval(r.theta, g)
	r.evals = evals + 1
	r.gradNorm = infNorm(g)
	switch {
	case !finite(r.f) || math.IsNaN(r.gradNorm):
		r.reason = "likelihood not finite at the end point"
	case maxAbs(r.theta) > maxLogParam:
		r.reason = fmt.Sprintf("a parameter ran to the edge of the parameter space (ln = %.1f)", maxAbs(r.theta))
	case r.gradNorm > o.GradientTolerance:
		r.reason = fmt.Sprintf("gradient %.2g above tolerance %.2g", r.gradNorm, o.GradientTolerance)
		if err != nil {
			r.reason += " (" + err.Error() + ")"
		}
	default:
		var ok bool
		r.stdErr, ok = stdErrors(obj, r.theta)
		r.evals += 2 * dim
		if !ok {
			r.reason = "the log-likelihood is not strictly concave at the end point (a saddle or a flat ridge)"
			break
		}
		r.converged = true
	}
	return r
}

// stdErrors returns the asymptotic standard errors of the natural parameters at an optimum
// θ of the mean negative log-likelihood f: the covariance of θ is H⁻¹/N with H the Hessian of
// f (the observed information per customer), and by the delta method
// se(e^θᵢ) = e^θᵢ·√(H⁻¹)ᵢᵢ/√N. The Hessian is the central difference of the analytic
// gradient. ok is false when H is not positive definite: then θ is not a strict maximum of
// the likelihood and must not be published. The N is applied by the caller (see scaleStdErr).
func stdErrors(obj objective, theta []float64) (se []float64, ok bool) {
	dim := len(theta)
	const h = 1e-4
	hess := mat.NewSymDense(dim, nil)
	gp, gm, tp := make([]float64, dim), make([]float64, dim), make([]float64, dim)
	cols := make([][]float64, dim)
	for j := range dim {
		copy(tp, theta)
		tp[j] += h
		obj.eval(tp, gp)
		tp[j] -= 2 * h
		obj.eval(tp, gm)
		cols[j] = make([]float64, dim)
		for i := range dim {
			cols[j][i] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	for i := range dim {
		for j := i; j < dim; j++ {
			hess.SetSym(i, j, (cols[i][j]+cols[j][i])/2)
		}
	}
	var chol mat.Cholesky
	if !finite(hess.RawSymmetric().Data...) || !chol.Factorize(hess) {
		return nil, false
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		return nil, false
	}
	se = make([]float64, dim)
	for i := range dim {
		se[i] = math.Exp(theta[i]) * math.Sqrt(cov.At(i, i))
	}
	return se, finite(se...)
}

// scaleStdErr turns per-customer standard errors into those of a base of n customers.
func scaleStdErr(se []float64, n float64, dim int) []float64 {
	out := make([]float64, dim)
	for i := range out {
		out[i] = math.NaN()
		if i < len(se) {
			out[i] = se[i] / math.Sqrt(n)
		}
	}
	return out
}

func infNorm(g []float64) float64 {
	n := 0.0
	for _, v := range g {
		if math.IsNaN(v) {
			return math.NaN()
		}
		n = math.Max(n, math.Abs(v))
	}
	return n
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func maxAbs(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
