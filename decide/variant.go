package decide

import (
	"fmt"

	"github.com/rapporthq/rapport/config"
)

// variant is step 5: among the variants whose condition holds and that have content on a
// channel the customer is reachable on, the campaign's select picks one (see pickVariant).
// With no reachable channel at all the decision stops here with SkipNoChannel and a reason
// per channel: no variant could help.
//
// Under select: first the variants are tried in order and the first eligible is taken, as
// before select existed; under weights or learn every variant's condition is evaluated, since
// each eligible variant may be drawn. A variant without a condition then gets no reason of
// its own: the draw's reason names the eligible ones, which keeps a ten-variant test from
// writing ten lines (and allocating ten strings) per decision.
func (d *decider) variant(chans *channels) (*config.Variant, bool) {
	if !chans.any() {
		d.noChannel(chans)
		return nil, false
	}
	first := d.c.Select.Mode == "" || d.c.Select.Mode == config.SelectFirst
	var buf [16]int
	eligible := buf[:0]
	for i := range d.c.Variants {
		v := &d.c.Variants[i]
		if !first && v.When == nil {
			if chans.firstFor(v) >= 0 {
				eligible = append(eligible, i)
			} else {
				d.reason("variant %q has no content for a reachable channel", v.ID)
			}
			continue
		}
		o := evaluate(v.When, d.envFor(v.When))
		what := fmt.Sprintf("variant %q: %s", v.ID, o.describe(v.When))
		if o.err != nil {
			d.stop(SkipConditionFail, what)
			return nil, false
		}
		if !o.holds {
			d.out.Reasons = append(d.out.Reasons, what)
			continue
		}
		if chans.firstFor(v) < 0 {
			d.reason("%s, but has no content for a reachable channel", what)
			continue
		}
		d.out.Reasons = append(d.out.Reasons, what)
		if first {
			d.out.Variant = v
			return v, true
		}
		eligible = append(eligible, i)
	}
	if len(eligible) == 0 {
		d.stop(SkipNoVariant, "no variant fits")
		return nil, false
	}
	v := d.pickVariant(eligible)
	d.out.Variant = v
	return v, true
}

// pickVariant draws one of the eligible variants (indexes into the campaign's variants)
// under select: weights or learn. The draw is seeded by (campaign, customer, occurrence).
func (d *decider) pickVariant(eligible []int) *config.Variant {
	vs := d.c.Variants
	if len(eligible) == 1 {
		v := &vs[eligible[0]]
		d.reason("variant %q: the only eligible variant", v.ID)
		return v
	}
	r := newRNG(d.c.ID, d.cust.ID, d.in.Occurrence)
	if d.c.Select.Mode == config.SelectWeights {
		return d.pickWeighted(eligible, &r)
	}
	return d.pickLearned(eligible, &r)
}

// pickWeighted draws by the fixed weights of select: {weights: ...}, among the eligible.
func (d *decider) pickWeighted(eligible []int, r *rng) *config.Variant {
	vs, w := d.c.Variants, d.c.Select.Weights
	total := 0.0
	for _, i := range eligible {
		total += max(w[vs[i].ID], 0)
	}
	if !(total > 0) {
		v := &vs[eligible[0]]
		d.reason("variant %q: no eligible variant has a weight, the first eligible", v.ID)
		return v
	}
	x := r.float() * total
	pick := eligible[len(eligible)-1]
	for _, i := range eligible {
		if x -= max(w[vs[i].ID], 0); x < 0 {
			pick = i
			break
		}
	}
	v := &vs[pick]
	d.reason("variant %q: weight %g of %g among %d eligible (%s)", v.ID, w[v.ID], total, len(eligible), d.c.Select)
	return v
}

// pickLearned is Thompson sampling: one draw from each eligible variant's posterior of its
// conversion rate, the highest wins; but a share explore of the decisions (the floor of
// exploration) takes an eligible variant drawn uniformly instead.
func (d *decider) pickLearned(eligible []int, r *rng) *config.Variant {
	vs, stats, minSends := d.c.Variants, d.in.Variants, d.c.MinSends()
	explore := float64(d.c.Explore)
	if r.float() < explore {
		v := &vs[eligible[int(r.float()*float64(len(eligible)))%len(eligible)]]
		d.reason("variant %q: exploring, drawn uniformly among %d eligible (explore %s)", v.ID, len(eligible), d.c.Explore)
		return v
	}
	best, second := -1, -1
	var bestX, secondX float64
	for _, i := range eligible {
		x := r.draw(stats[vs[i].ID], minSends)
		switch {
		case best < 0 || x > bestX:
			second, secondX = best, bestX
			best, bestX = i, x
		case second < 0 || x > secondX:
			second, secondX = i, x
		}
	}
	v, u := &vs[best], &vs[second]
	start := d.open()
	d.str("variant ")
	d.quoted(v.ID)
	d.str(": Thompson draw ")
	d.fixed(bestX, 3)
	d.str(" vs ")
	d.quoted(u.ID)
	d.str(" ")
	d.fixed(secondX, 3)
	d.str(" (")
	d.variantStats(v.ID, stats[v.ID], minSends)
	d.str(", ")
	d.variantStats(u.ID, stats[u.ID], minSends)
	d.str("), ")
	d.int(len(eligible))
	d.str(" eligible")
	d.close(start, false)
	return v
}

// variantStats writes "b 40/1000 conversions".
func (d *decider) variantStats(id string, s VariantStats, minSends int) {
	wins, trials, what := s.successes(minSends)
	d.str(id)
	d.str(" ")
	d.int(wins)
	d.str("/")
	d.int(trials)
	d.str(" ")
	d.str(what)
}
