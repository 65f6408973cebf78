package decide

import (
	"testing"
	"time"
)

func TestEnvComputedNamesWinOverTraits(t *testing.T) {
	t.Parallel()
	c := jane()
	c.Traits = map[string]any{"tier": "gold", "orders": 99.0, "clv": 5000.0, "email": "old@example.com"}
	c.Summary = Summary{Orders: 3, Revenue: 180, LastOrderAt: now.Add(-36 * time.Hour), GapMeanDays: 30}
	c.Predicted = &Predictions{CLV: 420, PAlive: 0.8, RFM: "555", Lifecycle: "loyal"}
	env := Env(c, &Event{Name: "Order Completed", Properties: map[string]any{"total": 42.5}}, now)

	tests := []struct {
		expr string
		want bool
	}{
		{`customer.tier == "gold"`, true},
		{`customer.orders == 3`, true},
		{`customer.traits.orders == 99`, true},
		{`customer.clv == 420 && customer.traits.clv == 5000`, true},
		{`customer.email == "Jane.Doe@Example.com"`, true},
		{`customer.days_since_last_order == 1.5`, true},
		{`customer.gap_mean_days == 30`, true},
		{`customer.p_alive > 0.5 && customer.rfm == "555" && customer.lifecycle == "loyal"`, true},
		{`customer.next_order_at == nil`, true}, // a fit without a next order date
		{`customer.last_order_at < now`, true},
		{`customer.first_order_at == nil`, true},
		{`event.total >= 20 && event_name == "Order Completed"`, true},
		{`customer.country == "DE" && customer.locale == "de-DE" && customer.timezone == "Europe/Berlin"`, true},
		{`customer.id == "c-1" && customer.first_name == "Jane"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := cond(t, tt.expr).Eval(env)
			if err != nil || got != tt.want {
				t.Errorf("= %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestEnvLeavesUnknownValuesAbsent(t *testing.T) {
	t.Parallel()
	c := &Customer{ID: "c-2", Traits: map[string]any{"clv": 1.0, "last_order_at": "2020-01-01", "next_order_at": "x"}}
	env := Env(c, nil, now)
	for _, name := range []string{"last_order_at", "first_order_at", "days_since_last_order", "gap_mean_days",
		"clv", "p_alive", "expected_orders_90d", "next_order_at", "rfm", "lifecycle", "created_at"} {
		if v, ok := env["customer"].(map[string]any)[name]; ok {
			t.Errorf("customer.%s = %v, want absent", name, v)
		}
	}
	ok, err := cond(t, `customer.traits.clv == 1 && event == {} && event_name == ""`).Eval(env)
	if err != nil || !ok {
		t.Errorf("empty event or raw traits: %v %v", ok, err)
	}
	if ok, err := cond(t, `customer.traits.missing == nil`).Eval(Env(&Customer{}, nil, now)); err != nil || !ok {
		t.Errorf("traits of a customer without traits: %v %v", ok, err)
	}
	if ok, err := cond(t, `customer.orders == nil && customer.traits == {}`).Eval(Env(nil, nil, now)); err != nil || !ok {
		t.Errorf("nil customer: %v %v", ok, err)
	}
}
