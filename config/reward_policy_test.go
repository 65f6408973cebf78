package config

import "testing"

func TestRewardPolicyKeysAreLintedAtTheirPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/c.yaml", `id: c
trigger: {event: E}
reward_policy: cheapest
max_discount: 20%
budget: {amount: 500}
`+variantsOK+`rewards:
  - {id: big, kind: coupon, value: 30%, max_value: 50}
  - {id: five, kind: coupon, value: "5"}
  - {id: five-min, kind: coupon, value: "5", min_order: 25}
  - {id: hello, kind: perk, for: newcomers}
  - {id: pts, kind: points, value: 100, min_order: 10}
`)
	_, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`campaigns/c.yaml:3:16: reward_policy: "cheapest" is not loyalty or first`,
		`campaigns/c.yaml:5:18: budget.amount: the campaign's amount budget counts the face value of every grant, and reward "hello" has none ` +
			`(a percentage coupon needs max_value, a perk or gift a value as an amount): budget a count instead`,
		`campaigns/c.yaml:9:36: rewards[0].value: 30% is above max_discount 20% (the campaign's margin rule: no discount above it for anyone)`,
		`campaigns/c.yaml:10:37: rewards[1].value: 5 off could be more than max_discount 20% of a small order: set min_order to at least 25 ` +
			`(the campaign's margin rule: no discount above it for anyone)`,
		`campaigns/c.yaml:12:34: rewards[3].for: "newcomers" is not new (the only audience a reward can be reserved for: a welcome reward)`,
		`campaigns/c.yaml:13:52: rewards[4].min_order: only a coupon has a min_order`,
	})
}

func TestMaxDiscountBindsEveryOrder(t *testing.T) {
	t.Parallel()
	pct := &MaxDiscount{Percent: 0.2}
	eur := &MaxDiscount{Amount: 15, Currency: "EUR"}
	for _, tc := range []struct {
		name string
		m    *MaxDiscount
		r    Reward
		ok   bool
	}{
		{"no rule", nil, Reward{Kind: "coupon", Value: "90%"}, true},
		{"a perk is no discount", pct, Reward{Kind: "perk", Value: "100 EUR"}, true},
		{"percent under percent", pct, Reward{Kind: "coupon", Value: "20%"}, true},
		{"percent over percent", pct, Reward{Kind: "coupon", Value: "25%"}, false},
		{"amount without min_order", pct, Reward{Kind: "coupon", Value: "10"}, false},
		{"amount with a large min_order", pct, Reward{Kind: "coupon", Value: "10", MinOrder: "50"}, true},
		{"amount with a small min_order", pct, Reward{Kind: "coupon", Value: "10", MinOrder: "40"}, false},
		{"amount under amount", eur, Reward{Kind: "coupon", Value: "15 EUR"}, true},
		{"amount over amount", eur, Reward{Kind: "coupon", Value: "16"}, false},
		{"amount in another currency", eur, Reward{Kind: "coupon", Value: "5 USD"}, false},
		{"percent without max_value", eur, Reward{Kind: "coupon", Value: "5%"}, false},
		{"percent with a max_value under", eur, Reward{Kind: "coupon", Value: "50%", MaxValue: "15"}, true},
		{"percent with a max_value over", eur, Reward{Kind: "coupon", Value: "5%", MaxValue: "20 EUR"}, false},
	} {
		if ok, why := tc.m.Allows(&tc.r); ok != tc.ok {
			t.Errorf("%s: Allows = %v (%s), want %v", tc.name, ok, why, tc.ok)
		}
	}
}

func TestRewardPolicyDefaultsToLoyaltyWithSeveralRewards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/one.yaml", "id: one\ntrigger: {event: E}\n"+variantsOK+"rewards:\n  - {id: p, kind: perk}\n")
	writeFile(t, dir, "campaigns/two.yaml", "id: two\ntrigger: {event: E}\n"+variantsOK+"rewards:\n  - {id: p, kind: perk}\n  - {id: q, kind: points, value: 5}\n")
	set, got := loadLines(t, dir)
	sameLines(t, got, nil)
	if p := set.Campaign("one").RewardPolicy; p != RewardPolicyFirst {
		t.Errorf("one reward: policy %q, want first", p)
	}
	if p := set.Campaign("two").RewardPolicy; p != RewardPolicyLoyalty {
		t.Errorf("two rewards: policy %q, want loyalty", p)
	}
}
