package delivery

import (
	"context"
	"testing"

	"github.com/rapporthq/rapport/results"
)

const countedCampaign = `id: c
trigger: {event: Order Completed}
channels: [email]
variants: [{id: v, email: {subject: Hi, html: c.html}}]
`

// TestRetriedDeliveriesAreCountedOnce: a send task that runs again (asynq retries, a
// duplicate enqueue) finds its delivery recorded and counts nothing more, whether the
// customer was sent the message or held out (here by the global control group).
func TestRetriedDeliveriesAreCountedOnce(t *testing.T) {
	for _, tt := range []struct {
		name         string
		controlGroup float64
		metric       results.Metric
		arm          results.Arm
	}{
		{"sent", 0, results.Sent, results.Treatment},
		{"held out by the global control group", 1, results.Held, results.Holdout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t, countedCampaign)
			cfg := b.d.Config()
			store, err := results.New(cfg.Claims.rdb, 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Results, cfg.Policy.ControlGroup = store, tt.controlGroup
			d, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for range 2 {
				if _, err := d.Deliver(ctx, send("o1")); err != nil {
					t.Fatal(err)
				}
			}
			c, err := store.Lifetime(ctx, "c")
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []results.Metric{tt.metric, results.Eligible, results.Customers} {
				if got := c.Sum(m, tt.arm); got != 1 {
					t.Errorf("%s (%s) = %d, want 1; counters %v", m, tt.arm, got, c)
				}
			}
			if got := c[results.Key{Metric: tt.metric, Arm: tt.arm, Channel: "email", Variant: "v"}]; got != 1 {
				t.Errorf("%s of variant v by email = %d, want 1: the decided variant and channel are counted", tt.metric, got)
			}
		})
	}
}
