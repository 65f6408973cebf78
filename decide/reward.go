package decide

import (
	"fmt"

	"github.com/rapporthq/rapport/config"
)

// reward is step 7: it sets the reward, or leaves none.
func (d *decider) reward() bool {
	r, reasons, failed := chooseReward(d.c.Rewards, d.env, d.in.RewardsLeft)
	d.out.Reasons = append(d.out.Reasons, reasons...)
	if failed {
		d.out.Skip = SkipConditionFail
		return false
	}
	d.out.Reward = r
	return true
}

// chooseReward picks the first reward whose condition holds and whose budget is not known
// to be exhausted (left[id] == false; a missing id means there is room). The budget itself
// is taken atomically by the rewards package at send time; this only avoids offering what
// is gone. No reward is a valid answer (nil). failed is true when a condition errs.
//
// This first-fit rule is the marketer's ordered list. The later policy weighs the reward by
// the customer's value: expected lifetime value and P(alive) from Input.Customer.Predicted
// decide whether a discount is worth its cost (a loyal, active customer gets a perk rather
// than a coupon that trains them to wait for discounts; a valuable customer at risk gets the
// stronger offer), with the list's conditions still the eligibility rule. It will live here,
// behind this signature.
func chooseReward(rewards []config.Reward, env map[string]any, left map[string]bool) (r *config.Reward, reasons []string, failed bool) {
	for i := range rewards {
		rw := &rewards[i]
		o := evaluate(rw.When, env)
		what := fmt.Sprintf("reward %q: %s", rw.ID, o.describe(rw.When))
		switch {
		case o.err != nil:
			return nil, append(reasons, what), true
		case !o.holds:
			reasons = append(reasons, what)
			continue
		}
		if room, known := left[rw.ID]; known && !room {
			reasons = append(reasons, fmt.Sprintf("reward %q: budget exhausted", rw.ID))
			continue
		}
		if rw.When == nil {
			what = fmt.Sprintf("reward %q: first that fits", rw.ID)
		}
		return rw, append(reasons, what), false
	}
	if len(rewards) == 0 {
		return nil, reasons, false
	}
	return nil, append(reasons, "no reward fits"), false
}
