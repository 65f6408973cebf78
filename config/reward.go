package config

import (
	"fmt"
	"strconv"
	"strings"
)

// FaceValue is what one grant of the reward is worth, as an amount budget counts it, and
// the unit of that number: a currency code ("" for the order's currency, as a coupon written
// "5" means) or "points".
//
//   - an amount coupon ("5 EUR"): its amount, 5 EUR;
//   - a percentage coupon ("10%"): its max_value, the most it can take off one order. Its
//     percentage is no amount at all: counting "10%" as 10 let a budget of 1,000 give 100
//     coupons whatever the orders;
//   - a gift or a perk: its value when it is written as an amount ("15 EUR");
//   - points: their number, in points.
//
// ok is false for a reward without one (a percentage coupon without max_value, a perk or gift
// without an amount, none), which an amount budget cannot cap: the loader refuses the pair.
func (r *Reward) FaceValue() (value float64, unit string, ok bool) {
	switch r.Kind {
	case "coupon":
		c, err := ParseCoupon(r.Value)
		if err != nil {
			return 0, "", false
		}
		if c.Percent > 0 {
			return parseMoney(r.MaxValue)
		}
		return c.Amount, c.Currency, true
	case "perk", "gift":
		return parseMoney(r.Value)
	case "points":
		n, err := strconv.Atoi(strings.TrimSpace(r.Value))
		if err != nil || n <= 0 {
			return 0, "", false
		}
		return float64(n), "points", true
	}
	return 0, "", false
}

// parseMoney reads an amount "30" or "30 EUR"; a percentage is no amount.
func parseMoney(s string) (float64, string, bool) {
	if strings.TrimSpace(s) == "" {
		return 0, "", false
	}
	c, err := ParseCoupon(s)
	if err != nil || c.Percent > 0 {
		return 0, "", false
	}
	return c.Amount, c.Currency, true
}

func checkRewards(d *doc, rewards []Reward) {
	seen := map[string]string{}
	for i := range rewards {
		r := &rewards[i]
		p := fmt.Sprintf("rewards[%d]", i)
		if r.ID == "" {
			d.errorAt(p+".id", "required")
		} else if first, dup := seen[r.ID]; dup {
			d.errorAt(p+".id", "duplicate reward id %q (first at %s)", r.ID, first)
		} else {
			seen[r.ID] = d.lineCol(p + ".id")
		}
		percent := false
		switch r.Kind {
		case "coupon":
			if r.Value == "" {
				d.errorAt(p+".value", "required for a coupon, e.g. 10%% or 5 EUR")
			} else if c, err := ParseCoupon(r.Value); err != nil {
				d.errorAt(p+".value", "%v", err)
			} else {
				percent = c.Percent > 0
			}
		case "points":
			if n, err := strconv.Atoi(strings.TrimSpace(r.Value)); err != nil || n <= 0 {
				d.errorAt(p+".value", "points need a positive whole number, got %q", r.Value)
			}
		case "perk", "gift", "none":
		case "":
			d.errorAt(p+".kind", "required: coupon, points, perk, gift or none")
		default:
			d.errorAt(p+".kind", "%q is not coupon, points, perk, gift or none", r.Kind)
		}
		if d.written(p + ".max_value") {
			if _, _, ok := parseMoney(r.MaxValue); !ok {
				d.errorAt(p+".max_value", "invalid amount %q (want e.g. 30 or 30 EUR)", r.MaxValue)
			} else if !percent {
				d.errorAt(p+".max_value", "only a percentage coupon has a max_value")
			}
		}
		checkCondition(d, p+".when", r.When)
		if r.Expires < 0 {
			d.errorAt(p+".expires", "must not be negative, got %s", r.Expires)
		}
		if b := r.Budget; b != nil {
			if b.Count < 0 {
				d.errorAt(p+".budget.count", "must not be negative, got %d", b.Count)
			}
			if b.Amount < 0 {
				d.errorAt(p+".budget.amount", "must not be negative, got %g", b.Amount)
			}
			if b.Amount > 0 {
				checkAmountBudget(d, p, r, percent)
			}
		}
	}
}

// checkAmountBudget refuses an amount budget on a reward whose grants have no face value:
// it would count nothing and never bind.
func checkAmountBudget(d *doc, p string, r *Reward, percent bool) {
	if _, _, ok := r.FaceValue(); ok {
		return
	}
	const why = "an amount budget counts the face value of each grant"
	switch {
	case percent:
		d.errorAt(p+".budget.amount", "%s, and a percentage coupon has none: set max_value "+
			"(the most one coupon takes off, which is what it counts), or budget a count", why)
	case r.Kind == "perk" || r.Kind == "gift":
		d.errorAt(p+".budget.amount", "%s: give the %s a value as an amount (e.g. 15 or 15 EUR), or budget a count", why, r.Kind)
	case r.Kind == "none":
		d.errorAt(p+".budget.amount", "%s, and kind none gives nothing", why)
	}
	// A coupon or points with a bad value is reported at the value.
}
