package decide

import (
	"fmt"

	"github.com/rapporthq/rapport/config"
)

// reward is step 7: it sets the reward, or leaves none.
func (d *decider) reward() bool {
	var env map[string]any
	for i := range d.c.Rewards {
		if d.c.Rewards[i].When != nil {
			env = d.envFor(d.c.Rewards[i].When)
			break
		}
	}
	r, reasons, failed := chooseReward(d.c.Rewards, env, d.in.RewardsLeft, d.in.Customer.Predicted)
	d.out.Reasons = append(d.out.Reasons, reasons...)
	if failed {
		d.out.Skip = SkipConditionFail
		return false
	}
	d.out.Reward = r
	return true
}

// activeThreshold is the P(alive) at or above which a customer counts as active: the
// lifecycle stages call a repeat customer at risk below it.
const activeThreshold = 0.5

// chooseReward picks the reward. The marketer's list decides what a customer may get: a
// reward is eligible when its condition holds and its budget is not known to be exhausted
// (left[id] == false; a missing id means there is room; the budget itself is taken atomically
// at send time). Among the eligible ones:
//
//   - without a model fit, the first in the list;
//   - a customer the model sees as active (P(alive) >= 0.5) gets the first reward that is not
//     a discount when there is one: a loyal customer is rewarded with what they value (early
//     access, points) rather than trained to wait for coupons;
//   - a customer at risk (P(alive) < 0.5) who still has expected value (CLV > 0) gets the
//     first discount when there is one: the stronger offer goes where it can change the
//     outcome;
//   - otherwise the first eligible.
//
// No reward is a valid answer (nil). failed is true when a condition errs.
func chooseReward(rewards []config.Reward, env map[string]any, left map[string]bool, p *Predictions) (r *config.Reward, reasons []string, failed bool) {
	var eligible []*config.Reward
	for i := range rewards {
		rw := &rewards[i]
		o := evaluate(rw.When, env)
		switch {
		case o.err != nil:
			return nil, append(reasons, fmt.Sprintf("reward %q: %s", rw.ID, o.describe(rw.When))), true
		case !o.holds:
			reasons = append(reasons, fmt.Sprintf("reward %q: %s", rw.ID, o.describe(rw.When)))
			continue
		}
		if room, known := left[rw.ID]; known && !room {
			reasons = append(reasons, fmt.Sprintf("reward %q: budget exhausted", rw.ID))
			continue
		}
		eligible = append(eligible, rw)
	}
	if len(eligible) == 0 {
		if len(rewards) == 0 {
			return nil, reasons, false
		}
		return nil, append(reasons, "no reward fits"), false
	}
	if p != nil {
		active := p.PAlive >= activeThreshold
		wantDiscount := !active && p.CLV > 0
		for _, rw := range eligible {
			if isDiscount(rw) == wantDiscount {
				return rw, append(reasons, valueReason(rw, p, active, wantDiscount)), false
			}
		}
	}
	rw := eligible[0]
	what := fmt.Sprintf("reward %q: first that fits", rw.ID)
	if rw.When != nil {
		what = fmt.Sprintf("reward %q: %s, first that fits", rw.ID, evaluate(rw.When, env).describe(rw.When))
	}
	return rw, append(reasons, what), false
}

// isDiscount reports a reward that lowers the price.
func isDiscount(r *config.Reward) bool { return r.Kind == "coupon" }

func valueReason(rw *config.Reward, p *Predictions, active, discount bool) string {
	switch {
	case active:
		return fmt.Sprintf("reward %q: customer active (P(alive) %.2f, CLV %.0f), rewarded with a %s rather than a discount", rw.ID, p.PAlive, p.CLV, rw.Kind)
	case discount:
		return fmt.Sprintf("reward %q: customer at risk (P(alive) %.2f) with expected value left (CLV %.0f), offered a discount", rw.ID, p.PAlive, p.CLV)
	}
	return fmt.Sprintf("reward %q: customer at risk (P(alive) %.2f) with no expected value left (CLV %.0f), no discount", rw.ID, p.PAlive, p.CLV)
}
