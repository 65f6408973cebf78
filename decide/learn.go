package decide

import (
	"cmp"
	"math"
	"slices"

	"github.com/rapporthq/rapport/config"
)

// VariantStats is what a campaign's sends of one variant have led to so far, over its
// lifetime: the delivery code reads it from the results counters (results.Store.Lifetime:
// metrics sent, conversions and clicked of the variant, treatment and holdout together).
type VariantStats struct {
	Sends, Conversions, Clicks int
}

// successes is what select: learn counts as a success of the variant: conversions once it
// has minSends sends, clicks before (conversions are too rare to tell variants apart early).
// It returns the successes, the trials (at least the successes) and the word for reasons.
func (s VariantStats) successes(minSends int) (wins, trials int, what string) {
	wins, what = s.Conversions, "conversions"
	if s.Sends < minSends {
		wins, what = s.Clicks, "clicks"
	}
	wins = max(wins, 0)
	return wins, max(s.Sends, wins), what
}

// rng is splitmix64 (Steele, Lea and Flood 2014): a tiny deterministic generator, so that a
// draw depends only on its seed (campaign, customer, occurrence) and no global state: preview
// and send agree, and a retry draws the same.
type rng struct{ s uint64 }

func newRNG(parts ...string) rng {
	h := uint64(fnvOffset)
	for i, p := range parts {
		if i > 0 {
			h *= fnvPrime // the NUL separator, as in holdoutDraw
		}
		h = fnvAdd(h, p)
	}
	return rng{s: fmix64(h)}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float is uniform in [0,1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// normal is a standard normal draw (Marsaglia's polar method; the second value is dropped so
// that the generator carries no state but its seed).
func (r *rng) normal() float64 {
	for {
		u, v := 2*r.float()-1, 2*r.float()-1
		s := u*u + v*v
		if s > 0 && s < 1 {
			return u * math.Sqrt(-2*math.Log(s)/s)
		}
	}
}

// gamma draws from Gamma(a, 1), a >= 1 (Marsaglia and Tsang 2000): about one normal and one
// uniform per draw whatever a, so a variant with a million sends costs what a new one does.
func (r *rng) gamma(a float64) float64 {
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.float()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// beta draws from Beta(a, b), a, b >= 1.
func (r *rng) beta(a, b float64) float64 {
	x := r.gamma(a)
	return x / (x + r.gamma(b))
}

// draw is one Thompson draw from the variant's posterior: Beta(1+wins, 1+trials-wins), the
// uniform Beta(1,1) prior updated by its sends.
func (r *rng) draw(s VariantStats, minSends int) float64 {
	wins, trials, _ := s.successes(minSends)
	return r.beta(1+float64(wins), 1+float64(trials-wins))
}

// ProbBest is, per variant, the probability that its conversion rate is the highest, under
// the same posteriors select: learn draws from, judging a variant with fewer than
// config.DefaultMinSends sends by its clicks. See ProbBestFor.
func ProbBest(stats map[string]VariantStats) map[string]float64 {
	return ProbBestFor(stats, config.DefaultMinSends)
}

// probBestDraws is the number of Monte Carlo rounds of ProbBestFor: its standard error is at
// most 0.5/sqrt(20000) = 0.0035, below the two decimals a report shows; ten variants take
// about 10 ms.
const probBestDraws = 20000

// ProbBestFor is ProbBest for a campaign whose goal sets min_sends. It is a Monte Carlo
// estimate with a fixed seed, so the same stats always give the same answer.
func ProbBestFor(stats map[string]VariantStats, minSends int) map[string]float64 {
	ids := sortedIDs(stats)
	out := make(map[string]float64, len(ids))
	if len(ids) == 0 {
		return out
	}
	wins := make([]int, len(ids))
	r := newRNG("rapport.ProbBest")
	for range probBestDraws {
		best, bestX := 0, -1.0
		for i, id := range ids {
			if x := r.draw(stats[id], minSends); x > bestX {
				best, bestX = i, x
			}
		}
		wins[best]++
	}
	for i, id := range ids {
		out[id] = float64(wins[i]) / probBestDraws
	}
	return out
}

// VariantShares is the share of sends each variant gets under select: learn with the given
// floor of exploration (0.05 for 5%) and these stats: the explored share spread evenly, the
// rest by the probability of being best, which is how often a Thompson draw picks it.
func VariantShares(stats map[string]VariantStats, explore float64) map[string]float64 {
	return VariantSharesFor(stats, explore, config.DefaultMinSends)
}

// VariantSharesFor is VariantShares for a campaign whose goal sets min_sends.
func VariantSharesFor(stats map[string]VariantStats, explore float64, minSends int) map[string]float64 {
	return SharesOf(ProbBestFor(stats, minSends), explore)
}

// SharesOf turns the probabilities of being best (ProbBestFor) into shares of sends under
// the floor of exploration, for a caller that shows both and must not estimate them twice
// (20,000 Monte Carlo rounds each).
func SharesOf(pBest map[string]float64, explore float64) map[string]float64 {
	explore = min(max(explore, 0), 1)
	out := make(map[string]float64, len(pBest))
	for id, pb := range pBest {
		out[id] = (1-explore)*pb + explore/float64(len(pBest))
	}
	return out
}

func sortedIDs(stats map[string]VariantStats) []string {
	ids := make([]string, 0, len(stats))
	for id := range stats {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, cmp.Compare)
	return ids
}
