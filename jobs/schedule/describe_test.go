package schedule

import (
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/delivery"
)

func TestDescribeListsKindTriggerAndNextOccurrenceOfEveryCampaign(t *testing.T) {
	at, _ := config.ParseTimeOfDay("10:00")
	nine, _ := config.ParseTimeOfDay("09:00")
	set := &config.Set{Campaigns: []*config.Campaign{
		{ID: "thanks", Name: "Thank you", Trigger: config.Trigger{Event: "Order Completed", Delay: config.Duration(2 * time.Hour)}},
		{ID: "monday", Trigger: config.Trigger{Schedule: &config.Schedule{Cron: "0 10 * * MON", TZ: "Europe/Berlin"}}},
		{ID: "morning", Trigger: config.Trigger{Schedule: &config.Schedule{Cron: "0 10 * * *", Local: true}}},
		{ID: "birthday", Trigger: config.Trigger{Date: &config.DateTrigger{Trait: "birthday", At: nine, Offset: config.Duration(-24 * time.Hour)}}},
		{ID: "new-year", Trigger: config.Trigger{Holiday: &config.HolidayTrigger{Name: "new_year", At: at}}},
		{ID: "bad-zone", Trigger: config.Trigger{Schedule: &config.Schedule{Cron: "0 10 * * *", TZ: "Mars/Olympus"}}},
	}}
	now := time.Date(2027, 3, 24, 12, 0, 0, 0, time.UTC) // a Wednesday
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	got := Describe(delivery.NewCatalog(set, nil), now, time.UTC)
	tests := []struct {
		kind, trigger, key string
		berlin, tokyo      string // NextAt in each zone; "" for none
		problem            bool
	}{
		{KindTriggered, "event Order Completed after 2h", "", "", "", false},
		{KindScheduled, "cron 0 10 * * MON (Europe/Berlin)", "2027-03-29T08:00Z", "2027-03-29T10:00+02:00", "2027-03-29T17:00+09:00", false},
		{KindScheduled, "cron 0 10 * * * (each customer's time)", "2027-03-25T10:00", "2027-03-25T10:00+01:00", "2027-03-25T10:00+09:00", false},
		{KindDate, "date birthday at 09:00 offset -1d (each customer's time)", "2027-03-25", "2027-03-25T09:00+01:00", "2027-03-25T09:00+09:00", false},
		{KindHoliday, "holiday new_year at 10:00 (each customer's time)", "2028-01-01", "2028-01-01T10:00+01:00", "2028-01-01T10:00+09:00", false},
		{KindScheduled, "cron 0 10 * * * (Mars/Olympus)", "", "", "", true},
	}
	if len(got) != len(tests) {
		t.Fatalf("%d campaigns described, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		c := got[i]
		fmtAt := func(loc *time.Location) string {
			if at := c.NextAt(loc); !at.IsZero() {
				return at.Format("2006-01-02T15:04Z07:00")
			}
			return ""
		}
		if c.Kind != tt.kind || c.Trigger != tt.trigger || c.Next.Key != tt.key || fmtAt(berlin) != tt.berlin ||
			fmtAt(tokyo) != tt.tokyo || (c.Problem != "") != tt.problem {
			t.Errorf("%s: %s %q key %q Berlin %q Tokyo %q problem %q;\nwant %s %q key %q Berlin %q Tokyo %q problem %v",
				c.ID, c.Kind, c.Trigger, c.Next.Key, fmtAt(berlin), fmtAt(tokyo), c.Problem,
				tt.kind, tt.trigger, tt.key, tt.berlin, tt.tokyo, tt.problem)
		}
	}
	if got[0].Name != "Thank you" {
		t.Errorf("name %q", got[0].Name)
	}
}

// BenchmarkDescribeHoliday measures the costliest kind: a holiday searched day by day.
func BenchmarkDescribeHoliday(b *testing.B) {
	at, _ := config.ParseTimeOfDay("10:00")
	set := &config.Set{Campaigns: []*config.Campaign{{ID: "h", Trigger: config.Trigger{Holiday: &config.HolidayTrigger{Name: "new_year", At: at}}}}}
	cat := delivery.NewCatalog(set, nil)
	now := time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC) // the longest search: 364 days
	for _, bc := range []struct {
		name     string
		describe func() []CampaignInfo
	}{
		{"fresh", func() []CampaignInfo { return Describe(cat, now, time.UTC) }},
		{"describer", func() []CampaignInfo { return NewDescriber().Describe(cat, now, time.UTC) }},
	} {
		if bc.name == "describer" {
			d := NewDescriber()
			bc.describe = func() []CampaignInfo { return d.Describe(cat, now, time.UTC) }
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if d := bc.describe(); d[0].Next.Key != "2028-01-01" {
					b.Fatal(d[0].Next.Key)
				}
			}
		})
	}
}
