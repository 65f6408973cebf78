package worker_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

// TestSimulateFindsTheNextOccurrenceWithCustomers: simulating a holiday campaign on an
// ordinary day simulates the holiday's next date, as preview shows it, not tomorrow's empty
// occurrence with the whole audience skipped as no_holiday.
func TestSimulateFindsTheNextOccurrenceWithCustomers(t *testing.T) {
	b := setupScheduled(t, holidays)
	b.customers(map[string]map[string]any{
		"iran":   emailTo("iran", "Asia/Tehran", map[string]any{"address": map[string]any{"country": "IR"}}),
		"berlin": emailTo("berlin", "Europe/Berlin", map[string]any{"address": map[string]any{"country": "DE"}}),
	})
	tests := []struct {
		name       string
		at         time.Time
		occurrence string
		note       bool
	}{
		{"on the day itself", time.Date(2027, 3, 21, 0, 0, 0, 0, time.UTC), "2027-03-21", false},
		{"two months before", time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC), "2027-03-21", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := dryrun.Simulate(context.Background(), b.deliverer, b.store, "nowruz", tt.at, 1)
			if err != nil {
				t.Fatal(err)
			}
			if sim.Occurrence != tt.occurrence || sim.WouldSend != 1 || !maps.Equal(sim.Skipped, map[string]int64{"no_holiday": 1}) {
				t.Fatalf("simulated %s: %d would send, skipped %v; want %s, 1, no_holiday 1", sim.Occurrence, sim.WouldSend, sim.Skipped, tt.occurrence)
			}
			if (sim.Note != "") != tt.note {
				t.Errorf("note %q", sim.Note)
			}
		})
	}
}
