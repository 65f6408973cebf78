package decide

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
)

// localFormat prints local wall-clock times in reasons.
const localFormat = "2006-01-02 15:04 MST"

// schedule computes the send time from d.start: in the customer's time zone, a time outside
// the sending window moves to the window's next opening. Its reasons are kept for the send
// time step, which comes last in the reasons; the time itself is needed earlier, since the
// SMS cap is checked at the moment the message would leave.
func (d *decider) schedule() {
	w := d.in.Policy.Window
	if d.c.Window != nil {
		w = *d.c.Window
	}
	local := d.start.In(d.loc)
	at := nextOpening(w, local)
	start := d.open()
	switch {
	case w.IsZero():
		d.str("no sending window: any time")
	case at.Equal(local):
		d.str("window ")
		d.window(w)
		d.str(": ")
		d.clock(local, localFormat)
		d.str(" is inside")
	default:
		d.str("window ")
		d.window(w)
		d.str(": ")
		d.clock(local, localFormat)
		d.str(" is outside, deferred to its next opening ")
		d.clock(at, localFormat)
	}
	d.close(start, true)
	switch d.c.SendTime {
	case config.SendTimeOptimize:
		at = d.optimize(w, at)
	case "", config.SendTimeExact:
	default:
		d.lateReason("send_time %q unknown: exact", d.c.SendTime)
	}
	d.at = at.UTC()
	start = d.open()
	d.str("send at ")
	d.clock(d.at, time.RFC3339)
	d.close(start, true)
}

// nextOpening is config.Window.Next with spring-forward gaps handled the same way in every
// zone: an opening whose wall-clock time does not exist that day comes the gap's length later
// (02:30 becomes 03:30). Window.Next relies on time.Date, which resolves a gap time forward
// east of UTC (Berlin: 03:30 CEST) but backward west of it (Los Angeles: 01:30 PST, before
// the window and in the middle of the night).
func nextOpening(w config.Window, t time.Time) time.Time {
	if w.Contains(t) {
		return t
	}
	y, mo, d := t.Date()
	open := wallClock(y, mo, d, w.Start, t.Location())
	if !open.After(t) {
		open = wallClock(y, mo, d+1, w.Start, t.Location())
	}
	return open
}

// wallClock is tod on the date in loc. In a spring-forward gap it keeps the offset in effect
// before the gap, which lands the gap's length after the wall time asked for.
func wallClock(y int, mo time.Month, d int, tod config.TimeOfDay, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, tod.Hour(), tod.Minute(), 0, 0, loc)
	if t.Hour() == tod.Hour() && t.Minute() == tod.Minute() {
		return t
	}
	// No gap lasts 12 hours, so half a day earlier is before it.
	_, before := t.Add(-12 * time.Hour).Zone()
	naive := time.Date(y, mo, d, tod.Hour(), tod.Minute(), 0, 0, time.UTC)
	return naive.Add(-time.Duration(before) * time.Second).In(loc)
}

// startTime is when the campaign wants the message, but never in the past: a late task (a
// retry, a catch-up) sends now rather than pretending to send when it was due.
func startTime(due, now time.Time) (time.Time, string) {
	switch {
	case due.IsZero():
		return now, "no due time: from now " + now.UTC().Format(time.RFC3339)
	case due.Before(now):
		return now, fmt.Sprintf("due %s has passed: from now %s", due.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return due, "due " + due.UTC().Format(time.RFC3339)
}
