package delivery

import (
	"context"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/results"
)

// TestDecisionsAreSampledWithTheirReasons: each counted decision, sent or held out, lands in
// the campaign's recent list with the customer's id (never an address), its state, variant,
// channel and reasons; a retried task adds nothing.
func TestDecisionsAreSampledWithTheirReasons(t *testing.T) {
	for _, tt := range []struct {
		name         string
		controlGroup float64
		state        string
	}{
		{"sent", 0, string(StateSent)},
		{"held out", 1, string(StateHoldout)},
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
			p := send("o1")
			for range 2 {
				if _, err := d.Deliver(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			got, err := store.Recent(ctx, "c", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("recent decisions = %+v, want one", got)
			}
			r := got[0]
			if r.Customer != p.Customer || r.State != tt.state || r.Variant != "v" || len(r.Reasons) == 0 || r.At.IsZero() {
				t.Errorf("recent decision = %+v, want customer %s, state %s, variant v, reasons", r, p.Customer, tt.state)
			}
			if strings.Contains(strings.Join(r.Reasons, " "), "ann@example.com") {
				t.Errorf("an address in clear in the sample: %q", r.Reasons)
			}
		})
	}
}
