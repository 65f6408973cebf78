package decide

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Base describes the customer base as a whole, for the reward policy: the medians stand in
// for a model when there is none (a new shop, too few customers, a refused fit), and
// CLVTopThird tells a valuable customer from the rest when there is one. The delivery code
// fills it from the latest analytics report; nil means unknown.
type Base struct {
	// MedianOrders and MedianRevenue are the medians of orders and revenue over the
	// customers with at least one order; MedianRevenue in Currency (the reporting currency).
	MedianOrders  float64
	MedianRevenue float64
	Currency      string
	// CLVTopThird is the CLV at the 67th percentile of the fitted base: a customer at or
	// above it is in the top third. 0: unknown.
	CLVTopThird float64
}

// Thresholds of the loyalty policy.
const (
	// loyalPAlive is the P(alive) from which a loyal or champion customer counts as active
	// enough to be rewarded with recognition rather than a discount.
	loyalPAlive = 0.7
	// newCustomerDays: without a model, a customer whose one order is at most this old is
	// new (predict's lifecycle uses the same 90 days for one-order customers at risk).
	newCustomerDays = 90
	// overdueGaps: without a model, a repeat customer is slipping away when the days since
	// the last order exceed this many of their own usual gaps (or the mean plus two standard
	// deviations, when that is longer).
	overdueGaps = 2
)

// standing is what the loyalty policy makes of a customer.
type standing int

const (
	standingOther    standing = iota
	standingNew               // gets the welcome reward
	standingValued            // active and valuable: perks and points before discounts
	standingSlipping          // valuable and slipping away: the strongest incentive allowed
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
	r, reasons, failed := chooseReward(d.c, env, d.in.RewardsLeft, d.cust, d.in.Base, d.in.Now)
	d.out.Reasons = append(d.out.Reasons, reasons...)
	if failed {
		d.out.Skip = SkipConditionFail
		return false
	}
	d.out.Reward = r
	return true
}

// chooseReward picks the reward. The marketer's list decides what a customer may get: a
// reward is eligible when its condition holds, its budget (and the campaign's) is not known
// to be exhausted (left[id] == false; a missing id means there is room; the budgets
// themselves are taken atomically at send time), it keeps to the campaign's max_discount,
// and, for a welcome reward (for: new), the customer is new. Then reward_policy chooses:
// first takes the first eligible; loyalty (the default with several rewards) follows the
// customer's standing (standingOf):
//
//   - new: the first welcome reward;
//   - active and valuable: the first perk, points or gift, before any discount: they buy
//     anyway, and discounts train them to wait;
//   - valuable and slipping away: the strongest incentive allowed (incentiveValue), where it
//     can change the outcome;
//   - otherwise, or when the wanted kind is not eligible: the first eligible.
//
// No reward is a valid answer (nil). failed is true when a condition errs.
func chooseReward(c *config.Campaign, env map[string]any, left map[string]bool, cust *Customer, base *Base, now time.Time) (r *config.Reward, reasons []string, failed bool) {
	rewards := c.Rewards
	if len(rewards) == 0 {
		return nil, nil, false
	}
	j := standingOf(cust, base, now)
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
		if ok, whyNot := c.MaxDiscount.Allows(rw); !ok {
			reasons = append(reasons, fmt.Sprintf("reward %q: %s", rw.ID, whyNot))
			continue
		}
		if rw.Welcome() && j.st != standingNew {
			reasons = append(reasons, fmt.Sprintf("reward %q: a welcome reward, and the customer is not new (%d orders)", rw.ID, cust.Summary.Orders))
			continue
		}
		eligible = append(eligible, rw)
	}
	if len(eligible) == 0 {
		return nil, append(reasons, "no reward fits"), false
	}
	if policyOf(c) == config.RewardPolicyLoyalty {
		if rw, reason := byStanding(eligible, j, cust, base); rw != nil {
			return rw, append(reasons, reason), false
		}
	}
	rw := eligible[0]
	what := fmt.Sprintf("reward %q: first that fits", rw.ID)
	if rw.When != nil {
		what = fmt.Sprintf("reward %q: %s, first that fits", rw.ID, evaluate(rw.When, env).describe(rw.When))
	}
	if policyOf(c) == config.RewardPolicyLoyalty {
		what += " (" + j.why() + ")"
	}
	return rw, append(reasons, what), false
}

// policyOf is the campaign's reward_policy, with the loader's default for a campaign built
// by hand.
func policyOf(c *config.Campaign) string {
	if c.RewardPolicy != "" {
		return c.RewardPolicy
	}
	if len(c.Rewards) > 1 {
		return config.RewardPolicyLoyalty
	}
	return config.RewardPolicyFirst
}

// byStanding applies the loyalty policy to the eligible rewards; nil when the customer's
// standing asks for nothing in particular or nothing of the kind is eligible.
func byStanding(eligible []*config.Reward, j judgement, cust *Customer, base *Base) (*config.Reward, string) {
	switch j.st {
	case standingNew:
		for _, rw := range eligible {
			if rw.Welcome() {
				return rw, fmt.Sprintf("reward %q: %s, the welcome reward", rw.ID, j.why())
			}
		}
	case standingValued:
		for _, rw := range eligible {
			if !rw.Discount() && rw.Kind != "none" {
				return rw, fmt.Sprintf("reward %q: %s, perks before discounts", rw.ID, j.why())
			}
		}
	case standingSlipping:
		typical := typicalOrder(cust, base)
		var best *config.Reward
		bestValue := 0.0
		for _, rw := range eligible {
			if v := incentiveValue(rw, typical); v > bestValue {
				best, bestValue = rw, v
			}
		}
		if best != nil {
			return best, fmt.Sprintf("reward %q: %s, the strongest incentive allowed (worth about %s on a typical order of %s)",
				best.ID, j.why(), num(bestValue), num(typical))
		}
	}
	return nil, ""
}

// judgement is a customer's standing with the numbers behind it; why puts them in words,
// only when a reason needs them (formatting them for every decision cost 7 allocations).
type judgement struct {
	st                                    standing
	kind                                  judgementKind
	lifecycle                             string
	pAlive, clv, top                      float64
	orders                                int
	revenue, medOrders, medRevenue, since float64
	gap                                   float64
}

type judgementKind uint8

const (
	jLifecycle judgementKind = iota
	jNew
	jActive
	jFading
	jAtRiskTopUnknown
	jAtRiskTop
	jAtRiskLow
	jNoOrder
	jFirstOrder
	jNoBase
	jBelowMedians
	jOverdue
	jOnSchedule
)

func (j judgement) why() string {
	switch j.kind {
	case jNew:
		return "new customer"
	case jActive:
		return fmt.Sprintf("%s, P(alive) %.2f", j.lifecycle, j.pAlive)
	case jFading:
		return fmt.Sprintf("%s, P(alive) %.2f below %.2f", j.lifecycle, j.pAlive, loyalPAlive)
	case jAtRiskTopUnknown:
		return fmt.Sprintf("at_risk, CLV %.0f, the base's top third unknown", j.clv)
	case jAtRiskTop:
		return fmt.Sprintf("at_risk, CLV %.0f in the top third (from %.0f)", j.clv, j.top)
	case jAtRiskLow:
		return fmt.Sprintf("at_risk, CLV %.0f below the top third (from %.0f)", j.clv, j.top)
	case jNoOrder:
		return "no order yet"
	case jFirstOrder:
		return fmt.Sprintf("first order %.0f days ago", j.since)
	case jNoBase:
		return "no model and no base medians"
	}
	value := fmt.Sprintf("no model: %d orders and %s revenue against the base's medians %s and %s",
		j.orders, num(j.revenue), num(j.medOrders), num(j.medRevenue))
	switch j.kind {
	case jOverdue:
		return fmt.Sprintf("%s; %.0f days since the last order, usual gap %.0f", value, j.since, j.gap)
	case jOnSchedule:
		return fmt.Sprintf("%s; last order %.0f days ago, usual gap %.0f", value, j.since, j.gap)
	case jBelowMedians:
		return value
	}
	return j.lifecycle
}

// standingOf classifies the customer for the loyalty policy, keeping the numbers for the
// reasons. With a fitted model it reads the lifecycle stage, P(alive) and CLV; without one,
// the purchase summary against the base's medians and the customer's own usual gap.
func standingOf(cust *Customer, base *Base, now time.Time) judgement {
	s := &cust.Summary
	if p := cust.Predicted; p != nil && p.Lifecycle != "" {
		j := judgement{lifecycle: p.Lifecycle, pAlive: p.PAlive, clv: p.CLV}
		switch p.Lifecycle {
		case "new":
			j.st, j.kind = standingNew, jNew
		case "loyal", "champion":
			j.st, j.kind = standingOther, jFading
			if p.PAlive >= loyalPAlive {
				j.st, j.kind = standingValued, jActive
			}
		case "at_risk":
			switch {
			case base == nil || base.CLVTopThird <= 0:
				j.kind = jAtRiskTopUnknown
			case p.CLV >= base.CLVTopThird:
				j.st, j.kind, j.top = standingSlipping, jAtRiskTop, base.CLVTopThird
			default:
				j.kind, j.top = jAtRiskLow, base.CLVTopThird
			}
		}
		return j
	}
	j := judgement{orders: s.Orders, revenue: s.Revenue, since: -1, gap: s.GapMeanDays}
	if !s.LastOrderAt.IsZero() {
		j.since = math.Floor(now.Sub(s.LastOrderAt).Hours() / 24)
	}
	switch {
	case s.Orders == 0:
		j.st, j.kind = standingNew, jNoOrder
		return j
	case s.Orders == 1 && j.since <= newCustomerDays:
		j.st, j.kind = standingNew, jFirstOrder
		return j
	case base == nil || base.MedianOrders <= 0:
		j.kind = jNoBase
		return j
	}
	j.medOrders, j.medRevenue = base.MedianOrders, base.MedianRevenue
	revenueKnown := base.Currency == "" || s.Currency == "" || base.Currency == s.Currency
	if float64(s.Orders) < base.MedianOrders || (revenueKnown && s.Revenue < base.MedianRevenue) {
		j.kind = jBelowMedians
		return j
	}
	if gap := overdueAfter(s); gap > 0 && j.since > gap {
		j.st, j.kind = standingSlipping, jOverdue
		return j
	}
	j.st, j.kind = standingValued, jOnSchedule
	return j
}

// overdueAfter is how many days after the last order a repeat customer counts as slipping
// away; 0 when their usual gap is unknown.
func overdueAfter(s *Summary) float64 {
	if s.Orders < 2 || s.GapMeanDays <= 0 {
		return 0
	}
	return math.Max(overdueGaps*s.GapMeanDays, s.GapMeanDays+2*s.GapStdDays)
}

// typicalOrder is the customer's average order, else the base's median order, else 0.
func typicalOrder(cust *Customer, base *Base) float64 {
	if s := &cust.Summary; s.Orders > 0 && s.Revenue > 0 {
		return s.Revenue / float64(s.Orders)
	}
	if base != nil && base.MedianOrders > 0 {
		return base.MedianRevenue / base.MedianOrders
	}
	return 0
}

// incentiveValue is what a reward is worth to the customer on a typical order, to rank
// incentives: a percentage coupon its share of the order (capped by max_value), an amount
// coupon or a gift its amount. Perks and points are recognition, not incentives: 0. Without a
// typical order, a percentage counts as that share of 100.
func incentiveValue(r *config.Reward, typical float64) float64 {
	switch r.Kind {
	case "coupon":
		c, err := config.ParseCoupon(r.Value)
		if err != nil {
			return 0
		}
		if c.Amount > 0 {
			return c.Amount
		}
		if typical <= 0 {
			typical = 100
		}
		v := float64(c.Percent) * typical
		if most, _, ok := r.FaceValue(); ok && most < v {
			v = most
		}
		return v
	case "gift":
		v, _, _ := r.FaceValue()
		return v
	}
	return 0
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
