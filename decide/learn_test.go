package decide

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rapporthq/rapport/config"
)

// abTest is a campaign of n condition-free email variants v0, v1, ... under select.
func abTest(t testing.TB, id string, n int, sel config.Select) *config.Campaign {
	t.Helper()
	c := &config.Campaign{ID: id, Trigger: config.Trigger{Event: "Signed Up"}, Channels: []string{"email"}, Select: sel}
	if sel.Mode == config.SelectLearn {
		c.Explore = config.DefaultExplore
	}
	for i := range n {
		c.Variants = append(c.Variants, config.Variant{
			ID: fmt.Sprintf("v%d", i), Email: &config.EmailContent{Subject: "Hi", HTML: "a.html"}})
	}
	return c
}

// banditInput is a decision for customer i of a campaign, with the stats so far.
func banditInput(c *config.Campaign, i int, stats map[string]VariantStats) Input {
	return Input{
		Campaign:   c,
		Customer:   &Customer{ID: fmt.Sprintf("c-%d", i), Email: "a@example.com", Consent: Consent{Email: yes()}},
		Occurrence: fmt.Sprintf("m-%d", i),
		Due:        now, Now: now,
		Variants: stats,
	}
}

// simulate sends sends messages of a learning campaign with two variants whose conversion
// rates are rates (clicks at 2.5 times the rate), feeding the outcomes back into the stats
// as the results counters would, and returns the share of v1 among the sends after warm.
func simulate(t *testing.T, seed uint64, rates [2]float64, sends, warm int) (share1 float64) {
	t.Helper()
	c := abTest(t, fmt.Sprintf("bandit-%d", seed), 2, config.Select{Mode: config.SelectLearn})
	feedback := rand.New(rand.NewPCG(seed, 42))
	stats := map[string]VariantStats{}
	late, late1 := 0, 0
	for i := range sends {
		d := Decide(banditInput(c, i, stats))
		if !d.Eligible {
			t.Fatalf("send %d: %s %v", i, d.Skip, d.Reasons)
		}
		k := 0
		if d.Variant.ID == "v1" {
			k = 1
		}
		s := stats[d.Variant.ID]
		s.Sends++
		u := feedback.Float64()
		if u < rates[k] {
			s.Conversions++
		}
		if u < 2.5*rates[k] {
			s.Clicks++
		}
		stats[d.Variant.ID] = s
		if i >= warm {
			late++
			late1 += k
		}
	}
	return float64(late1) / float64(late)
}

func TestBanditSendsMostToTheVariantThatConvertsTwiceAsOften(t *testing.T) {
	t.Parallel()
	good := 0
	for seed := range uint64(10) {
		share := simulate(t, seed, [2]float64{0.02, 0.04}, 5000, 4000)
		t.Logf("seed %d: B gets %.1f%% of sends 4,001-5,000", seed, 100*share)
		if share >= 0.8 {
			good++
		}
	}
	if good < 9 {
		t.Errorf("B got >= 80%% of new sends after 4,000 on %d of 10 seeds, want >= 9", good)
	}
}

func TestBanditWithEqualRatesKeepsEveryVariantAboveTheExplorationFloor(t *testing.T) {
	t.Parallel()
	floor := float64(config.DefaultExplore) / 2 // explore spread over two variants
	for seed := range uint64(10) {
		share := simulate(t, seed, [2]float64{0.03, 0.03}, 5000, 4000)
		if share < floor || 1-share < floor {
			t.Errorf("seed %d: shares %.3f and %.3f, want both >= %.3f", seed, 1-share, share, floor)
		}
	}
}

func TestVariantDrawIsSeededByCampaignCustomerAndOccurrence(t *testing.T) {
	t.Parallel()
	c := abTest(t, "ab", 4, config.Select{Mode: config.SelectLearn})
	stats := map[string]VariantStats{"v0": {Sends: 500, Conversions: 10}, "v1": {Sends: 500, Conversions: 12}}
	seen := map[string]bool{}
	for i := range 200 {
		in := banditInput(c, i, stats)
		first := Decide(in)
		if again := Decide(in); variantID(again) != variantID(first) || again.Reasons[len(again.Reasons)-1] != first.Reasons[len(first.Reasons)-1] {
			t.Fatalf("customer %d: a retry drew %q, the first decision %q", i, variantID(again), variantID(first))
		}
		seen[variantID(first)] = true
	}
	if len(seen) != 4 {
		t.Errorf("200 customers drew %v, want all four variants", seen)
	}
}

func TestWeightsSplitTrafficAmongEligibleVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights map[string]float64
		when    map[string]string // variant id -> condition
		want    map[string]float64
	}{
		{"90/10", map[string]float64{"v0": 90, "v1": 10}, nil, map[string]float64{"v0": 0.9, "v1": 0.1}},
		{"unnamed variant gets nothing", map[string]float64{"v0": 1, "v1": 1}, nil, map[string]float64{"v0": 0.5, "v1": 0.5, "v2": 0}},
		{"ineligible variant's weight goes to the others", map[string]float64{"v0": 50, "v1": 25, "v2": 25},
			map[string]string{"v0": "customer.orders > 100"}, map[string]float64{"v1": 0.5, "v2": 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := abTest(t, "weights", 3, config.Select{Mode: config.SelectWeights, Weights: tt.weights})
			for i := range c.Variants {
				if src, ok := tt.when[c.Variants[i].ID]; ok {
					c.Variants[i].When = cond(t, src)
				}
			}
			got := map[string]float64{}
			const n = 4000
			for i := range n {
				d := Decide(banditInput(c, i, nil))
				got[variantID(d)] += 1.0 / n
				if i == 0 {
					requireReason(t, d, "eligible (weights {")
				}
			}
			for id, want := range tt.want {
				if math.Abs(got[id]-want) > 0.03 {
					t.Errorf("variant %s: %.3f of sends, want %.2f", id, got[id], want)
				}
			}
		})
	}
}

func TestLearnReasonNamesTheDrawAndTheCountsBehindIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		stats map[string]VariantStats
		want  string
	}{
		{"conversions once a variant has min_sends", map[string]VariantStats{"v0": {Sends: 1000, Conversions: 20, Clicks: 90}, "v1": {Sends: 1000, Conversions: 40, Clicks: 80}},
			`variant "v1": Thompson draw 0.0`},
		{"clicks before", map[string]VariantStats{"v0": {Sends: 50, Conversions: 0, Clicks: 1}, "v1": {Sends: 60, Conversions: 1, Clicks: 12}},
			`(v1 12/60 clicks, v0 1/50 clicks), 2 eligible`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := abTest(t, "reasons", 2, config.Select{Mode: config.SelectLearn})
			c.Explore = 0
			d := Decide(banditInput(c, 7, tt.stats))
			requireReason(t, d, tt.want)
		})
	}
	c := abTest(t, "reasons", 2, config.Select{Mode: config.SelectLearn})
	c.Explore = 0
	d := Decide(banditInput(c, 7, map[string]VariantStats{"v0": {Sends: 1000, Conversions: 20}, "v1": {Sends: 1000, Conversions: 40}}))
	requireReason(t, d, "(v1 40/1000 conversions, v0 20/1000 conversions), 2 eligible")
}

func TestExploredDrawSaysSo(t *testing.T) {
	t.Parallel()
	c := abTest(t, "explore", 3, config.Select{Mode: config.SelectLearn})
	c.Explore = 1
	d := Decide(banditInput(c, 1, nil))
	requireReason(t, d, "exploring, drawn uniformly among 3 eligible (explore 100%)")
}

func TestProbBestAndShares(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		stats     map[string]VariantStats
		explore   float64
		wantBest  map[string]float64
		wantShare map[string]float64
	}{
		{"twice the rate", map[string]VariantStats{"a": {Sends: 1000, Conversions: 20}, "b": {Sends: 1000, Conversions: 40}}, 0.05,
			map[string]float64{"a": 0.005, "b": 0.995}, map[string]float64{"a": 0.03, "b": 0.97}},
		{"equal", map[string]VariantStats{"a": {Sends: 1000, Conversions: 30}, "b": {Sends: 1000, Conversions: 30}}, 0.05,
			map[string]float64{"a": 0.5, "b": 0.5}, map[string]float64{"a": 0.5, "b": 0.5}},
		{"no data: uniform", map[string]VariantStats{"a": {}, "b": {}, "c": {}, "d": {}}, 0.2,
			map[string]float64{"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}, map[string]float64{"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}},
		{"a hopeless variant keeps the floor", map[string]VariantStats{"a": {Sends: 5000, Conversions: 0}, "b": {Sends: 5000, Conversions: 500}}, 0.1,
			map[string]float64{"a": 0, "b": 1}, map[string]float64{"a": 0.05, "b": 0.95}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			best, share := ProbBest(tt.stats), VariantShares(tt.stats, tt.explore)
			sum := 0.0
			for id := range tt.stats {
				if math.Abs(best[id]-tt.wantBest[id]) > 0.015 || math.Abs(share[id]-tt.wantShare[id]) > 0.015 {
					t.Errorf("%s: P(best) %.4f share %.4f, want about %.3f and %.3f", id, best[id], share[id], tt.wantBest[id], tt.wantShare[id])
				}
				sum += share[id]
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("shares add up to %v", sum)
			}
			if again := ProbBest(tt.stats); fmt.Sprint(again) != fmt.Sprint(best) {
				t.Errorf("ProbBest is not deterministic: %v then %v", best, again)
			}
		})
	}
}

// TestBetaDrawsHaveTheirMean checks the sampler: Beta(a, b) has mean a/(a+b).
func TestBetaDrawsHaveTheirMean(t *testing.T) {
	t.Parallel()
	for _, ab := range [][2]float64{{1, 1}, {2, 50}, {41, 961}, {300, 3}} {
		r := newRNG("beta", fmt.Sprint(ab))
		sum := 0.0
		const n = 20000
		for range n {
			sum += r.beta(ab[0], ab[1])
		}
		mean, want := sum/n, ab[0]/(ab[0]+ab[1])
		if math.Abs(mean-want) > 0.01*max(want, 0.1) {
			t.Errorf("Beta(%g, %g): mean %.4f, want %.4f", ab[0], ab[1], mean, want)
		}
	}
}
