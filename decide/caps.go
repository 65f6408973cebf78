package decide

import (
	"slices"
	"strconv"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Frequency caps (config/caps.go says what a marketer writes). Four caps may apply to one
// message: rapport.yaml's per_customer and sms, which count the sends of every campaign of
// the same or a higher priority than this one, and the campaign's own per_customer and sms,
// which count only its sends. per_customer caps are applied at the start time (step 3: a
// message at its cap waits or is skipped, by the campaign's on_cap); sms caps when the
// channel is chosen, at the send time (a capped SMS falls back to another channel, else the
// message is skipped with SkipFrequencyCap), except for a campaign whose only channel is
// SMS, which they hold back at step 3 like per_customer caps.
//
// A cap of whole days counts local calendar days in the customer's time zone at the time of
// the decision, read from each send's instant: a customer who moved from Berlin to New York
// has their sends counted on New York's days. A cap under a day is a rolling period.

// maxCapDeferral is how far a frequency cap may push a message back from when it was due.
//
// Skip or defer? A capped message was still wanted: a thank-you or a win-back offer is as
// relevant tomorrow as today, so deferring it to when the cap has room respects the cap
// without losing the message. But a message deferred for weeks has lost its moment (the
// purchase it thanks for is forgotten, the sale it announces is over), and the worker would
// hold a task that long in asynq's scheduled set. Seven days keeps the message timely and
// covers the common caps (per day, per week); beyond that it is skipped with
// SkipFrequencyCap. It is counted from the due time, not from the decision, so that a
// message deferred again at each try cannot wander further.
// A campaign's max_delay, when set, bounds it instead (capDeferralOf).
const maxCapDeferral = 7 * 24 * time.Hour

// capDayFormat and capTimeFormat print the first day counted and a deferral in cap reasons.
const (
	capDayFormat  = "Mon 2006-01-02"
	capTimeFormat = "Mon 2006-01-02 15:04 MST"
)

// capRule is one cap as a decision applies it.
type capRule struct {
	what string // "cap" or "campaign cap"
	lim  config.Limit
	// channel restricts the sends counted to one channel; "" counts every channel.
	channel string
	// campaign restricts the sends counted to one campaign's; "" counts every campaign's
	// of priority min or above.
	campaign string
	min      config.Priority
}

// capCount is a cap applied at one instant.
type capCount struct {
	counted int
	// lower counts the sends of the period left out for their lower priority.
	lower int
	// since is the start of the period: local midnight of its first day, or t-period.
	since time.Time
	// release is t when there is room, else the first instant with room; zero when the cap
	// allows nothing at all (a count of 0).
	release time.Time
}

// apply counts the sends of the rule's period at t in loc and finds when there is room.
func (r capRule) apply(sends []Send, t time.Time, loc *time.Location) capCount {
	var out capCount
	days := r.lim.Days()
	if days > 0 {
		y, m, d := t.In(loc).Date()
		out.since = time.Date(y, m, d-(days-1), 0, 0, 0, 0, loc)
	} else {
		out.since = t.Add(-r.lim.Period.D())
	}
	// A send recorded later than t (a worker's clock ahead of this one's) has happened all
	// the same: it is counted, and the release waits for it to leave the period too.
	//
	// Room for a few sends on the stack: a weekly cap counts 3, a long one 30.
	var buf [32]time.Time
	at := buf[:0]
	for _, s := range sends {
		switch {
		case r.channel != "" && s.Channel != r.channel,
			r.campaign != "" && s.Campaign != r.campaign,
			s.At.Before(out.since),
			days == 0 && s.At.Equal(out.since): // a rolling period is open at its start
			continue
		case r.campaign == "" && s.Priority < r.min:
			out.lower++
			continue
		}
		at = append(at, s.At)
	}
	out.counted = len(at)
	if len(at) < r.lim.Count {
		out.release = t
		return out
	}
	if r.lim.Count <= 0 {
		return out
	}
	// With k sends counted and room for Count, the Count-th newest must leave the period:
	// with calendar days at the first midnight after its day has left the last `days` days,
	// with a rolling period exactly Period after it was sent.
	slices.SortFunc(at, func(a, b time.Time) int { return b.Compare(a) })
	leaving := at[r.lim.Count-1]
	if days > 0 {
		y, m, d := leaving.In(loc).Date()
		out.release = time.Date(y, m, d+days, 0, 0, 0, 0, loc)
	} else {
		out.release = leaving.Add(r.lim.Period.D())
	}
	return out
}

// reason writes the cap and its count: "cap 3/7d (local days, Europe/Berlin): 3 sent since
// Mon 2026-11-30". It builds the string with appends: at one Sprintf per argument boxed, the
// reasons of a capped decision were a third of its allocations.
func (r capRule) reason(n capCount, loc *time.Location, tail string) string {
	var buf [160]byte
	b := append(buf[:0], r.what...)
	b = append(b, ' ')
	b = appendLimit(b, r.lim)
	if r.lim.Days() > 0 {
		b = append(b, " (local days, "...)
		b = append(b, loc.String()...)
		b = append(b, ')')
	} else {
		b = append(b, " (rolling)"...)
	}
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(n.counted), 10)
	if r.campaign != "" {
		b = append(b, " of this campaign's"...)
	}
	b = append(b, " sent since "...)
	if r.lim.Days() > 0 {
		b = n.since.In(loc).AppendFormat(b, capDayFormat)
	} else {
		b = n.since.In(loc).AppendFormat(b, capTimeFormat)
	}
	if n.lower > 0 {
		b = append(b, " at priority "...)
		b = append(b, r.min.String()...)
		b = append(b, " or above ("...)
		b = strconv.AppendInt(b, int64(n.lower), 10)
		b = append(b, " of lower priority not counted)"...)
	}
	b = append(b, tail...)
	return string(b)
}

// appendLimit writes "3/7d" or "2/12h0m0s" as config.Limit.String does, without fmt.
func appendLimit(b []byte, l config.Limit) []byte {
	b = strconv.AppendInt(b, int64(l.Count), 10)
	b = append(b, '/')
	if days := l.Days(); days > 0 {
		return append(strconv.AppendInt(b, int64(days), 10), 'd')
	}
	return append(b, l.Period.String()...)
}

// capRules appends the per_customer (channel "") or sms rules of the decision, global
// first; what names them in reasons ("cap", or "sms cap" outside the channel's own reasons).
func (d *decider) capRules(channel, what string, out []capRule) []capRule {
	global, own := d.in.Policy.PerCustomer, d.c.Limits.PerCustomer
	if channel != "" {
		global, own = d.in.Policy.SMS, d.c.Limits.SMS
	}
	if !global.IsZero() {
		out = append(out, capRule{what: what, lim: global, channel: channel, min: d.c.CapPriority()})
	}
	if !own.IsZero() {
		out = append(out, capRule{what: "campaign " + what, lim: own, channel: channel, campaign: d.c.ID})
	}
	return out
}

// smsOnly reports a campaign that can reach a customer only by SMS: its sms caps hold the
// message back as a whole, so they defer or skip it at step 3 as per_customer caps do,
// rather than leave it without a channel.
func smsOnly(c *config.Campaign) bool {
	return len(c.Channels) == 1 && c.Channels[0] == ChannelSMS
}

// frequency is step 3's per-customer caps (and an SMS-only campaign's sms caps) at d.start:
// with room the message goes on; at a cap it is skipped (on_cap: skip, a cap of 0, or room
// only after maxCapDeferral from due) or its start moves to the first local time every cap
// has room, which schedule then moves into the window (settleCapDeferral completes the
// reason with the time that comes out).
func (d *decider) frequency() bool {
	var rulesAt [4]capRule
	rules := d.capRules("", "cap", rulesAt[:0])
	if smsOnly(d.c) {
		rules = d.capRules(ChannelSMS, "sms cap", rules)
	}
	var counts [4]capCount
	var blockingAt [4]int
	blocking := blockingAt[:0]
	release := d.start
	for i, r := range rules {
		n := r.apply(d.cust.Sends, d.start, d.loc)
		counts[i] = n
		switch {
		case n.release.IsZero():
			return d.stop(SkipFrequencyCap, r.reason(n, d.loc, ": allows no message"))
		case n.release.After(d.start):
			blocking = append(blocking, i)
			release = later(release, n.release)
		default:
			d.out.Reasons = append(d.out.Reasons, r.reason(n, d.loc, ", room for more"))
		}
	}
	if len(blocking) == 0 {
		return true
	}
	anchor := d.in.Due
	if anchor.IsZero() {
		anchor = d.in.Now
	}
	for k, i := range blocking {
		r, n := rules[i], counts[i]
		if k < len(blocking)-1 {
			d.out.Reasons = append(d.out.Reasons, r.reason(n, d.loc, ", at the cap"))
			continue
		}
		switch {
		case d.c.OnCap == config.OnCapSkip:
			return d.stop(SkipFrequencyCap, r.reason(n, d.loc, ", at the cap: skipped (on_cap: skip)"))
		case release.Sub(anchor) > capDeferralOf(d.c):
			return d.stop(SkipFrequencyCap, r.reason(n, d.loc, ", room again "+release.In(d.loc).Format(capTimeFormat)+
				", more than "+config.Duration(capDeferralOf(d.c)).String()+" after due: skipped"))
		}
		d.absorb()
		d.log.add(r.reason(n, d.loc, ", deferred"), false)
		d.capDeferred = len(d.log.segs)
	}
	d.start = release
	return true
}

// settleCapDeferral completes the reason of a deferral by a cap with the send time that
// came out of it once the window (and send-time optimisation) moved it.
func (d *decider) settleCapDeferral() {
	if d.capDeferred == 0 {
		return
	}
	// The reason is in the log already, followed by others: its text is written again, with
	// the time, at the end of the buffer, and its segment moved there (segments need not be
	// in buffer order).
	seg := &d.log.segs[d.capDeferred-1]
	start := len(d.log.buf)
	d.log.buf = append(d.log.buf, d.log.buf[seg.start:seg.end]...)
	d.log.buf = append(d.log.buf, " to "...)
	d.log.buf = d.at.In(d.loc).AppendFormat(d.log.buf, capTimeFormat)
	seg.start, seg.end = start, len(d.log.buf)
}

// smsCapped applies the sms caps at t (the send time): it returns "" when there is room,
// else the reason the channel is out.
func (d *decider) smsCapped(t time.Time) string {
	var rules [2]capRule
	for _, r := range d.capRules(ChannelSMS, "cap", rules[:0]) {
		n := r.apply(d.cust.Sends, t, d.loc)
		switch {
		case n.release.IsZero():
			return r.reason(n, d.loc, ": allows no message")
		case n.release.After(t):
			return r.reason(n, d.loc, ", reached")
		}
	}
	return ""
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// capDeferralOf is how far a cap may defer a message of c: its max_delay when set, else
// maxCapDeferral.
func capDeferralOf(c *config.Campaign) time.Duration {
	if c.MaxDelay > 0 {
		return c.MaxDelay.D()
	}
	return maxCapDeferral
}
