package config

import "testing"

func TestAmountBudgetOnARewardWithoutFaceValueIsRefusedAtItsPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/c.yaml", `id: c
trigger: {event: E}
`+variantsOK+`rewards:
  - {id: pct, kind: coupon, value: 10%, budget: {amount: 1000}}
  - {id: pct-capped, kind: coupon, value: 10%, max_value: 30 EUR, budget: {amount: 1000}}
  - {id: five, kind: coupon, value: 5 EUR, budget: {amount: 100}}
  - {id: lounge, kind: perk, text: Lounge access, budget: {amount: 500}}
  - {id: mug, kind: gift, value: 12 EUR, budget: {amount: 500}}
  - {id: pts, kind: points, value: 200, budget: {amount: 10000}}
  - {id: nothing, kind: none, budget: {amount: 1}}
  - {id: five-max, kind: coupon, value: "5", max_value: "30"}
  - {id: bad-max, kind: coupon, value: 10%, max_value: 30%}
  - {id: counted, kind: perk, budget: {count: 100}}
`)
	_, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`campaigns/c.yaml:6:58: rewards[0].budget.amount: an amount budget counts the face value of each grant, and a percentage coupon has none: ` +
			`set max_value (the most one coupon takes off, which is what it counts), or budget a count`,
		`campaigns/c.yaml:9:68: rewards[3].budget.amount: an amount budget counts the face value of each grant: give the perk a value as an amount (e.g. 15 or 15 EUR), or budget a count`,
		`campaigns/c.yaml:12:48: rewards[6].budget.amount: an amount budget counts the face value of each grant, and kind none gives nothing`,
		`campaigns/c.yaml:13:57: rewards[7].max_value: only a percentage coupon has a max_value`,
		`campaigns/c.yaml:14:56: rewards[8].max_value: invalid amount "30%" (want e.g. 30 or 30 EUR)`,
	})
}

func TestFaceValueIsWhatOneGrantIsWorth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r     Reward
		value float64
		unit  string
		ok    bool
	}{
		{Reward{Kind: "coupon", Value: "5 EUR"}, 5, "EUR", true},
		{Reward{Kind: "coupon", Value: "5"}, 5, "", true},
		{Reward{Kind: "coupon", Value: "10%", MaxValue: "30 EUR"}, 30, "EUR", true},
		{Reward{Kind: "coupon", Value: "10%"}, 0, "", false}, // not 10
		{Reward{Kind: "gift", Value: "12.5 USD"}, 12.5, "USD", true},
		{Reward{Kind: "perk"}, 0, "", false},
		{Reward{Kind: "perk", Value: "free shipping"}, 0, "", false},
		{Reward{Kind: "points", Value: "200"}, 200, "points", true},
		{Reward{Kind: "none"}, 0, "", false},
	} {
		v, u, ok := tc.r.FaceValue()
		if v != tc.value || u != tc.unit || ok != tc.ok {
			t.Errorf("%+v: FaceValue() = %g %q %v, want %g %q %v", tc.r, v, u, ok, tc.value, tc.unit, tc.ok)
		}
	}
}
