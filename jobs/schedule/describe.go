package schedule

import (
	"cmp"
	"strings"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// Campaign kinds, as the console and `rapport report campaigns` show them.
const (
	KindTriggered = "triggered" // by an event (trigger.event)
	KindScheduled = "scheduled" // by cron (trigger.schedule), in one zone or in each customer's
	KindDate      = "date"      // yearly on a date trait (trigger.date)
	KindHoliday   = "holiday"   // on a holiday as the customer's country keeps it
)

// CampaignInfo is what a list of campaigns shows of one: its kind and its next occurrence.
type CampaignInfo struct {
	ID, Name string
	Kind     string
	// Trigger says in a few words what fires it: "event Order Completed after 2h",
	// "cron 0 10 * * MON (each customer's time)", "date birthday at 09:00",
	// "holiday nowruz at 10:00".
	Trigger string
	// Next is the next occurrence the scheduler will fire after now; zero for a triggered
	// campaign, or when none comes within a year and a bit (a holiday kept nowhere).
	Next Occurrence
	// Problem says why Next could not be computed (a bad time zone, holidays that do not load).
	Problem string
}

// NextAt is when a customer living in loc receives the next occurrence: the same instant for
// everybody for a schedule in one zone, the occurrence's wall time on loc's clock for a local
// one. Zero when there is no next occurrence.
func (c CampaignInfo) NextAt(loc *time.Location) time.Time {
	if c.Next.Key == "" {
		return time.Time{}
	}
	return c.Next.instantFor(loc).In(loc)
}

// maxHolidaySearch bounds the days searched for a holiday's next occurrence.
const maxHolidaySearch = 400

// Describe lists the catalog's campaigns in their order with their kind and next occurrence
// after now, as the scheduler computes them (defaultTZ is default_timezone; nil is UTC). It is
// pure: time is a parameter and it reads nothing but the catalog, so the console and the
// report show what the scheduler will do. It builds the holiday calendar afresh (tens of
// milliseconds for a holiday campaign, most of it computing a year of holidays); a page drawn again and again uses a Describer.
func Describe(cat *delivery.Catalog, now time.Time, defaultTZ *time.Location) []CampaignInfo {
	return NewDescriber().Describe(cat, now, defaultTZ)
}

// Describer is Describe with the holiday calendar kept from one call to the next (per catalog
// generation, as the scheduler keeps it): a calendar computes a year's holidays once, and
// that is most of the cost of describing a holiday campaign (BenchmarkDescribeHoliday, on 2
// shared cores under load: 36 to 68 ms afresh, 0.6 ms with the calendar kept). Safe for
// concurrent use.
type Describer struct{ cals calendars }

// NewDescriber returns a Describer.
func NewDescriber() *Describer { return &Describer{} }

// Describe is the package's Describe on the kept calendar.
func (d *Describer) Describe(cat *delivery.Catalog, now time.Time, defaultTZ *time.Location) []CampaignInfo {
	if defaultTZ == nil {
		defaultTZ = time.UTC
	}
	var countries []string // where a holiday may be kept; computed at the first holiday campaign
	out := make([]CampaignInfo, 0, len(cat.Set.Campaigns))
	for _, camp := range cat.Set.Campaigns {
		info := CampaignInfo{ID: camp.ID, Name: camp.Name, Kind: kindOf(camp), Trigger: triggerText(camp)}
		p, ok, err := planOf(camp, defaultTZ)
		switch {
		case err != nil:
			info.Problem = err.Error()
		case !ok:
		case p.kind == kindHoliday:
			cal, err := d.cals.of(cat)
			if err != nil {
				info.Problem = err.Error()
				break
			}
			if countries == nil {
				countries = holidayCountries(cat.Set)
			}
			info.Next = nextHoliday(p, cal, countries, now)
		default:
			info.Next = p.next(now)
		}
		out = append(out, info)
	}
	return out
}

// nextHoliday returns the first occurrence after now on a day some country keeps p's holiday,
// zero when none comes within maxHolidaySearch days. It asks each country's calendar for its
// next date of the holiday and walks the occurrences from the earliest: checking every
// country on every day (holidayAnywhere) cost 8.5 ms for a holiday 364 days away.
func nextHoliday(p plan, cal *calendar.Calendar, countries []string, now time.Time) Occurrence {
	first := p.next(now)
	if first.Fire.IsZero() {
		return Occurrence{}
	}
	from := calendar.DateOf(first.Wall)
	var soonest calendar.Date
	for _, cc := range countries {
		if d, ok := cal.Next(cc, p.holiday, from); ok && (soonest == (calendar.Date{}) || d.Before(soonest)) {
			soonest = d
		}
	}
	if soonest == (calendar.Date{}) {
		return Occurrence{}
	}
	t := now
	for range maxHolidaySearch {
		o := p.next(t)
		if o.Fire.IsZero() || !o.Fire.After(t) {
			break
		}
		if day := calendar.DateOf(o.Wall); !day.Before(soonest) && keptIn(cal, countries, p.holiday, day) {
			return o
		}
		t = o.Fire
	}
	return Occurrence{}
}

func kindOf(c *config.Campaign) string {
	switch t := c.Trigger; {
	case t.Schedule != nil:
		return KindScheduled
	case t.Date != nil:
		return KindDate
	case t.Holiday != nil:
		return KindHoliday
	}
	return KindTriggered
}

func triggerText(c *config.Campaign) string {
	t := c.Trigger
	zone := func(tz string) string {
		if tz == "" {
			return " (each customer's time)"
		}
		return " (" + tz + ")"
	}
	switch {
	case t.Schedule != nil:
		if t.Schedule.Local {
			return "cron " + t.Schedule.Cron + zone("")
		}
		return "cron " + t.Schedule.Cron + zone(cmp.Or(t.Schedule.TZ, "default time zone"))
	case t.Date != nil:
		s := "date " + t.Date.Trait + " at " + t.Date.At.String()
		if t.Date.Offset != 0 {
			s += " offset " + shortDuration(t.Date.Offset)
		}
		return s + zone(t.Date.TZ)
	case t.Holiday != nil:
		return "holiday " + t.Holiday.Name + " at " + t.Holiday.At.String() + zone(t.Holiday.TZ)
	}
	s := "event " + t.Event
	if t.Delay != 0 {
		s += " after " + shortDuration(t.Delay)
	}
	return s
}

// shortDuration writes d as a marketer wrote it: "2h", "90m" as "1h30m", whole days as "3d".
func shortDuration(d config.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
