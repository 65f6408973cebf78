package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/predict"
)

// TestLifecycleThresholdsComeFromTheConfigurationWithTheModel: a shop whose customers buy
// yearly says a one-order customer stays "new" for 200 days; the published model carries
// that, so every worker classifies alike.
func TestLifecycleThresholdsComeFromTheConfigurationWithTheModel(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 15, 14, 0, 0, 0, time.UTC)
	prof := &customers.Profile{Customer: decide.Customer{ID: "c1"}, Days: []predict.Day{{Day: day(now) - 120, Value: 50, Orders: 1}}}
	stage := func(l config.Lifecycle) string {
		t.Helper()
		mo, err := analytics.ModelOptionsOf(config.Predict{Unit: "weeks", Horizon: config.Duration(365 * 24 * time.Hour), Margin: 0.3, Lifecycle: l})
		if err != nil {
			t.Fatal(err)
		}
		m := cdnowModel(now.AddDate(0, 0, -1))
		m.Lifecycle = &mo.Lifecycle
		ms := publish(t, testenv.NewRedis(t).Client, m)
		p, err := ms.Predict(context.Background(), prof, now)
		if err != nil || p == nil {
			t.Fatalf("predict: %v %v", p, err)
		}
		return p.Lifecycle
	}
	if got := stage(config.Lifecycle{}); got != "at_risk" {
		t.Errorf("one order 120 days ago with default thresholds: %q, want at_risk", got)
	}
	if got := stage(config.Lifecycle{NewDays: 200, AtRiskDays: 300}); got != "new" {
		t.Errorf("with new_days 200: %q, want new", got)
	}
	if _, err := analytics.ModelOptionsOf(config.Predict{Unit: "weeks", Lifecycle: config.Lifecycle{LoyalOrders: 5, ChampionOrders: 3}}); err == nil {
		t.Errorf("champion_orders below loyal_orders was accepted")
	}
}
