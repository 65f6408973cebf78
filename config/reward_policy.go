package config

import (
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml/ast"
)

// Reward policies a campaign may name (reward_policy). The loader fills the default: loyalty
// for a campaign that lists several rewards, first for one with a single reward or none.
//
//   - first: the first reward of the list whose when holds and whose budget has room;
//   - loyalty: among those, what suits the customer (decide/reward.go): perks and points for
//     the active and valuable, the strongest incentive for the valuable slipping away, the
//     welcome reward for the new.
const (
	RewardPolicyLoyalty = "loyalty"
	RewardPolicyFirst   = "first"
)

// RewardForNew is the value of a reward's for key that marks a welcome reward:
//
//   - {id: welcome-10, kind: coupon, value: 10%, max_value: 30, for: new}
//
// A welcome reward is only for new customers (no order yet, or one recent first order), and a
// new customer gets it before any other reward under the loyalty policy.
const RewardForNew = "new"

// Welcome reports a welcome reward (for: new).
func (r *Reward) Welcome() bool { return r.For == RewardForNew }

// Discount reports a reward that lowers the price: a coupon. A perk is recognition, a gift
// an object, points a balance: none of them is a discount.
func (r *Reward) Discount() bool { return r.Kind == "coupon" }

// MinOrderAmount is a coupon's min_order ("50" or "50 EUR"): ok is false when it has none.
func (r *Reward) MinOrderAmount() (amount float64, currency string, ok bool) {
	return parseMoney(r.MinOrder)
}

// MaxDiscount is a campaign's margin rule, max_discount: no coupon of the campaign may take
// more than Percent of an order, or more than Amount (in Currency, "" for the order's).
// Exactly one of Percent and Amount is set.
type MaxDiscount struct {
	Percent  Percent
	Amount   float64
	Currency string
}

// UnmarshalYAML reads "20%", "15" or "15 EUR".
func (m *MaxDiscount) UnmarshalYAML(n ast.Node) error {
	c, err := ParseCoupon(scalar(n))
	if err != nil {
		return fmt.Errorf("invalid max_discount %q (want e.g. 20%%, 15 or 15 EUR)", scalar(n))
	}
	*m = MaxDiscount{Percent: c.Percent, Amount: c.Amount, Currency: c.Currency}
	return nil
}

func (m MaxDiscount) String() string {
	return Coupon{Percent: m.Percent, Amount: m.Amount, Currency: m.Currency}.String()
}

// Allows reports whether reward r keeps to the rule, and when it does not, why, in words a
// marketer can act on. Only discounts are bound by it. The rule must hold for every order,
// so what cannot be bounded is refused:
//
//   - against a percentage: a percentage coupon up to it; an amount coupon only with a
//     min_order large enough that the amount is at most that share of it (5 EUR off a 10 EUR
//     order would be 50%);
//   - against an amount: an amount coupon up to it; a percentage coupon only with a
//     max_value up to it. Amounts in two different currencies are never compared.
func (m *MaxDiscount) Allows(r *Reward) (ok bool, why string) {
	if m == nil || !r.Discount() {
		return true, ""
	}
	c, err := ParseCoupon(r.Value)
	if err != nil {
		return false, fmt.Sprintf("value %q is not a discount that can be checked against max_discount %s", r.Value, m)
	}
	if m.Percent > 0 {
		if c.Percent > 0 {
			if c.Percent > m.Percent {
				return false, fmt.Sprintf("%s is above max_discount %s", c, m)
			}
			return true, ""
		}
		least := c.Amount / float64(m.Percent)
		minimum, cur, ok := r.MinOrderAmount()
		switch {
		case !ok:
			return false, fmt.Sprintf("%s off could be more than max_discount %s of a small order: set min_order to at least %s", c, m, money(least, c.Currency))
		case !sameCurrency(cur, c.Currency):
			return false, fmt.Sprintf("min_order %s is not in the coupon's currency %s", r.MinOrder, c.Currency)
		case minimum < least:
			return false, fmt.Sprintf("%s off a %s order is more than max_discount %s: set min_order to at least %s", c, r.MinOrder, m, money(least, c.Currency))
		}
		return true, ""
	}
	if c.Percent > 0 {
		most, cur, ok := parseMoney(r.MaxValue)
		switch {
		case !ok:
			return false, fmt.Sprintf("%s of a large order has no limit, above max_discount %s: set max_value to at most %s", c, m, m)
		case !sameCurrency(cur, m.Currency):
			return false, fmt.Sprintf("max_value %s and max_discount %s are in different currencies", r.MaxValue, m)
		case most > m.Amount:
			return false, fmt.Sprintf("max_value %s is above max_discount %s", r.MaxValue, m)
		}
		return true, ""
	}
	if !sameCurrency(c.Currency, m.Currency) {
		return false, fmt.Sprintf("%s and max_discount %s are in different currencies", c, m)
	}
	if c.Amount > m.Amount {
		return false, fmt.Sprintf("%s is above max_discount %s", c, m)
	}
	return true, ""
}

// sameCurrency: "" is the order's currency, which matches whatever the other names.
func sameCurrency(a, b string) bool { return a == "" || b == "" || a == b }

func money(v float64, cur string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if cur != "" {
		s += " " + cur
	}
	return s
}

// checkRewardPolicy validates reward_policy, max_discount, the campaign's budget and the
// rewards' for and min_order, and fills the default policy.
func checkRewardPolicy(d *doc, c *Campaign) {
	switch c.RewardPolicy {
	case "":
		c.RewardPolicy = RewardPolicyFirst
		if len(c.Rewards) > 1 {
			c.RewardPolicy = RewardPolicyLoyalty
		}
	case RewardPolicyLoyalty, RewardPolicyFirst:
	default:
		d.errorAt("reward_policy", "%q is not loyalty or first", c.RewardPolicy)
	}
	for i := range c.Rewards {
		r := &c.Rewards[i]
		p := fmt.Sprintf("rewards[%d]", i)
		if r.For != "" && r.For != RewardForNew {
			d.errorAt(p+".for", "%q is not new (the only audience a reward can be reserved for: a welcome reward)", r.For)
		}
		if d.written(p + ".min_order") {
			if _, _, ok := parseMoney(r.MinOrder); !ok {
				d.errorAt(p+".min_order", "invalid amount %q (want e.g. 50 or 50 EUR)", r.MinOrder)
			} else if !r.Discount() {
				d.errorAt(p+".min_order", "only a coupon has a min_order")
			}
		}
		if ok, why := c.MaxDiscount.Allows(r); !ok {
			d.errorAt(p+".value", "%s (the campaign's margin rule: no discount above it for anyone)", why)
		}
	}
	checkCampaignBudget(d, c)
}

// checkCampaignBudget refuses a campaign budget that could not be kept: negative limits, or
// an amount budget over rewards whose grants have no face value or whose face values are in
// different units (money is never added across currencies, nor points to money).
func checkCampaignBudget(d *doc, c *Campaign) {
	b := c.Budget
	if b == nil {
		return
	}
	if b.Count < 0 {
		d.errorAt("budget.count", "must not be negative, got %d", b.Count)
	}
	if b.Amount < 0 {
		d.errorAt("budget.amount", "must not be negative, got %g", b.Amount)
	}
	if b.Amount <= 0 {
		return
	}
	unit, first := "", ""
	for i := range c.Rewards {
		r := &c.Rewards[i]
		if r.Kind == "none" {
			continue
		}
		_, u, ok := r.FaceValue()
		if !ok {
			d.errorAt("budget.amount", "the campaign's amount budget counts the face value of every grant, and reward %q has none "+
				"(a percentage coupon needs max_value, a perk or gift a value as an amount): budget a count instead", r.ID)
			return
		}
		if first == "" {
			unit, first = u, r.ID
		} else if u != unit && (u == "points" || unit == "points" || (u != "" && unit != "")) {
			d.errorAt("budget.amount", "rewards %q (%s) and %q (%s) cannot be added in one amount budget: budget a count, or one currency",
				first, orOrder(unit), r.ID, orOrder(u))
			return
		}
	}
}

func orOrder(unit string) string {
	if unit == "" {
		return "the order's currency"
	}
	return unit
}
