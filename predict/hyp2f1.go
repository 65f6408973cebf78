package predict

import (
	"fmt"
	"math"
)

// The BG/NBD conditional expectation (Fader, Hardie and Lee 2005, eq. 10) needs the Gauss
// hypergeometric function ₂F₁ at z = t/(α+T+t) in [0, 1). gonum's mathext.Hypergeo (the
// Cephes code) covers that range, but the BG/NBD form ₂F₁(r+x, b+x; a+b+x−1; z) is a sum of
// positive terms that grows like (1−z)^−x, and the quantity wanted is 1 − (1−z)^(r+x)·₂F₁,
// a difference of two numbers close to 1 for short horizons, multiplied by
// (a+b+x−1)/(a−1), which is 0/0 at a = 1. We therefore sum our own series, on the
// Euler-transformed function where that helps (see expectation.go), with the factors b and c
// carried term by term (hyp2f1Scaled), so a = 1 and a+b < 1 need no special case.

// maxSeriesTerms bounds a series; it is reached only for z within about 1e-4 of 1, i.e. a
// horizon thousands of times longer than α+T.
const maxSeriesTerms = 1 << 20

// hyp2f1Scaled returns
//
//	S(a, b, c, z) = c·(₂F₁(a, b; c; z) − 1)/b = Σ_{n≥1} (a)_n (b+1)_{n−1} / ((c+1)_{n−1} n!) zⁿ
//
// for 0 ≤ z < 1, by summing the series. The division by b and the multiplication by c are
// done term by term, so S is finite at b = 0 and at c = 0; c must not be a negative integer
// (c+n = 0 for some n ≥ 1).
func hyp2f1Scaled(a, b, c, z float64) (float64, error) {
	if !finite(a, b, c, z) || z < 0 || z >= 1 {
		return math.NaN(), fmt.Errorf("hypergeometric series at z=%v: want 0 ≤ z < 1: %w", z, ErrInvalidInput)
	}
	if c <= -1 && c == math.Trunc(c) {
		return math.NaN(), fmt.Errorf("hypergeometric series with c=%v: c+n vanishes: %w", c, ErrInvalidInput)
	}
	if z == 0 {
		return 0, nil
	}
	term := a * z // n = 1
	sum := term
	for n := 1.0; n < maxSeriesTerms; n++ {
		ratio := (a + n) * (b + n) / ((c + n) * (n + 1)) * z
		term *= ratio
		sum += term
		// Once the ratio is below 1 it stays below max(ratio, z) (it tends to z, monotonically
		// for large n), so the tail is at most |term|·ρ/(1−ρ).
		rho := math.Max(math.Abs(ratio), z)
		if rho < 1 && math.Abs(term)*rho <= 1e-16*(1-rho)*math.Abs(sum) {
			return sum, nil
		}
		if term == 0 {
			return sum, nil // a or b+1 is a non-positive integer: a polynomial
		}
	}
	return math.NaN(), fmt.Errorf("hypergeometric series at z=%v did not converge in %d terms: %w", z, maxSeriesTerms, ErrInvalidInput)
}

// hyp2f1 returns the Gauss hypergeometric function ₂F₁(a, b; c; z) for −1 < z < 1 and c not
// zero or a negative integer. Negative z is mapped into [0, 1/2) by the Pfaff transformation
// (Abramowitz and Stegun 15.3.4), where the series has no cancellation to fear.
func hyp2f1(a, b, c, z float64) (float64, error) {
	if !finite(a, b, c, z) || z <= -1 || z >= 1 {
		return math.NaN(), fmt.Errorf("hypergeometric function at z=%v: want |z| < 1: %w", z, ErrInvalidInput)
	}
	if c <= 0 && c == math.Trunc(c) {
		return math.NaN(), fmt.Errorf("hypergeometric function with c=%v: pole: %w", c, ErrInvalidInput)
	}
	if z < 0 {
		w := z / (z - 1)
		s, err := hyp2f1Scaled(a, c-b, c, w)
		if err != nil {
			return math.NaN(), err
		}
		return math.Pow(1-z, -a) * (1 + (c-b)/c*s), nil
	}
	s, err := hyp2f1Scaled(a, b, c, z)
	if err != nil {
		return math.NaN(), err
	}
	return 1 + b/c*s, nil
}

// hyp2f1ScaledMany evaluates hyp2f1Scaled(a, b, c, zs[k]) into out[k] for several z in one
// pass: the coefficients are shared, so a CLV over 12 months costs one series, not twelve.
// zs must be ascending, in [0, 1), and at most maxMonths long (callers check).
func hyp2f1ScaledMany(a, b, c float64, zs, out []float64) error {
	if !finite(a, b, c) || (c <= -1 && c == math.Trunc(c)) {
		return fmt.Errorf("hypergeometric series with a=%v b=%v c=%v: %w", a, b, c, ErrInvalidInput)
	}
	var pw [maxMonths]float64
	lo := 0 // zs[:lo] have converged; with ascending z they finish in order
	for k, z := range zs {
		out[k] = a * z
		pw[k] = z
		if z == 0 {
			lo = k + 1
		}
	}
	coef := a // coefficient of zⁿ, n = 1
	for n := 1.0; lo < len(zs); n++ {
		if n >= maxSeriesTerms {
			return fmt.Errorf("hypergeometric series at z=%v did not converge in %d terms: %w", zs[len(zs)-1], maxSeriesTerms, ErrInvalidInput)
		}
		ratio := (a + n) * (b + n) / ((c + n) * (n + 1))
		coef *= ratio
		if coef == 0 {
			return nil // a polynomial: every sum is complete
		}
		for k := lo; k < len(zs); k++ {
			pw[k] *= zs[k]
			out[k] += coef * pw[k]
		}
		// Same tail bound as hyp2f1Scaled, for the smallest z still running, to a relative
		// 1e-12: a CLV needs far less, and each digit costs terms.
		for lo < len(zs) {
			z := zs[lo]
			rho := math.Max(math.Abs(ratio)*z, z)
			if !(rho < 1 && math.Abs(coef*pw[lo])*rho <= 1e-12*(1-rho)*math.Abs(out[lo])) {
				break
			}
			lo++
		}
	}
	return nil
}
