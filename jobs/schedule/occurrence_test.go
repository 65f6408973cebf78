package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestOccurrenceKeysAreTheInstantOrTheLocalWallTime(t *testing.T) {
	at, _ := config.ParseTimeOfDay("09:00")
	from := time.Date(2027, 3, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		trigger config.Trigger
		key     string
		fire    string
	}{
		{"schedule in Berlin, the day summer time starts", config.Trigger{Schedule: &config.Schedule{Cron: "0 10 * * *", TZ: "Europe/Berlin"}},
			"2027-03-28T08:00Z", "2027-03-28T07:55:00Z"},
		{"local schedule fires when UTC+14 reaches it", config.Trigger{Schedule: &config.Schedule{Cron: "0 10 * * *", Local: true}},
			"2027-03-28T10:00", "2027-03-27T19:55:00Z"},
		{"every ten minutes counts from the epoch", config.Trigger{Schedule: &config.Schedule{Cron: "@every 10m", TZ: "UTC"}},
			"2027-03-27T12:10Z", "2027-03-27T12:05:00Z"},
		{"date trigger: one occurrence per local date", config.Trigger{Date: &config.DateTrigger{Trait: "birthday", At: at}},
			"2027-03-28", "2027-03-27T18:55:00Z"},
		{"date trigger with tz: 09:00 in Berlin for everybody", config.Trigger{Date: &config.DateTrigger{Trait: "birthday", At: at, TZ: "Europe/Berlin"}},
			"2027-03-28", "2027-03-28T06:55:00Z"},
		{"holiday trigger with tz", config.Trigger{Holiday: &config.HolidayTrigger{Name: "new_year", At: at, TZ: "Asia/Tokyo"}},
			"2027-03-28", "2027-03-27T23:55:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok, err := planOf(&config.Campaign{ID: "c", Trigger: tt.trigger}, time.UTC)
			if err != nil || !ok {
				t.Fatal(ok, err)
			}
			o := p.next(from)
			if o.Key != tt.key || o.Fire.Format(time.RFC3339) != tt.fire {
				t.Errorf("next after %s: key %s fire %s, want %s %s", from, o.Key, o.Fire.Format(time.RFC3339), tt.key, tt.fire)
			}
		})
	}
}

// TestDateTriggerWithTZSendsAtOneInstantToEveryZone: with tz, customers in Tokyo and New York
// get their birthday greeting at the same instant, 09:00 in Berlin on the date as Berlin reads it.
func TestDateTriggerWithTZSendsAtOneInstantToEveryZone(t *testing.T) {
	at, _ := config.ParseTimeOfDay("09:00")
	p, _, err := planOf(&config.Campaign{ID: "c", Trigger: config.Trigger{Date: &config.DateTrigger{Trait: "birthday", At: at, TZ: "Europe/Berlin"}}}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	o := p.next(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
	want := time.Date(2027, 6, 1, 7, 0, 0, 0, time.UTC) // 09:00 CEST
	for _, zone := range []string{"Asia/Tokyo", "America/New_York"} {
		loc, _ := time.LoadLocation(zone)
		c := &decide.Customer{Traits: map[string]any{"birthday": "1990-06-01"}}
		got, skip, why := p.instantFor(o, c, loc, nil)
		if skip != "" || !got.Equal(want) {
			t.Errorf("%s: %s %s %s, want %s", zone, got, skip, why, want)
		}
	}
}

func TestAnniversaryGreetsLeapDayBirthdaysOnTheTwentyEighth(t *testing.T) {
	d := func(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }
	tests := []struct {
		name      string
		born, day calendar.Date
		want      bool
	}{
		{"same day", d(1990, 3, 1), d(2027, 3, 1), true},
		{"other day", d(1990, 3, 1), d(2027, 3, 2), false},
		{"29 February in a common year: the 28th", d(2000, 2, 29), d(2027, 2, 28), true},
		{"29 February in a common year: not 1 March", d(2000, 2, 29), d(2027, 3, 1), false},
		{"29 February in a leap year: the 29th only", d(2000, 2, 29), d(2028, 2, 28), false},
		{"before birth", d(2030, 5, 5), d(2027, 5, 5), false},
	}
	for _, tt := range tests {
		if got := anniversary(tt.born, tt.day); got != tt.want {
			t.Errorf("%s: anniversary(%s, %s) = %v", tt.name, tt.born, tt.day, got)
		}
	}
}

func TestOnlyOneSchedulerHoldsTheLease(t *testing.T) {
	r := testenv.NewRedis(t)
	ctx := context.Background()
	a, b := NewLease(r.Client, leaseKey, 0), NewLease(r.Client, leaseKey, 0)
	steps := []struct {
		name   string
		lease  *Lease
		action string
		want   bool
	}{
		{"first takes it", a, "hold", true},
		{"second is refused", b, "hold", false},
		{"first renews it", a, "hold", true},
		{"second cannot release it", b, "release", false},
		{"second is still refused", b, "hold", false},
		{"first releases it", a, "release", false},
		{"second takes it at once", b, "hold", true},
	}
	for _, s := range steps {
		if s.action == "release" {
			if err := s.lease.Release(ctx); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := s.lease.Hold(ctx)
		if err != nil || got != s.want {
			t.Fatalf("%s: Hold = %v, %v", s.name, got, err)
		}
	}
}
