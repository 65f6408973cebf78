package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/schedule"
)

var birthday = map[string]string{
	"campaigns/birthday.yaml": `
id: birthday
trigger:
  date: {trait: birthday, at: "09:00"}
repeat: yearly
channels: [email]
variants:
  - id: v
    email: {subject: "Happy birthday {{.Customer.FirstName}}", html: birthday.html}
`,
	"templates/birthday.html": `<p>Happy birthday</p>`,
}

func TestBirthdaysAtNineLocalWithLeapDayAndTimeZones(t *testing.T) {
	b := setupScheduled(t, birthday)
	b.customers(map[string]map[string]any{
		// Born on 29 February: greeted on 28 February in 2027.
		"leap": emailTo("leap", "Europe/Berlin", map[string]any{"birthday": "2000-02-29"}),
		// 1 March at 09:00 in Auckland is still 28 February in UTC.
		"kiwi": emailTo("kiwi", "Pacific/Auckland", map[string]any{"birthday": "1990-03-01"}),
		// No birthday: skipped with a reason.
		"nobody": emailTo("nobody", "UTC", nil),
	})
	start := time.Date(2027, 2, 26, 0, 0, 0, 0, time.UTC)
	b.drive(b.scheduler(), start, time.Date(2027, 3, 3, 0, 0, 0, 0, time.UTC), time.Hour)

	tests := []struct{ id, tz, want string }{
		{"leap", "Europe/Berlin", "2027-02-28T09:00:00+01:00"},
		{"kiwi", "Pacific/Auckland", "2027-03-01T09:00:00+13:00"},
	}
	for _, tt := range tests {
		sends := b.sends(tt.id)
		if len(sends) != 1 {
			t.Fatalf("%s: %d sends, want 1", tt.id, len(sends))
		}
		if got := sends[0].At.In(must(time.LoadLocation(tt.tz))).Format(time.RFC3339); got != tt.want {
			t.Errorf("%s greeted at %s, want %s", tt.id, got, tt.want)
		}
	}
	if got := b.sends("kiwi")[0].At.UTC().Format("2006-01-02"); got != "2027-02-28" {
		t.Errorf("kiwi's greeting is on %s in UTC; the test wants a birthday that is not yet the day in UTC", got)
	}
	if n := len(b.sends("nobody")); n != 0 {
		t.Errorf("a customer without a birthday got %d greetings", n)
	}
	runs := must((&schedule.Runs{RDB: b.rdb, Catalog: b.catalog}).Recent(context.Background(), "birthday", 10))
	var found bool
	for _, r := range runs {
		if r.Occurrence == "2027-02-28" {
			found = true
			if r.Skipped["no_date"] != 1 || r.Sent != 1 || r.Seen != 3 || r.Completed == nil {
				t.Errorf("run of 2027-02-28: %+v, want 3 seen, 1 sent, 1 skipped no_date, completed", r)
			}
		}
	}
	if !found {
		t.Fatalf("no run for 2027-02-28 in %+v", runs)
	}
}

var holidays = map[string]string{
	"campaigns/nowruz.yaml": `
id: nowruz
trigger:
  holiday: {name: nowruz, at: "10:00"}
channels: [email]
variants:
  - id: v
    email: {subject: "Nowruz mobarak", html: greeting.html}
`,
	"campaigns/lunar.yaml": `
id: lunar
trigger:
  holiday: {name: lunar_new_year, at: "10:00"}
channels: [email]
variants:
  - id: v
    email: {subject: "Happy Lunar New Year", html: greeting.html}
`,
	"templates/greeting.html": `<p>Greetings {{.Customer.FirstName}}</p>`,
}

func TestHolidaysFollowTheCustomersCountry(t *testing.T) {
	b := setupScheduled(t, holidays)
	b.customers(map[string]map[string]any{
		"iran":   emailTo("iran", "Asia/Tehran", map[string]any{"address": map[string]any{"country": "IR"}}),
		"berlin": emailTo("berlin", "Europe/Berlin", map[string]any{"address": map[string]any{"country": "DE"}}),
		"china":  emailTo("china", "Asia/Shanghai", map[string]any{"address": map[string]any{"country": "CN"}}),
	})
	s := b.scheduler()
	b.drive(s, time.Date(2027, 2, 4, 0, 0, 0, 0, time.UTC), time.Date(2027, 2, 8, 0, 0, 0, 0, time.UTC), time.Hour)
	b.drive(s, time.Date(2027, 3, 19, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 23, 0, 0, 0, 0, time.UTC), time.Hour)

	want := map[string]struct{ campaign, tz, at string }{
		"iran":  {"nowruz", "Asia/Tehran", "2027-03-21T10:00:00+03:30"},
		"china": {"lunar", "Asia/Shanghai", "2027-02-06T10:00:00+08:00"},
	}
	for id, w := range want {
		sends := b.sends(id)
		if len(sends) != 1 || sends[0].Campaign != w.campaign {
			t.Fatalf("%s: sends %+v, want one %s greeting", id, sends, w.campaign)
		}
		if got := sends[0].At.In(must(time.LoadLocation(w.tz))).Format(time.RFC3339); got != w.at {
			t.Errorf("%s greeted at %s, want %s", id, got, w.at)
		}
	}
	if s := b.sends("berlin"); len(s) != 0 {
		t.Errorf("a customer in Germany got %+v", s)
	}
	for _, m := range b.smtp.Messages() {
		if strings.Contains(m.Subject, "Nowruz") && !strings.HasPrefix(strings.Join(m.To, ","), "iran@") {
			t.Errorf("Nowruz greeting to %v", m.To)
		}
	}
}
