package predict

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Simulator draws customers from a BG/NBD purchase process and a Gamma-Gamma spend process:
// the project's own generator, for parameter-recovery tests and benchmarks. It is
// deterministic given its seed.
type Simulator struct {
	bg  BGNBD
	gg  GammaGamma
	t   float64 // default age
	rng *rand.Rand
	src rand.Source
}

// NewSimulator returns a generator of customers observed for T time units from their first
// purchase, seeded with seed.
func NewSimulator(bg BGNBD, gg GammaGamma, T float64, seed uint64) (*Simulator, error) {
	if err := bg.Validate(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if err := gg.Validate(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if !finite(T) || T < 0 {
		return nil, fmt.Errorf("simulate for T=%v: want a finite T ≥ 0: %w", T, ErrInvalidInput)
	}
	src := rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	return &Simulator{bg: bg, gg: gg, t: T, rng: rand.New(src), src: src}, nil
}

// Next draws one customer as the BG/NBD story goes (FHL 2005): born with a purchase at time 0; rate
// λ ~ Gamma(r, α) and dropout probability p ~ Beta(a, b); exponential waits at rate λ
// until T, each repeat purchase followed by dropout with probability p. Each repeat
// purchase's value is Gamma(p_gg, ν) with ν ~ Gamma(q, γ) (the Gamma-Gamma model);
// Monetary is their mean. Times are continuous; group with a TimeStep to bound the groups.
func (s *Simulator) Next() Summary { return s.NextAged(s.t) }

// NextAged draws one customer observed for T time units instead of the simulator's own T:
// a base acquired over time is a mix of ages. An invalid T (NaN, negative) counts as 0.
func (s *Simulator) NextAged(T float64) Summary {
	if !(T >= 0) || math.IsInf(T, 0) {
		T = 0
	}
	lambda := distuv.Gamma{Alpha: s.bg.R, Beta: s.bg.Alpha, Src: s.src}.Rand()
	p := distuv.Beta{Alpha: s.bg.A, Beta: s.bg.B, Src: s.src}.Rand()
	var x, tx, t float64
	if lambda > 0 {
		for {
			t += s.rng.ExpFloat64() / lambda
			if !(t <= T) {
				break
			}
			x++
			tx = t
			if s.rng.Float64() < p {
				break
			}
		}
	}
	sm := Summary{X: x, Tx: tx, T: T}
	if x > 0 {
		nu := distuv.Gamma{Alpha: s.gg.Q, Beta: s.gg.Gamma, Src: s.src}.Rand()
		spend := distuv.Gamma{Alpha: s.gg.P, Beta: nu, Src: s.src}
		total := 0.0
		for range int(x) {
			total += spend.Rand()
		}
		sm.Monetary = total / x
		if !(sm.Monetary > 0) || math.IsInf(sm.Monetary, 0) {
			// ν so large that every value underflowed to 0: keep the customer out of the
			// spend model rather than invent a value.
			sm.Monetary = 0
		}
	}
	return sm
}

// Simulate draws n customers observed for T time units (see Simulator.Next).
func Simulate(bg BGNBD, gg GammaGamma, n int, T float64, seed uint64) ([]Summary, error) {
	s, err := NewSimulator(bg, gg, T, seed)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("simulate %d customers: %w", n, ErrInvalidInput)
	}
	out := make([]Summary, n)
	for i := range out {
		out[i] = s.Next()
	}
	return out, nil
}
