package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/schedule"
)

// dailyLocal greets every customer at 10:00 in their own time zone, every day.
var dailyLocal = map[string]string{
	"campaigns/daily.yaml": `
id: daily
trigger:
  schedule: {cron: "0 10 * * *", local: true}
channels: [email]
variants:
  - id: v
    email: {subject: "Good morning {{.Customer.FirstName}}", html: daily.html}
`,
	"templates/daily.html": `<p>Good morning {{.Customer.FirstName}}</p>`,
}

// drive ticks the scheduler and plays due tasks hour by hour from start to end.
func (b *schedBundle) drive(s *schedule.Scheduler, start, end time.Time, step time.Duration) {
	b.t.Helper()
	for now := start; !now.After(end); now = now.Add(step) {
		b.clock.Set(now)
		if _, err := s.Tick(context.Background(), now); err != nil {
			b.t.Fatalf("tick at %s: %v", now, err)
		}
		b.play(now)
	}
}

func TestLocalScheduleSendsAtTenLocalInEveryZoneAcrossDST(t *testing.T) {
	b := setupScheduled(t, dailyLocal)
	zones := map[string]string{"tokyo": "Asia/Tokyo", "berlin": "Europe/Berlin", "la": "America/Los_Angeles"}
	byID := map[string]map[string]any{}
	for id, tz := range zones {
		byID[id] = emailTo(id, tz, nil)
	}
	b.customers(byID)
	// Los Angeles moves to summer time on 14 March 2027, Berlin on 28 March.
	start := time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC)
	end := time.Date(2027, 3, 30, 12, 0, 0, 0, time.UTC)
	b.drive(b.scheduler(), start, end, time.Hour)

	want := map[string][2]string{ // first and last local date
		"tokyo": {"2027-03-13", "2027-03-30"}, "berlin": {"2027-03-13", "2027-03-30"}, "la": {"2027-03-13", "2027-03-29"},
	}
	total := 0
	for id, tz := range zones {
		loc := must(time.LoadLocation(tz))
		sends := b.sends(id)
		first, last := must(time.ParseInLocation("2006-01-02", want[id][0], loc)), must(time.ParseInLocation("2006-01-02", want[id][1], loc))
		days := int(last.Sub(first).Hours()/24+0.5) + 1
		if len(sends) != days {
			t.Fatalf("%s: %d sends, want one a day from %s to %s (%d)", id, len(sends), want[id][0], want[id][1], days)
		}
		total += days
		// Sends are newest first.
		for i, s := range sends {
			local := s.At.In(loc)
			wantDay := last.AddDate(0, 0, -i)
			if local.Hour() != 10 || local.Minute() != 0 || local.Format("2006-01-02") != wantDay.Format("2006-01-02") {
				t.Errorf("%s: send %d at %s local, want %s 10:00", id, i, local.Format(time.RFC3339), wantDay.Format("2006-01-02"))
			}
		}
	}
	if n := b.smtp.Count(); n != total {
		t.Fatalf("%d emails at the SMTP server, want %d", n, total)
	}
}
