package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/dryrun"
	"github.com/rapporthq/rapport/rewards"
)

// couponBudget is a daily campaign whose coupon has a budget of 5 grants, then points.
var couponBudget = map[string]string{
	"campaigns/daily.yaml": `
id: daily
trigger:
  schedule: {cron: "0 10 * * *"}
channels: [email]
variants:
  - id: v
    email: {subject: "Hello {{.Customer.FirstName}}", html: daily.html}
rewards:
  - {id: welcome-10, kind: coupon, value: 10 EUR, expires: 30d, budget: {count: 5}}
  - {id: points-200, kind: points, value: 200}
`,
	"templates/daily.html": `<p>Hello {{.Customer.FirstName}}</p>`,
}

func TestSimulateStopsGrantingWhereTheBudgetWould(t *testing.T) {
	tests := []struct {
		name                    string
		spentBefore             int
		coupons, points, exceed int64
	}{
		{"fresh budget", 0, 5, 15, 15},
		{"budget partly spent by earlier runs", 3, 2, 18, 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupScheduled(t, couponBudget)
			people := map[string]map[string]any{}
			for i := range 20 {
				id := fmt.Sprintf("c%02d", i)
				people[id] = emailTo(id, "UTC", nil)
			}
			b.customers(people)
			ledger := rewards.NewLedger(b.rdb, "secret")
			reward := &config.Reward{ID: "welcome-10", Kind: "coupon", Value: "10 EUR", Budget: &config.Budget{Count: 5}}
			for i := range tt.spentBefore {
				if _, err := ledger.Grant(context.Background(), "daily", reward, fmt.Sprint("old", i), "o", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			sim, err := dryrun.Simulate(context.Background(), b.deliverer, b.store, "daily", time.Date(2027, 3, 29, 0, 0, 0, 0, time.UTC), 7)
			if err != nil {
				t.Fatal(err)
			}
			if sim.WouldSend != 20 || sim.Rewards["welcome-10"] != tt.coupons || sim.Rewards["points-200"] != tt.points ||
				sim.WouldExceed["welcome-10"] != tt.exceed || sim.Spend["EUR"] != float64(tt.coupons)*10 {
				t.Fatalf("simulation sends %d, rewards %v, would_exceed %v, spend %v; want 20, %d coupons and %d points, %d over budget",
					sim.WouldSend, sim.Rewards, sim.WouldExceed, sim.Spend, tt.coupons, tt.points, tt.exceed)
			}
			if n, _, _ := ledger.Spent(context.Background(), "daily", "welcome-10"); n != tt.spentBefore {
				t.Fatalf("simulate spent the budget: %d, want %d", n, tt.spentBefore)
			}
		})
	}
}

// campaignBudget is couponBudget with a budget of 3 grants for the campaign across its
// rewards (the coupon keeps its own 5).
var campaignBudget = map[string]string{
	"campaigns/daily.yaml": couponBudget["campaigns/daily.yaml"] + "budget: {count: 3}\n",
	"templates/daily.html": couponBudget["templates/daily.html"],
}

func TestSimulateStopsGrantingWhereTheCampaignBudgetWould(t *testing.T) {
	tests := []struct {
		name                    string
		grantedBefore           int // grants of the coupon through the campaign's budget (GrantIn)
		coupons, points, exceed int64
	}{
		{"fresh budgets: the campaign's runs out first", 0, 3, 0, 17},
		{"campaign budget partly spent by earlier runs", 2, 1, 0, 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupScheduled(t, campaignBudget)
			people := map[string]map[string]any{}
			for i := range 20 {
				id := fmt.Sprintf("c%02d", i)
				people[id] = emailTo(id, "UTC", nil)
			}
			b.customers(people)
			ledger := rewards.NewLedger(b.rdb, "secret")
			camp := b.catalog.Load().Set.Campaign("daily")
			for i := range tt.grantedBefore {
				if _, err := ledger.GrantIn(context.Background(), camp, &camp.Rewards[0], fmt.Sprint("old", i), "o", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			// Pages of one customer race through the deciders; the budgets are spent in the
			// audience's order whatever the page size.
			for _, pageSize := range []int{1, 7, 100} {
				sim, err := dryrun.Simulate(context.Background(), b.deliverer, b.store, "daily", time.Date(2027, 3, 29, 0, 0, 0, 0, time.UTC), pageSize)
				if err != nil {
					t.Fatal(err)
				}
				if sim.WouldSend != 20 || sim.Rewards["welcome-10"] != tt.coupons || sim.Rewards["points-200"] != tt.points ||
					sim.WouldExceed["welcome-10"] != tt.exceed {
					t.Fatalf("pages of %d: simulation sends %d, rewards %v, would_exceed %v; want 20, %d coupons and %d points, %d over budget",
						pageSize, sim.WouldSend, sim.Rewards, sim.WouldExceed, tt.coupons, tt.points, tt.exceed)
				}
			}
			if st := must(ledger.Stats(context.Background(), camp)); st.Granted != tt.grantedBefore {
				t.Fatalf("simulate spent the campaign's budget: %d, want %d", st.Granted, tt.grantedBefore)
			}
		})
	}
}
