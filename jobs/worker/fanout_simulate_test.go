package worker_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

func TestSimulateCountsWhoWouldGetWhatAndWhenWithoutSending(t *testing.T) {
	tests := []struct {
		name, campaign string
		files          map[string]string
		iranTZ         string
		at             time.Time
		occurrence     string
		wouldSend      int64
		skipped        map[string]int64
		hours          map[string]int64
	}{
		{"local daily schedule in three zones", "daily", dailyLocal, "America/Los_Angeles", time.Date(2027, 3, 29, 0, 0, 0, 0, time.UTC), "2027-03-29T10:00",
			4, map[string]int64{}, map[string]int64{"2027-03-29T01": 2, "2027-03-29T08": 1, "2027-03-29T17": 1}},
		{"Nowruz only in Iran", "nowruz", holidays, "Asia/Tehran", time.Date(2027, 3, 21, 0, 0, 0, 0, time.UTC), "2027-03-21",
			1, map[string]int64{"no_holiday": 3}, map[string]int64{"2027-03-21T06": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupScheduled(t, tt.files)
			b.customers(map[string]map[string]any{
				"tokyo":  emailTo("tokyo", "Asia/Tokyo", map[string]any{"address": map[string]any{"country": "JP"}}),
				"seoul":  emailTo("seoul", "Asia/Seoul", map[string]any{"address": map[string]any{"country": "KR"}}),
				"berlin": emailTo("berlin", "Europe/Berlin", map[string]any{"address": map[string]any{"country": "DE"}}),
				"iran":   emailTo("iran", tt.iranTZ, map[string]any{"address": map[string]any{"country": "IR"}}),
			})
			sim, err := dryrun.Simulate(context.Background(), b.deliverer, b.store, tt.campaign, tt.at, 2)
			if err != nil {
				t.Fatal(err)
			}
			if sim.Occurrence != tt.occurrence || sim.Customers != 4 || sim.WouldSend != tt.wouldSend ||
				!maps.Equal(sim.Skipped, tt.skipped) || !maps.Equal(sim.Hours, tt.hours) || sim.Channels["email"] != tt.wouldSend {
				t.Fatalf("simulation %+v\nwant occurrence %s, 4 customers, %d would send, skipped %v, hours %v",
					sim, tt.occurrence, tt.wouldSend, tt.skipped, tt.hours)
			}
			if n := b.smtp.Count(); n != 0 {
				t.Errorf("simulate sent %d emails", n)
			}
		})
	}
}
