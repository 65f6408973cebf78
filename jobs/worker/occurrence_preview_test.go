package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

func TestPreviewOfScheduledCampaignShowsTheNextOccurrence(t *testing.T) {
	files := map[string]string{}
	for k, v := range birthday {
		files[k] = v
	}
	for k, v := range holidays {
		files[k] = v
	}
	b := setupScheduled(t, files)
	b.customers(map[string]map[string]any{
		"leap":   emailTo("leap", "Europe/Berlin", map[string]any{"birthday": "2000-02-29"}),
		"nobody": emailTo("nobody", "UTC", nil),
		"iran":   emailTo("iran", "Asia/Tehran", map[string]any{"address": map[string]any{"country": "IR"}}),
		"berlin": emailTo("berlin", "Europe/Berlin", map[string]any{"address": map[string]any{"country": "DE"}}),
	})
	at := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, campaign, customer string
		eligible                 bool
		sendAt, skip             string
	}{
		{"leap-day birthday on 28 February", "birthday", "leap", true, "2027-02-28T08:00:00Z", ""},
		{"no birthday on the profile", "birthday", "nobody", false, "", "no_date"},
		{"Nowruz in Iran at 10:00 Tehran", "nowruz", "iran", true, "2027-03-21T06:30:00Z", ""},
		{"no Nowruz in Germany", "nowruz", "berlin", false, "", "no_holiday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := dryrun.Preview(context.Background(), b.deliverer, tt.campaign, tt.customer, at, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Eligible != tt.eligible || p.Skip != tt.skip {
				t.Fatalf("eligible %v skip %q, want %v %q; reasons:\n%s", p.Eligible, p.Skip, tt.eligible, tt.skip, strings.Join(p.Reasons, "\n"))
			}
			if tt.eligible && (p.SendAt == nil || p.SendAt.Format(time.RFC3339) != tt.sendAt) {
				t.Errorf("send_at %v, want %s", p.SendAt, tt.sendAt)
			}
		})
	}
}
