package decide

import (
	"fmt"
	"slices"
	"time"

	"github.com/rapporthq/rapport/config"
)

// maxCapDeferral is how far a per-customer frequency cap may push a message back.
//
// Skip or defer? A capped message was still wanted: a thank-you or a win-back offer is as
// relevant tomorrow as today, so deferring it to when the oldest counted send leaves the
// period respects the cap without losing the message. But a message deferred for weeks has
// lost its moment (the purchase it thanks for is forgotten, the sale it announces is over),
// and the worker would hold a task that long in asynq's scheduled set. Seven days keeps the
// message timely and covers the common caps (per day, per week); beyond that it is skipped
// with SkipFrequencyCap.
const maxCapDeferral = 7 * 24 * time.Hour

// localFormat prints local wall-clock times in reasons.
const localFormat = "2006-01-02 15:04 MST"

// capRelease applies a frequency cap at t: sends (of channel, or of every channel when
// channel is "") with At in (t-Period, t] are counted. It returns t when there is room, else
// the first instant at which enough of them have left the period, and how many were counted.
// ok is false when the cap allows nothing at all (a count of 0).
func capRelease(sends []Send, channel string, lim config.Limit, t time.Time) (release time.Time, counted int, ok bool) {
	if lim.IsZero() {
		return t, 0, true
	}
	period := lim.Period.D()
	var at []time.Time
	for _, s := range sends {
		if channel != "" && s.Channel != channel {
			continue
		}
		if s.At.After(t.Add(-period)) && !s.At.After(t) {
			at = append(at, s.At)
		}
	}
	if len(at) < lim.Count {
		return t, len(at), true
	}
	if lim.Count <= 0 {
		return time.Time{}, len(at), false
	}
	// With k sends counted and room for Count, the (k-Count+1)-th oldest must leave the
	// period; it leaves exactly Period after it was sent (the period is open at its start).
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at[len(at)-lim.Count].Add(period), len(at), true
}

// frequency applies the per-customer cap across campaigns at d.start, deferring the start
// (at most maxCapDeferral) or skipping.
func (d *decider) frequency() bool {
	lim := d.in.Policy.PerCustomer
	if lim.IsZero() {
		return true
	}
	release, n, ok := capRelease(d.cust.Sends, "", lim, d.start)
	switch {
	case !ok:
		return d.stop(SkipFrequencyCap, fmt.Sprintf("frequency cap %s allows no message", lim))
	case release.Equal(d.start):
		d.reason("frequency cap %s: %d sent in the period, room for more", lim, n)
		return true
	case release.Sub(d.start) > maxCapDeferral:
		return d.stop(SkipFrequencyCap, fmt.Sprintf("frequency cap %s: %d sent in the period, room again at %s, more than %s away: skipped",
			lim, n, release.UTC().Format(time.RFC3339), config.Duration(maxCapDeferral)))
	}
	d.reason("frequency cap %s: %d sent in the period, deferred to %s when a send leaves it",
		lim, n, release.UTC().Format(time.RFC3339))
	d.start = release
	return true
}

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
