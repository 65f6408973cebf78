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
