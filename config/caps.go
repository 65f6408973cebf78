package config

import (
	"fmt"
	"time"
)

// Frequency caps. rapport.yaml's limits (per_customer, sms) count every campaign's sends; a
// campaign's own limits count only its sends; both apply. A period of whole days ("7d",
// "1w") counts the customer's local calendar days, today and the days before it, in the time
// zone the customer has when the decision is made: "3/7d" is at most three messages from
// Monday to Sunday when today is Sunday, whatever the hour, which is what a marketer and a
// customer mean by "three a week". A period under a day ("2/12h") is a rolling period.
// decide/caps.go applies them.

// MaxSends is the most sends kept on a customer's profile, whatever the caps (the send log,
// customers.Options.MaxSends): a cap counts the sends of its period among them, so the count
// of a cap may not exceed it. At 200 the log takes about 1.8 kB per customer at its fullest
// (customers/sendlog.go measures it), reached only by a customer sent every day for months
// under a cap that long.
const MaxSends = 200

// Priority ranks campaigns for frequency caps: a campaign counts against its cap only the
// sends of campaigns of the same or a higher priority. A customer at their weekly cap with
// newsletters (low) still gets an order's thank-you (normal), and a password-reset-like
// notice (high) gets through however many promotions came before; but three high-priority
// sends do hold back a fourth of any priority. The zero value is normal, which is also what
// a send recorded before priorities were kept counts as.
type Priority int8

// Priorities, lowest first.
const (
	PriorityLow    Priority = -1
	PriorityNormal Priority = 0
	PriorityHigh   Priority = 1
)

// String returns high, normal or low.
func (p Priority) String() string {
	switch {
	case p > PriorityNormal:
		return "high"
	case p < PriorityNormal:
		return "low"
	}
	return "normal"
}

// MarshalText writes the priority's name, so that JSON shows "high" rather than 1.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads high, normal or low (and critical and default, their queue names).
func (p *Priority) UnmarshalText(b []byte) error {
	v, ok := priorities[string(b)]
	if !ok {
		return fmt.Errorf("priority %q is not high, normal or low", b)
	}
	*p = v
	return nil
}

// priorities maps what a campaign's priority may say to its rank. critical, default and low
// are the asynq queue names the field named first (jobs/tasks.QueueFor); high and normal are
// the words of frequency caps. Both stay valid: critical is high and default is normal.
var priorities = map[string]Priority{
	"high": PriorityHigh, "critical": PriorityHigh,
	"normal": PriorityNormal, "default": PriorityNormal,
	"low": PriorityLow,
}

// queueOf is the asynq queue of a priority word; the loader rewrites Campaign.Priority to it
// so that QueueFor, which takes the field as a queue name, needs no change.
var queueOf = map[string]string{"high": "critical", "normal": "default"}

// CapPriority is the campaign's rank under frequency caps: normal when priority is unset,
// whatever queue its trigger kind picks.
func (c *Campaign) CapPriority() Priority { return priorities[c.Priority] }

// What a campaign does with a message when a frequency cap is reached (Campaign.OnCap).
const (
	// OnCapDefer sends it at the first local time the caps allow, within the longest delay
	// allowed (decide.maxCapDeferral); later than that it is skipped. The default.
	OnCapDefer = "defer"
	// OnCapSkip drops it: a message about today (a flash sale) is worth nothing tomorrow.
	OnCapSkip = "skip"
)

// Days is the number of local calendar days the limit counts, or 0 when its period is
// under a day and rolling (or there is no cap).
func (l Limit) Days() int {
	const day = Duration(24 * time.Hour)
	if l.Period < day || l.Period%day != 0 {
		return 0
	}
	return int(l.Period / day)
}

// IsZero reports that neither limit caps anything.
func (l Limits) IsZero() bool { return l.PerCustomer.IsZero() && l.SMS.IsZero() }

// LongestCap is the longest period any cap of cfg or of the campaigns counts: how far back
// the send log must reach (customers.Options.SendHistory). It is at least a day.
func LongestCap(cfg *Config, camps []*Campaign) time.Duration {
	longest := 24 * time.Hour
	add := func(l Limits) {
		longest = max(longest, l.PerCustomer.Period.D(), l.SMS.Period.D())
	}
	if cfg != nil {
		add(cfg.Limits)
	}
	for _, c := range camps {
		add(c.Limits)
	}
	return longest
}

// checkCaps validates a campaign's priority, on_cap and limits, and rewrites a priority
// given as high or normal to its queue name (critical, default).
func checkCaps(d *doc, c *Campaign) {
	if _, ok := priorities[c.Priority]; !ok && c.Priority != "" {
		d.errorAt("priority", "%q is not high, normal or low (critical and default are also accepted: "+
			"they are high and normal, as the names of their queues)", c.Priority)
	}
	if q, ok := queueOf[c.Priority]; ok {
		c.Priority = q
	}
	switch c.OnCap {
	case "":
		c.OnCap = OnCapDefer
	case OnCapDefer, OnCapSkip:
	default:
		d.errorAt("on_cap", "%q is not skip or defer", c.OnCap)
	}
}
