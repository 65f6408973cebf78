package decide

import (
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// loyaltyCampaign lists, in the marketer's order, a coupon, a welcome coupon, a perk, points
// and a bigger coupon that max_discount forbids.
func loyaltyCampaign() *config.Campaign {
	return &config.Campaign{
		ID:          "c",
		MaxDiscount: &config.MaxDiscount{Percent: 0.2},
		Rewards: []config.Reward{
			{ID: "ten-off", Kind: "coupon", Value: "10%", MaxValue: "30"},
			{ID: "welcome-15", Kind: "coupon", Value: "15%", For: config.RewardForNew},
			{ID: "early-access", Kind: "perk", Text: "Early access"},
			{ID: "points-200", Kind: "points", Value: "200"},
			{ID: "twenty-off", Kind: "coupon", Value: "20%", MaxValue: "60"},
			{ID: "half-off", Kind: "coupon", Value: "50%"},
		},
	}
}

func TestLoyaltyPolicyRewardsEachCustomerByStanding(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	days := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	base := &Base{MedianOrders: 2, MedianRevenue: 120, Currency: "EUR", CLVTopThird: 600}
	tests := []struct {
		name      string
		cust      Customer
		base      *Base
		left      map[string]bool
		want      string
		reasonHas string
	}{
		{"a champion gets the perk", Customer{Predicted: &Predictions{Lifecycle: "champion", PAlive: 0.93, CLV: 900}},
			base, nil, "early-access", "champion, P(alive) 0.93, perks before discounts"},
		{"a champion whose perk ran out gets points", Customer{Predicted: &Predictions{Lifecycle: "loyal", PAlive: 0.8}},
			base, map[string]bool{"early-access": false}, "points-200", "loyal, P(alive) 0.80, perks before discounts"},
		{"a loyal customer fading gets the first that fits", Customer{Predicted: &Predictions{Lifecycle: "loyal", PAlive: 0.4}},
			base, nil, "ten-off", "first that fits (loyal, P(alive) 0.40 below 0.70)"},
		{"an at-risk valuable customer gets the strongest coupon allowed",
			Customer{Summary: Summary{Orders: 4, Revenue: 800}, Predicted: &Predictions{Lifecycle: "at_risk", PAlive: 0.3, CLV: 840}},
			base, nil, "twenty-off", "at_risk, CLV 840 in the top third (from 600), the strongest incentive allowed (worth about 40 on a typical order of 200)"},
		{"an at-risk customer of little value gets the first that fits",
			Customer{Predicted: &Predictions{Lifecycle: "at_risk", PAlive: 0.3, CLV: 50}},
			base, nil, "ten-off", "below the top third"},
		{"a new customer gets the welcome reward", Customer{Predicted: &Predictions{Lifecycle: "new", PAlive: 1}},
			base, nil, "welcome-15", "new customer, the welcome reward"},
		{"no model: no order yet is new", Customer{}, nil, nil, "welcome-15", "no order yet, the welcome reward"},
		{"no model: one recent order is new", Customer{Summary: Summary{Orders: 1, LastOrderAt: days(10)}},
			nil, nil, "welcome-15", "first order 10 days ago"},
		{"no model: a frequent big spender on schedule gets the perk",
			Customer{Summary: Summary{Orders: 6, Revenue: 840, Currency: "EUR", LastOrderAt: days(12), GapMeanDays: 20, GapStdDays: 4}},
			base, nil, "early-access", "no model: 6 orders and 840 revenue against the base's medians 2 and 120; last order 12 days ago, usual gap 20, perks before discounts"},
		{"no model: a frequent big spender overdue gets the strongest incentive",
			Customer{Summary: Summary{Orders: 6, Revenue: 840, Currency: "EUR", LastOrderAt: days(75), GapMeanDays: 20, GapStdDays: 4}},
			base, nil, "twenty-off", "75 days since the last order, usual gap 20, the strongest incentive allowed"},
		{"no model: below the medians gets the first that fits",
			Customer{Summary: Summary{Orders: 2, Revenue: 60, Currency: "EUR", LastOrderAt: days(75), GapMeanDays: 20}},
			base, nil, "ten-off", "first that fits (no model: 2 orders and 60 revenue"},
		{"no model and no medians: the first that fits", Customer{Summary: Summary{Orders: 3, LastOrderAt: days(5)}},
			nil, nil, "ten-off", "no model and no base medians"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reasons, failed := chooseReward(loyaltyCampaign(), nil, tt.left, &tt.cust, tt.base, now)
			if failed || r == nil || r.ID != tt.want {
				t.Fatalf("got %v (failed %v), want %s; reasons %v", r, failed, tt.want, reasons)
			}
			if last := reasons[len(reasons)-1]; !strings.Contains(last, tt.reasonHas) {
				t.Errorf("reason %q lacks %q", last, tt.reasonHas)
			}
		})
	}
}

func TestNobodyGetsADiscountAboveMaxDiscount(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := loyaltyCampaign()
	// Everything else gone: only the forbidden coupon would be left.
	left := map[string]bool{"ten-off": false, "welcome-15": false, "early-access": false, "points-200": false, "twenty-off": false}
	for _, cust := range []Customer{
		{},
		{Predicted: &Predictions{Lifecycle: "at_risk", PAlive: 0.2, CLV: 5000}},
		{Predicted: &Predictions{Lifecycle: "champion", PAlive: 0.99}},
		{Summary: Summary{Orders: 9, Revenue: 9000, LastOrderAt: now.AddDate(0, -6, 0), GapMeanDays: 10}},
	} {
		for _, policy := range []string{config.RewardPolicyLoyalty, config.RewardPolicyFirst} {
			c.RewardPolicy = policy
			r, reasons, _ := chooseReward(c, nil, left, &cust, &Base{MedianOrders: 1, MedianRevenue: 10, CLVTopThird: 100}, now)
			if r != nil {
				t.Fatalf("%s policy gave %s to %+v; reasons %v", policy, r.ID, cust, reasons)
			}
			if !strings.Contains(strings.Join(reasons, "; "), `reward "half-off": 50% is above max_discount 20%`) {
				t.Errorf("reasons do not say why half-off was refused: %v", reasons)
			}
		}
	}
}

func TestFirstPolicyKeepsTheMarketersOrder(t *testing.T) {
	c := loyaltyCampaign()
	c.RewardPolicy = config.RewardPolicyFirst
	cust := &Customer{Predicted: &Predictions{Lifecycle: "champion", PAlive: 0.95}}
	r, reasons, _ := chooseReward(c, nil, nil, cust, nil, time.Now())
	if r == nil || r.ID != "ten-off" || !strings.HasSuffix(reasons[len(reasons)-1], "first that fits") {
		t.Fatalf("got %v, want ten-off; reasons %v", r, reasons)
	}
}

func TestOnlyDiscountsEligibleStillGivesAReward(t *testing.T) {
	c := &config.Campaign{Rewards: []config.Reward{{ID: "ten-off", Kind: "coupon", Value: "10%"}}}
	cust := &Customer{Predicted: &Predictions{Lifecycle: "champion", PAlive: 0.95, CLV: 900}}
	r, _, _ := chooseReward(c, nil, nil, cust, nil, time.Now())
	if r == nil || r.ID != "ten-off" {
		t.Fatalf("a champion whose only eligible reward is a coupon got %v", r)
	}
}

// chooseReward runs the reward step alone, as a decision reaching it would, and returns the
// reward with the step's reasons.
func chooseReward(c *config.Campaign, env map[string]any, left map[string]bool, cust *Customer, base *Base, now time.Time) (*config.Reward, []string, bool) {
	d := &decider{in: Input{Campaign: c, Customer: cust, RewardsLeft: left, Base: base, Now: now}, c: c, cust: cust}
	d.log.buf, d.log.segs = d.logBuf[:0], d.logSegs[:0]
	r, failed := d.chooseReward(env)
	return r, d.reasons(), failed
}
