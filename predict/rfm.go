package predict

import (
	"fmt"
	"slices"
	"time"
)

// RFMValues are one customer's raw recency, frequency and monetary value. Each must be
// measured the same way across the population being scored.
type RFMValues struct {
	// Recency is the time since the last purchase; smaller is better.
	Recency float64
	// Frequency is the number of purchases; larger is better.
	Frequency float64
	// Monetary is the spend; larger is better.
	Monetary float64
}

// RFMValuesOf measures a customer as of asOf's UTC day the way Rapport scores RFM: recency in
// days since the last purchase day, frequency as the number of purchase days (the first
// included: RFM ranks all buyers, unlike the BG/NBD's repeat count) and monetary as the
// total spent, all over the days up to asOf. ok is false when there was no purchase by then.
// Non-finite values count as 0, as in Summarize.
func RFMValuesOf(days []Day, asOf time.Time) (v RFMValues, ok bool) {
	end := dayNumber(asOf)
	_, last, n, total := span(days, end)
	if n == 0 {
		return RFMValues{}, false
	}
	return RFMValues{Recency: float64(end - last), Frequency: float64(n), Monetary: total}, true
}

// RFM is a customer's quintile scores, each 1 (worst fifth of the population) to 5 (best).
type RFM struct {
	R, F, M int
}

// String returns the classic three-digit code, e.g. "555".
func (s RFM) String() string { return fmt.Sprintf("%d%d%d", s.R, s.F, s.M) }

// RFMScorer scores customers against the quintiles of a population. Its fields are the cut
// points, so a scorer can be stored with a fit and rebuilt without the population.
type RFMScorer struct {
	// Recency holds the values with at least 20%, 40%, 60%, 80% of the population at or
	// above them (descending: recency is better when smaller).
	Recency [4]float64
	// Frequency and Monetary hold the values with at least 20%, 40%, 60%, 80% of the
	// population at or below them (ascending).
	Frequency, Monetary [4]float64
}

// NewRFMScorer computes the quintile cut points of a population. A value scores 1 plus the
// number of cut points it beats strictly, so customers tied on a value share a score: when
// 60% of a base bought once, all of them score F = 1 and the next tier jumps to 4, rather
// than identical customers getting different scores by accident of order.
func NewRFMScorer(pop []RFMValues) (RFMScorer, error) {
	if len(pop) == 0 {
		return RFMScorer{}, fmt.Errorf("RFM scorer on an empty population: %w", ErrInsufficientData)
	}
	r, f, m := make([]float64, len(pop)), make([]float64, len(pop)), make([]float64, len(pop))
	for i, v := range pop {
		if !finite(v.Recency, v.Frequency, v.Monetary) {
			return RFMScorer{}, fmt.Errorf("RFM scorer: customer %d %+v: %w", i, v, ErrInvalidInput)
		}
		r[i], f[i], m[i] = -v.Recency, v.Frequency, v.Monetary
	}
	var s RFMScorer
	s.Frequency, s.Monetary = quintileCuts(f), quintileCuts(m)
	// Recency ranks in reverse: cut the negated values, then undo the sign.
	for k, c := range quintileCuts(r) {
		s.Recency[k] = -c
	}
	return s, nil
}

// quintileCuts sorts vs and returns the empirical quantiles at 1/5..4/5: the smallest value
// with at least k/5 of the sample at or below it.
func quintileCuts(vs []float64) [4]float64 {
	slices.Sort(vs)
	var c [4]float64
	n := len(vs)
	for k := 1; k <= 4; k++ {
		i := (k*n + 4) / 5 // ⌈k·n/5⌉
		c[k-1] = vs[max(i-1, 0)]
	}
	return c
}

// Score returns the customer's RFM scores.
func (s RFMScorer) Score(v RFMValues) (RFM, error) {
	if !finite(v.Recency, v.Frequency, v.Monetary) {
		return RFM{}, fmt.Errorf("RFM score of %+v: %w", v, ErrInvalidInput)
	}
	out := RFM{R: 1, F: 1, M: 1}
	for k := range 4 {
		if v.Recency < s.Recency[k] {
			out.R++
		}
		if v.Frequency > s.Frequency[k] {
			out.F++
		}
		if v.Monetary > s.Monetary[k] {
			out.M++
		}
	}
	return out, nil
}
