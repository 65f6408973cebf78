package predict

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mathext"
)

// BGNBD holds the parameters of the beta-geometric/negative binomial distribution model of
// repeat buying (P. Fader, B. Hardie and K. L. Lee, "Counting Your Customers the Easy Way:
// An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 2005):
//
//   - while alive, a customer buys at Poisson rate λ, and λ ~ Gamma(shape R, rate Alpha)
//     across customers;
//   - after each repeat purchase the customer drops out for good with probability p, and
//     p ~ Beta(A, B) across customers.
//
// Alpha is in the time unit of the data it was fitted on; every time argument of the
// methods is in that unit. The methods take a customer's frequency x (repeat purchase
// days), recency tx and age T as in Summary, return an error wrapping ErrInvalidInput for
// NaN, infinite or inconsistent arguments and ErrInvalidParams for parameters that are not
// finite and positive, and never panic.
type BGNBD struct {
	R, Alpha, A, B float64
}

// Validate reports whether all four parameters are finite and positive.
func (m BGNBD) Validate() error {
	if !finite(m.R, m.Alpha, m.A, m.B) || m.R <= 0 || m.Alpha <= 0 || m.A <= 0 || m.B <= 0 {
		return fmt.Errorf("BG/NBD %+v: want finite positive r, α, a, b: %w", m, ErrInvalidParams)
	}
	return nil
}

// check validates the parameters and one customer's (x, tx, T).
func (m BGNBD) check(x, tx, T float64) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return Summary{X: x, Tx: tx, T: T}.validate()
}

// logOddsDead returns ln of the odds that the customer is no longer alive,
// ln[a/(b+x−1) · ((α+T)/(α+tx))^(r+x)] (see PAlive), or −Inf when x = 0: under the
// BG/NBD a customer cannot drop out before a repeat purchase.
func (m BGNBD) logOddsDead(x, tx, T float64) float64 {
	if x == 0 {
		return math.Inf(-1)
	}
	return math.Log(m.A/(m.B+x-1)) + (m.R+x)*math.Log((m.Alpha+T)/(m.Alpha+tx))
}

// PAlive returns the probability that the customer is still alive at T (Fader, Hardie and
// Lee, "Computing P(alive) using the BG/NBD model", Hardie's note 021):
//
//	P(alive | x, tx, T) = 1 / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+tx))^(r+x))
//
// It is 1 for x = 0, a known property of the model: one-time buyers must be judged by
// their time since purchase (see Lifecycle), not by P(alive).
func (m BGNBD) PAlive(x, tx, T float64) (float64, error) {
	if err := m.check(x, tx, T); err != nil {
		return math.NaN(), fmt.Errorf("P(alive): %w", err)
	}
	return pAlive(m.logOddsDead(x, tx, T)), nil
}

// pAlive turns ln odds of being dead into P(alive) without overflow.
func pAlive(lod float64) float64 {
	if lod > 0 {
		e := math.Exp(-lod)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(lod))
}

// ExpectedPurchases returns the expected number of repeat purchases in the next t time
// units of a customer with history (x, tx, T) (FHL 2005, eq. 10):
//
//	E[Y(t) | x, tx, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
//	                     · P(alive | x, tx, T)
//
// It is evaluated by one of two series chosen for the parameters (see expectation.go), exact
// and stable for every a (a = 1 included) and every x. The series needs about 36/(1−z)
// terms, z = t/(α+T+t), so the cost grows with t/(α+T): a few microseconds for a customer a
// few days old, a fraction of one for a typical customer.
func (m BGNBD) ExpectedPurchases(t, x, tx, T float64) (float64, error) {
	if err := m.check(x, tx, T); err != nil {
		return math.NaN(), fmt.Errorf("expected purchases: %w", err)
	}
	if !finite(t) || t < 0 {
		return math.NaN(), fmt.Errorf("expected purchases in %v: want a finite horizon ≥ 0: %w", t, ErrInvalidInput)
	}
	h, err := m.cumulative(t, x, T)
	if err != nil {
		return math.NaN(), fmt.Errorf("expected purchases: %w", err)
	}
	return pAlive(m.logOddsDead(x, tx, T)) * h, nil
}

// ExpectedNewCustomer returns E[X(t)], the expected number of repeat purchases in the first
// t time units of a customer just acquired (FHL 2005, eq. 9):
//
//	E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]
//
// which is ExpectedPurchases for x = tx = T = 0.
func (m BGNBD) ExpectedNewCustomer(t float64) (float64, error) {
	return m.ExpectedPurchases(t, 0, 0, 0)
}

// ProbPurchases returns P(X(t) = n), the probability that a customer just acquired makes
// exactly n repeat purchases in the first t time units (FHL 2005, eq. 8):
//
//	P(X(t)=n) = B(a, b+n)/B(a, b) · Γ(r+n)/(Γ(r) n!) · (α/(α+t))^r (t/(α+t))^n
//	          + [n>0] B(a+1, b+n−1)/B(a, b) · [1 − (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j]
//
// For n = 0 it is (α/(α+t))^r.
func (m BGNBD) ProbPurchases(n int, t float64) (float64, error) {
	if err := m.Validate(); err != nil {
		return math.NaN(), fmt.Errorf("P(X(t)=%d): %w", n, err)
	}
	if n < 0 || !finite(t) || t < 0 {
		return math.NaN(), fmt.Errorf("P(X(%v)=%d): want n ≥ 0 and a finite t ≥ 0: %w", t, n, ErrInvalidInput)
	}
	r, a, b := m.R, m.A, m.B
	if t == 0 {
		if n == 0 {
			return 1, nil
		}
		return 0, nil
	}
	fn := float64(n)
	lp := math.Log(m.Alpha / (m.Alpha + t))
	lq := math.Log(t / (m.Alpha + t))
	// ln[Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j], the NBD probability of j purchases.
	nbd := func(j float64) float64 { return lgamma(r+j) - lgamma(r) - lgamma(j+1) + r*lp + j*lq }
	first := math.Exp(lbeta(a, b+fn) - lbeta(a, b) + nbd(fn))
	if n == 0 {
		return first, nil
	}
	// 1 − Σ_{j<n} NBD(j) is the NBD's upper tail, I_{t/(α+t)}(n, r) (regularised incomplete
	// beta): one call instead of n terms, and no cancellation.
	tail := mathext.RegIncBeta(fn, r, t/(m.Alpha+t))
	second := math.Exp(lbeta(a+1, b+fn-1)-lbeta(a, b)) * tail
	return first + second, nil
}

// ProbNoPurchases returns P(X(t) = 0) = (α/(α+t))^r.
func (m BGNBD) ProbNoPurchases(t float64) (float64, error) { return m.ProbPurchases(0, t) }

// NextPurchaseWait returns the median time from T to the customer's next purchase given
// that the customer is still alive:
//
//	t½ = (α+T) · (2^(1/(r+x)) − 1)
//
// Given alive at T, the BG/NBD's posterior rate is λ ~ Gamma(r+x, α+T), so
// P(no purchase in t | alive) = ((α+T)/(α+T+t))^(r+x), which is 1/2 at t½. We condition on
// being alive on purpose: the question a replenishment reminder asks is "if she still buys
// here, when is she due", while "will she buy at all" is PAlive. The unconditional median
// would not exist for any customer with P(alive) ≤ 1/2, and the time at which the expected
// purchases reach 1 does not exist when the model expects fewer than one more purchase.
func (m BGNBD) NextPurchaseWait(x, tx, T float64) (float64, error) {
	if err := m.check(x, tx, T); err != nil {
		return math.NaN(), fmt.Errorf("next purchase: %w", err)
	}
	return (m.Alpha + T) * math.Expm1(math.Ln2/(m.R+x)), nil
}

// ExpectedNextPurchase returns asOf plus NextPurchaseWait in the given unit: the date by
// which the customer, if still alive, is as likely as not to have bought again. asOf must be
// the date at which T was measured. A wait beyond 100 years returns ErrBeyondHorizon.
func (m BGNBD) ExpectedNextPurchase(x, tx, T float64, asOf time.Time, unit Unit) (time.Time, error) {
	if !unit.valid() {
		return time.Time{}, fmt.Errorf("next purchase in %s: %w", unit, ErrInvalidInput)
	}
	w, err := m.NextPurchaseWait(x, tx, T)
	if err != nil {
		return time.Time{}, err
	}
	days := w * unit.Days()
	if days > 36525 {
		return time.Time{}, fmt.Errorf("next purchase in %.0f days: %w", days, ErrBeyondHorizon)
	}
	whole := math.Floor(days)
	return asOf.AddDate(0, 0, int(whole)).Add(time.Duration((days - whole) * float64(24*time.Hour))), nil
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func lbeta(a, b float64) float64 { return lgamma(a) + lgamma(b) - lgamma(a+b) }
