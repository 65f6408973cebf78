package decide

import (
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
	r, failed := d.chooseReward(env)
	if failed {
		d.out.Skip = SkipConditionFail
		return false
	}
	d.out.Reward = r
	return true
}

// maxInlineRewards is how many eligible rewards chooseReward keeps on its stack; a campaign
// with more spills to the heap once. Campaigns list two to five.
const maxInlineRewards = 8

// chooseReward picks the reward and writes its reasons into the decider's log. The
// marketer's list decides what a customer may get: a reward is eligible when its condition
// holds, its budget (and the campaign's) is not known to be exhausted (RewardsLeft[id] ==
// false; a missing id means there is room; the budgets themselves are taken atomically at
// send time), it keeps to the campaign's max_discount, and, for a welcome reward (for:
// new), the customer is new. Then reward_policy chooses: first takes the first eligible;
// loyalty (the default with several rewards) follows the customer's standing (standingOf):
//
//   - new: the first welcome reward;
//   - active and valuable: the first perk, points or gift, before any discount: they buy
//     anyway, and discounts train them to wait;
//   - valuable and slipping away: the strongest incentive allowed (incentiveValue), where it
//     can change the outcome;
//   - otherwise, or when the wanted kind is not eligible: the first eligible.
//
// No reward is a valid answer (nil). failed is true when a condition errs.
//
// The reasons go straight into the log and the eligible rewards stay on the stack: built as
// strings with fmt they cost 12 of BenchmarkDecideLearning's 27 allocations per decision.
func (d *decider) chooseReward(env map[string]any) (r *config.Reward, failed bool) {
	c := d.c
	rewards := c.Rewards
	if len(rewards) == 0 {
		return nil, false
	}
	cust := d.cust
	j := standingOf(cust, d.in.Base, d.in.Now)
	var inline [maxInlineRewards]*config.Reward
	eligible := inline[:0]
	// first is the outcome of the first eligible reward's condition, kept for its reason
	// rather than evaluated again.
	var first outcome
	for i := range rewards {
		rw := &rewards[i]
		o := evaluate(rw.When, env)
		if o.err != nil || !o.holds {
			start := d.rewardReason(rw)
			d.log.buf = o.appendDescribe(d.log.buf, rw.When)
			d.close(start, false)
			if o.err != nil {
				return nil, true
			}
			continue
		}
		if room, known := d.in.RewardsLeft[rw.ID]; known && !room {
			start := d.rewardReason(rw)
			d.str("budget exhausted")
			d.close(start, false)
			continue
		}
		if ok, whyNot := c.MaxDiscount.Allows(rw); !ok {
			start := d.rewardReason(rw)
			d.str(whyNot)
			d.close(start, false)
			continue
		}
		if rw.Welcome() && j.st != standingNew {
			start := d.rewardReason(rw)
			d.str("a welcome reward, and the customer is not new (")
			d.int(cust.Summary.Orders)
			d.str(" orders)")
			d.close(start, false)
			continue
		}
		if len(eligible) == 0 {
			first = o
		}
		eligible = append(eligible, rw)
	}
	if len(eligible) == 0 {
		d.say("no reward fits")
		return nil, false
	}
	loyalty := policyOf(c) == config.RewardPolicyLoyalty
	if loyalty {
		if rw := d.byStanding(eligible, j); rw != nil {
			return rw, false
		}
	}
	rw := eligible[0]
	start := d.rewardReason(rw)
	if rw.When != nil {
		d.log.buf = first.appendDescribe(d.log.buf, rw.When)
		d.str(", ")
	}
	d.str("first that fits")
	if loyalty {
		d.str(" (")
		d.log.buf = j.appendWhy(d.log.buf)
		d.str(")")
	}
	d.close(start, false)
	return rw, false
}

// rewardReason opens a reason about rw: `reward "ID": `.
func (d *decider) rewardReason(rw *config.Reward) int {
	start := d.open()
	d.str("reward ")
	d.quoted(rw.ID)
	d.str(": ")
	return start
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

// byStanding applies the loyalty policy to the eligible rewards and writes the reason of its
// choice; nil (and no reason) when the customer's standing asks for nothing in particular or
// nothing of the kind is eligible.
func (d *decider) byStanding(eligible []*config.Reward, j judgement) *config.Reward {
	var chosen *config.Reward
	var why string
	switch j.st {
	case standingNew:
		for _, rw := range eligible {
			if rw.Welcome() {
				chosen, why = rw, ", the welcome reward"
				break
			}
		}
	case standingValued:
		for _, rw := range eligible {
			if !rw.Discount() && rw.Kind != "none" {
				chosen, why = rw, ", perks before discounts"
				break
			}
		}
	case standingSlipping:
		typical := typicalOrder(d.cust, d.in.Base)
		bestValue := 0.0
		for _, rw := range eligible {
			if v := incentiveValue(rw, typical); v > bestValue {
				chosen, bestValue = rw, v
			}
		}
		if chosen != nil {
			start := d.rewardReason(chosen)
			d.log.buf = j.appendWhy(d.log.buf)
			d.str(", the strongest incentive allowed (worth about ")
			d.log.buf = appendNum(d.log.buf, bestValue)
			d.str(" on a typical order of ")
			d.log.buf = appendNum(d.log.buf, typical)
			d.str(")")
			d.close(start, false)
			return chosen
		}
	}
	if chosen == nil {
		return nil
	}
	start := d.rewardReason(chosen)
	d.log.buf = j.appendWhy(d.log.buf)
	d.str(why)
	d.close(start, false)
	return chosen
}

// judgement is a customer's standing with the numbers behind it; appendWhy puts them in words,
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

// appendWhy puts a judgement in words, with strconv rather than fmt: the loyalty reason is in
// every decision with rewards, and boxing its numbers for fmt cost an allocation each.
func (j judgement) appendWhy(b []byte) []byte {
	f := func(b []byte, x float64, prec int) []byte { return strconv.AppendFloat(b, x, 'f', prec, 64) }
	switch j.kind {
	case jNew:
		return append(b, "new customer"...)
	case jActive:
		b = append(append(b, j.lifecycle...), ", P(alive) "...)
		return f(b, j.pAlive, 2)
	case jFading:
		b = append(append(b, j.lifecycle...), ", P(alive) "...)
		b = append(f(b, j.pAlive, 2), " below "...)
		return f(b, loyalPAlive, 2)
	case jAtRiskTopUnknown:
		b = f(append(b, "at_risk, CLV "...), j.clv, 0)
		return append(b, ", the base's top third unknown"...)
	case jAtRiskTop:
		b = append(f(append(b, "at_risk, CLV "...), j.clv, 0), " in the top third (from "...)
		return append(f(b, j.top, 0), ')')
	case jAtRiskLow:
		b = append(f(append(b, "at_risk, CLV "...), j.clv, 0), " below the top third (from "...)
		return append(f(b, j.top, 0), ')')
	case jNoOrder:
		return append(b, "no order yet"...)
	case jFirstOrder:
		b = f(append(b, "first order "...), j.since, 0)
		return append(b, " days ago"...)
	case jNoBase:
		return append(b, "no model and no base medians"...)
	case jOverdue, jOnSchedule, jBelowMedians:
	default:
		return append(b, j.lifecycle...)
	}
	b = strconv.AppendInt(append(b, "no model: "...), int64(j.orders), 10)
	b = append(appendNum(append(b, " orders and "...), j.revenue), " revenue against the base's medians "...)
	b = appendNum(append(appendNum(b, j.medOrders), " and "...), j.medRevenue)
	switch j.kind {
	case jOverdue:
		b = append(f(append(b, "; "...), j.since, 0), " days since the last order, usual gap "...)
		return f(b, j.gap, 0)
	case jOnSchedule:
		b = append(f(append(b, "; last order "...), j.since, 0), " days ago, usual gap "...)
		return f(b, j.gap, 0)
	}
	return b
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

// appendNum writes v rounded to cents, without trailing zeros: 40, 12.5, 9.99.
func appendNum(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, math.Round(v*100)/100, 'f', -1, 64)
}
