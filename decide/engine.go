package decide

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Decide makes the decision for one customer and one campaign occurrence. It never panics and
// never reads the clock: the same Input gives the same Decision. Each step adds reasons; the
// first that fails sets Skip:
//
//  1. trigger where (SkipWhere);
//  2. segment (SkipSegment), audience where (SkipAudience);
//  3. repeat rule (SkipRepeat), per-customer frequency caps (caps.go: by on_cap, defer up
//     to 7 days after due, else SkipFrequencyCap);
//  4. holdout draw (SkipHoldout, see Decision.Holdout: the later steps still run);
//  5. variant: among those whose condition holds with content on a channel the customer is
//     reachable on, the campaign's select: the first, a weighted draw, or Thompson sampling
//     over Input.Variants with a floor of exploration (SkipNoVariant; variant.go, learn.go);
//  6. channel: among those allowed, with content, consent, a valid address and room under
//     the SMS cap, the first (channel_select: order) or the preferred, most engaging, then
//     cheapest (best; channel_best.go); the others open to the customer are the Fallback
//     (SkipNoChannel; SkipFrequencyCap when only an sms cap stood in the way; an SMS-only
//     campaign meets its sms caps at step 3 instead);
//  7. reward: see chooseReward (no reward is fine);
//  8. send time: due (not before now), deferred by the cap, moved into the sending window;
//     under send_time: optimize, the customer's best local hour within the window and the
//     horizon (optimize.go).
//
// A condition that fails at runtime stops the decision with SkipConditionFail: sending the
// next variant, or no reward, to a customer a broken condition was meant to catch is a silent
// wrong message. A nil Campaign or Customer gives SkipInvalidInput.
//
// The signature stays as the engine grows: what learning needs (variant stats, the base's
// engagement and hours) arrives in Input, read by the caller, so the same Input still gives
// the same Decision and the variant draw, seeded by (campaign, customer, occurrence), is the
// same in preview, simulate, the send and its retry.
func Decide(in Input) Decision {
	if in.Campaign == nil || in.Customer == nil {
		return Decision{Skip: SkipInvalidInput, Reasons: []string{"no campaign or no customer"}}
	}
	d := newDecider(in)
	d.run()
	return d.finish()
}

// decider carries one decision through its steps.
type decider struct {
	in   Input
	c    *config.Campaign
	cust *Customer
	// env is Env of the input, built on the first condition that needs it: a campaign
	// without conditions (a greeting to everybody) never pays for it.
	env map[string]any
	loc *time.Location
	// start is when sending may begin (due, not before now, after the per-customer cap);
	// at the final send time in UTC.
	start, at time.Time
	// timeReasons are the send-time reasons of steps that append them directly; the log
	// takes them in (reasons.go).
	timeReasons []string
	// capDeferred is 1 + the index of the reason of a deferral by a cap, 0 when none.
	capDeferred int
	out         Decision
	log         reasonLog
	logBuf      [reasonBuf]byte
	logSegs     [reasonSegs]segment
	// chans and its arrays, and fallbacks, hold what a decision needs in the decider's own
	// allocation (two channels at most once loaded).
	chans     channels
	chanDone  [2]bool
	chanReach [2]reach
	fallbacks [2]string
}

func newDecider(in Input) *decider {
	d := &decider{in: in, c: in.Campaign, cust: in.Customer}
	d.log.buf, d.log.segs = d.logBuf[:0], d.logSegs[:0]
	loc, own := location(in.Customer, in.Policy.DefaultTimezone)
	d.loc = loc
	d.out.Location = loc
	d.out.Locale = in.Customer.Locale
	if d.out.Locale == "" {
		d.out.Locale = in.Policy.DefaultLocale
	}
	if !own && in.Customer.Timezone != "" {
		d.reason("time zone %q unknown: using %s", truncate(in.Customer.Timezone, 40), loc)
	}
	start, why := startTime(in.Due, in.Now)
	d.start = start
	d.log.add(why, true)
	return d
}

func (d *decider) run() {
	if !d.where() || !d.audience() || !d.repeat() || !d.frequency() {
		return
	}
	d.holdout()
	d.schedule()
	d.settleCapDeferral()
	chans := d.channels()
	v, ok := d.variant(chans)
	if !ok {
		return
	}
	if !d.channel(v, chans) {
		return
	}
	if !d.reward() {
		return
	}
	d.out.SendAt = d.at
	d.log.withLate = true
}

// finish settles Eligible and Skip and masks addresses out of the reasons.
func (d *decider) finish() Decision {
	if d.out.Skip == SkipNone && d.out.Holdout {
		d.out.Skip = SkipHoldout
	}
	d.out.Eligible = d.out.Skip == SkipNone
	d.out.Reasons = d.reasons()
	return d.out
}

// envFor returns the condition environment when cond needs one, building it once.
func (d *decider) envFor(cond *config.Condition) map[string]any {
	if cond == nil {
		return nil
	}
	if d.env == nil {
		d.env = d.neededEnv()
	}
	return d.env
}

func (d *decider) reason(format string, args ...any) {
	start := d.open()
	d.log.buf = fmt.Appendf(d.log.buf, format, args...)
	d.close(start, false)
}

// say adds a reason written in full.
func (d *decider) say(reason string) {
	d.absorb()
	d.log.add(reason, false)
}

// stop records a skip with its reason and returns false, so steps end with `return d.stop(...)`.
func (d *decider) stop(skip SkipReason, reason string) bool {
	d.out.Skip = skip
	d.say(reason)
	return false
}

// check evaluates one condition for step `what`: it adds the reason, and stops with skip
// when the condition does not hold, or with SkipConditionFail when it errs.
func (d *decider) check(what string, cond *config.Condition, skip SkipReason) bool {
	if cond == nil {
		return true
	}
	o := evaluate(cond, d.envFor(cond))
	start := d.open()
	d.str(what)
	d.str(" ")
	d.log.buf = o.appendDescribe(d.log.buf, cond)
	d.close(start, false)
	switch {
	case o.err != nil:
		d.out.Skip = SkipConditionFail
		return false
	case !o.holds:
		d.out.Skip = skip
		return false
	}
	return true
}

// where is step 1: the trigger's condition over the event and the customer.
func (d *decider) where() bool {
	return d.check("trigger where", d.c.Trigger.Where, SkipWhere)
}

// audience is step 2. A campaign naming a segment the caller did not resolve is skipped:
// sending to everyone because a segment file went missing is the worse failure.
func (d *decider) audience() bool {
	seg := d.in.Segment
	if seg == nil && d.c.Audience.Segment != "" {
		return d.stop(SkipSegment, fmt.Sprintf("segment %q not resolved", d.c.Audience.Segment))
	}
	if seg != nil && !d.check(fmt.Sprintf("segment %q:", seg.ID), seg.Where, SkipSegment) {
		return false
	}
	return d.check("audience where", d.c.Audience.Where, SkipAudience)
}

// repeat is step 3's re-entry rule, read from the customer's recorded sends. The worker's
// Redis claim is the authoritative guard; this makes previews and simulations honest.
func (d *decider) repeat() bool {
	due := d.in.Due
	if due.IsZero() {
		due = d.in.Now
	}
	r := d.c.Repeat
	for _, s := range d.cust.Sends {
		if s.Campaign != d.c.ID {
			continue
		}
		when := s.At.In(d.loc).Format(localFormat)
		switch r.Kind {
		case config.RepeatOnce:
			return d.stop(SkipRepeat, fmt.Sprintf("repeat once: already sent at %s", when))
		case config.RepeatEvery:
			// Within Every on either side of due: a send after due is a retry or a concurrent
			// occurrence, and counts as much as one before.
			if gap := absDuration(due.Sub(s.At)); gap < r.Every.D() {
				return d.stop(SkipRepeat, fmt.Sprintf("repeat %s: sent at %s, less than %s from due", r, when, r.Every))
			}
		case config.RepeatYearly:
			if s.At.In(d.loc).Year() == due.In(d.loc).Year() {
				return d.stop(SkipRepeat, fmt.Sprintf("repeat yearly: already sent at %s, in %d", when, due.In(d.loc).Year()))
			}
		}
		if d.in.Occurrence != "" && s.Occurrence == d.in.Occurrence {
			return d.stop(SkipRepeat, fmt.Sprintf("occurrence %q already sent at %s", truncate(d.in.Occurrence, 60), when))
		}
	}
	start := d.open()
	d.str("repeat ")
	d.str(r.String())
	d.str(": no earlier send in the way")
	d.close(start, false)
	return true
}

// holdout is step 4. A customer in the control group is not sent, but the remaining steps
// still choose a variant, channel, reward and time, so reports compare like with like.
func (d *decider) holdout() {
	if g := d.in.Policy.ControlGroup; g > 0 && !d.c.Transactional && InControlGroup(d.cust.ID, g) {
		d.out.Holdout = true
		d.reason("global control group (%s of customers): no marketing, not sent; deciding the rest for comparison", config.Percent(g))
		return
	}
	share := float64(d.c.Holdout)
	if share <= 0 {
		return
	}
	if InHoldout(d.c.ID, d.cust.ID, share) {
		d.out.Holdout = true
		d.reason("holdout %s: in the control group, not sent; deciding the rest for comparison", d.c.Holdout)
		return
	}
	d.reason("holdout %s: not in the control group", d.c.Holdout)
}

func absDuration(x time.Duration) time.Duration {
	if x < 0 {
		return -x
	}
	return x
}

// truncate shortens text from outside (timezone traits, occurrence ids) for reasons.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
