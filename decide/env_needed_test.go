package decide

import (
	"reflect"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// TestNeededEnvAgreesWithEnv: every name of the customer map, computed or trait, known or
// unknown, has the same value (or absence) in the environment built for the names needed.
func TestNeededEnvAgreesWithEnv(t *testing.T) {
	t.Parallel()
	full := jane()
	full.Traits = map[string]any{"tier": "gold", "clv": 99, "email": "shadowed@example.com", "orders": "many"}
	full.CreatedAt = now.AddDate(-1, 0, 0)
	full.Summary = Summary{Orders: 3, Revenue: 180, Currency: "EUR", FirstOrderAt: now.AddDate(0, -6, 0),
		LastOrderAt: now.Add(-49 * time.Hour), GapMeanDays: 30, LastCategories: []string{"shoes"}, LastOrderTotal: 42}
	full.Predicted = &Predictions{CLV: 310, PAlive: 0.93, ExpectedOrders90d: 1.2, NextOrderAt: now.AddDate(0, 1, 0), RFM: "555", Lifecycle: "champion"}
	full.Engagement = map[string]Engagement{"email": {Received: 10, Engaged: 4, Hours: [24]int{19: 4}}}
	bare := &Customer{ID: "c-2", Traits: map[string]any{"clv": 99, "gap_mean_days": 3}}
	for _, c := range []*Customer{full, bare} {
		want := customerEnv(c, now)
		names := []string{"nope", "tier"}
		for k := range want {
			names = append(names, k)
		}
		for _, k := range []string{"rfm", "lifecycle", "clv", "p_alive", "expected_orders_90d", "next_order_at",
			"created_at", "first_order_at", "last_order_at", "days_since_last_order", "gap_mean_days",
			"email_engagement", "sms_engagement", "best_hour"} {
			names = append(names, k)
		}
		for _, k := range names {
			got, ok := customerValue(c, k, now)
			w, wok := want[k]
			if ok != wok || !reflect.DeepEqual(got, w) {
				t.Errorf("customer %s, %s: %v %v, Env has %v %v", c.ID, k, got, ok, w, wok)
			}
		}
	}
}

func TestConditionsSeeTheNamesTheyNeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, when string
		holds      bool
	}{
		{"a trait", `customer.tier == "gold"`, true},
		{"a computed name wins over a trait", `customer.email == "Jane.Doe@Example.com"`, true},
		{"the raw traits", `customer.traits.tier == "gold"`, true},
		{"an unknown computed name is nil", `customer.clv == nil`, true},
		{"optional chaining", `customer?.tier == "gold"`, true},
		{"the whole customer map", `"tier" in customer`, true},
		{"a computed key", `customer["ti" + "er"] == "gold"`, true},
		{"now and the event", `event.total > 40 && now.Year() == 2027 && event_name == "Order Completed"`, true},
		{"the first reward's environment serves the others", `customer.orders == 3`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Customer.Traits["email"] = "shadow@example.com"
			in.Campaign.Rewards = []config.Reward{
				{ID: "never", Kind: "perk", When: cond(t, `customer.tier == "silver"`)},
				{ID: "r", Kind: "perk", When: cond(t, tt.when)},
			}
			d := Decide(in)
			if got := rewardID(d) == "r"; got != tt.holds {
				t.Errorf("reward %q, want r: %v; reasons %v", rewardID(d), tt.holds, d.Reasons)
			}
		})
	}
}
