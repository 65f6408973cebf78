package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/rapporthq/rapport/config"
)

// Time zones span UTC-12 to UTC+14: a wall-clock time is first reached 14 hours before it is
// reached in UTC, and last reached 12 hours after.
const (
	earliestOffset = 14 * time.Hour
	latestOffset   = 12 * time.Hour
)

// fanoutLead is how long before the first customer's instant a fan-out (or a fan-out pass)
// starts, so that batches are in asynq before their time comes: paging a million profiles
// takes tens of seconds.
const fanoutLead = 5 * time.Minute

// Occurrence is one firing of a scheduled campaign.
//
// A schedule in one time zone fires at one instant for everybody (Local false). A local
// schedule, a date trigger and a holiday trigger fire at a wall-clock time that each customer
// reaches at their own instant (Local true): the occurrence is the wall-clock time itself, and
// its fan-out starts when the first time zone (UTC+14) reaches it.
type Occurrence struct {
	// Key identifies the occurrence in task ids, claims and run progress: the UTC instant
	// "2027-03-21T09:00Z", a local wall time "2027-03-21T10:00", or, for date and holiday
	// triggers (one occurrence per local date), the local date "2027-03-21".
	Key string `json:"k"`
	// Local is true when each customer reaches the occurrence at their own instant.
	Local bool `json:"l,omitempty"`
	// At is the instant of a non-local occurrence (UTC).
	At time.Time `json:"a,omitzero"`
	// Wall is the wall-clock time of a local occurrence, written as a UTC time.
	Wall time.Time `json:"w,omitzero"`
	// Fire is when the fan-out starts: fanoutLead before At, or before UTC+14 reaches Wall.
	Fire time.Time `json:"f"`
	// Last is when the last customer's instant comes: At, or when UTC-12 reaches Wall.
	Last time.Time `json:"z"`
}

// plan is a campaign's trigger made ready to compute occurrences.
type plan struct {
	kind  string // schedule, local, date, holiday
	sched cron.Schedule
	loc   *time.Location // non-local schedules
	at    config.TimeOfDay
	// trait and offset (whole days) of a date trigger; holiday the holiday id.
	trait   string
	offset  int
	holiday string
}

// Plan kinds.
const (
	kindSchedule = "schedule"
	kindLocal    = "local"
	kindDate     = "date"
	kindHoliday  = "holiday"
)

// planOf reads a scheduled campaign's trigger; ok is false for a triggered campaign.
func planOf(c *config.Campaign, defaultTZ *time.Location) (p plan, ok bool, err error) {
	t := c.Trigger
	switch {
	case t.Schedule != nil:
		s, err := config.ParseCron(t.Schedule.Cron)
		if err != nil {
			return plan{}, false, fmt.Errorf("campaign %s: %w", c.ID, err)
		}
		if t.Schedule.Local {
			return plan{kind: kindLocal, sched: s}, true, nil
		}
		loc := defaultTZ
		if t.Schedule.TZ != "" {
			if loc, err = time.LoadLocation(t.Schedule.TZ); err != nil {
				return plan{}, false, fmt.Errorf("campaign %s: schedule tz: %w", c.ID, err)
			}
		}
		if loc == nil {
			loc = time.UTC
		}
		return plan{kind: kindSchedule, sched: s, loc: loc}, true, nil
	case t.Date != nil:
		loc, err := fixedZone(c, "date", t.Date.TZ)
		if err != nil {
			return plan{}, false, err
		}
		return plan{kind: kindDate, at: t.Date.At, trait: t.Date.Trait, offset: int(t.Date.Offset.D() / (24 * time.Hour)), loc: loc}, true, nil
	case t.Holiday != nil:
		loc, err := fixedZone(c, "holiday", t.Holiday.TZ)
		if err != nil {
			return plan{}, false, err
		}
		return plan{kind: kindHoliday, at: t.Holiday.At, holiday: t.Holiday.Name, loc: loc}, true, nil
	}
	return plan{}, false, nil
}

// fixedZone loads the tz of a date or holiday trigger: nil (each customer's own clock) when
// it is not set.
func fixedZone(c *config.Campaign, key, tz string) (*time.Location, error) {
	if tz == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %s tz: %w", c.ID, key, err)
	}
	return loc, nil
}

// next returns the first occurrence whose Fire is after t. For local occurrences t is moved
// to the wall clock of the earliest zone, where the wall times are enumerated.
func (p plan) next(t time.Time) Occurrence {
	switch p.kind {
	case kindSchedule:
		return instantOccurrence(nextInstant(p.sched, t.Add(fanoutLead).In(p.loc)))
	case kindLocal:
		// Wall clock times are computed on a UTC clock, so that no zone's DST changes skip or
		// repeat one: a customer in Berlin gets 10:00 on the day of the change like any other.
		return wallOccurrence(nextInstant(p.sched, t.UTC().Add(earliestOffset+fanoutLead)), false)
	}
	if p.loc != nil {
		// A date or holiday trigger with tz: one instant for everybody, the trigger's time on
		// the date as tz reads it. Wall keeps that date, which customers' dates are matched on.
		w := t.Add(fanoutLead).In(p.loc)
		at := p.at.On(w.Year(), w.Month(), w.Day(), p.loc)
		if !at.After(w) {
			next := time.Date(w.Year(), w.Month(), w.Day()+1, 12, 0, 0, 0, p.loc)
			at = p.at.On(next.Year(), next.Month(), next.Day(), p.loc)
		}
		y, m, d := at.In(p.loc).Date()
		wall := time.Date(y, m, d, p.at.Hour(), p.at.Minute(), 0, 0, time.UTC)
		return Occurrence{Key: wall.Format("2006-01-02"), At: at.UTC(), Wall: wall, Fire: at.UTC().Add(-fanoutLead), Last: at.UTC()}
	}
	// Date and holiday triggers: one occurrence per local date, at the trigger's time.
	w := t.UTC().Add(earliestOffset + fanoutLead)
	wall := time.Date(w.Year(), w.Month(), w.Day(), p.at.Hour(), p.at.Minute(), 0, 0, time.UTC)
	if !wall.After(w) {
		wall = wall.AddDate(0, 0, 1)
	}
	return wallOccurrence(wall, true)
}

// nextInstant is cron's Next, except that "@every D" counts from the Unix epoch rather than
// from t, so that every scheduler agrees on the instants (and so on the occurrence keys)
// whenever it starts.
func nextInstant(s cron.Schedule, t time.Time) time.Time {
	if d, ok := s.(cron.ConstantDelaySchedule); ok && d.Delay > 0 {
		n := t.Unix()/int64(d.Delay/time.Second) + 1
		return time.Unix(n*int64(d.Delay/time.Second), 0).In(t.Location())
	}
	return s.Next(t)
}

func instantOccurrence(at time.Time) Occurrence {
	at = at.UTC()
	return Occurrence{Key: at.Format("2006-01-02T15:04Z"), At: at, Fire: at.Add(-fanoutLead), Last: at}
}

func wallOccurrence(wall time.Time, daily bool) Occurrence {
	key := wall.Format("2006-01-02T15:04")
	if daily {
		key = wall.Format("2006-01-02")
	}
	return Occurrence{Key: key, Local: true, Wall: wall, Fire: wall.Add(-earliestOffset - fanoutLead), Last: wall.Add(latestOffset)}
}

// maxOccurrencesPerTick bounds the catch-up of one tick: "@every 1s" after a day down
// would otherwise enqueue 86,400 fan-outs in one go. The rest follow on later ticks.
const maxOccurrencesPerTick = 100

// between returns the occurrences whose Fire is in (from, to], oldest first, at most
// maxOccurrencesPerTick.
func (p plan) between(from, to time.Time) []Occurrence {
	var out []Occurrence
	for t := from; len(out) < maxOccurrencesPerTick; {
		o := p.next(t)
		if o.Fire.IsZero() || o.Fire.After(to) || !o.Fire.After(t) {
			break
		}
		out = append(out, o)
		t = o.Fire
	}
	return out
}

// instantFor is when a customer living in loc reaches a local occurrence: its wall time on
// its date in loc, a time that does not exist that day (a spring-forward gap) coming as late
// as the gap is long (config.TimeOfDay.On).
func (o Occurrence) instantFor(loc *time.Location) time.Time {
	if !o.Local {
		return o.At
	}
	tod := config.TimeOfDay{Minutes: o.Wall.Hour()*60 + o.Wall.Minute(), Set: true}
	return tod.On(o.Wall.Year(), o.Wall.Month(), o.Wall.Day(), loc).Add(time.Duration(o.Wall.Second()) * time.Second).UTC()
}

// WallTime is the occurrence's time as its customers read it on their own clocks (local
// occurrences), or its instant in UTC.
func (o Occurrence) WallTime() (t time.Time, local bool) {
	if o.Local {
		return o.Wall, true
	}
	return o.At, false
}
