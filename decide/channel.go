package decide

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Channel names.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// reach says whether the customer can be sent a message on one channel, and why not.
type reach struct {
	channel string
	ok      bool
	// address is the normalised address when ok.
	address string
	// why is "no consent", "invalid number", ... when not ok.
	why string
	// capped is true when only the SMS frequency cap stands in the way.
	capped bool
}

// campaignChannels is the campaign's allowed channels in preference order; [email] by default.
func (d *decider) campaignChannels() []string {
	if len(d.c.Channels) == 0 {
		return []string{ChannelEmail}
	}
	return d.c.Channels
}

// channels checks the allowed channels lazily and once each: variants and the channel step
// share the answers, and parsing a phone number costs more than the rest of a decision, so
// it is not done when email is chosen first.
type channels struct {
	d     *decider
	names []string
	done  []bool
	r     []reach
}

func (d *decider) channels() *channels {
	names := d.campaignChannels()
	return &channels{d: d, names: names, done: make([]bool, len(names)), r: make([]reach, len(names))}
}

// get returns the reachability of the i-th allowed channel. Unsubscribe is checked before
// consent: a consent flag left true by an import must not outvote a later unsubscribe.
func (cs *channels) get(i int) reach {
	if cs.done[i] {
		return cs.r[i]
	}
	d, ch := cs.d, cs.names[i]
	r := reach{channel: ch}
	switch {
	case ch != ChannelEmail && ch != ChannelSMS:
		r.why = "unknown channel"
	case hasKey(d.cust.Unsubscribed, ch):
		r.why = "unsubscribed"
	case d.in.Now.Before(d.cust.PausedUntil[ch]):
		r.why = "paused until " + d.cust.PausedUntil[ch].UTC().Format(time.DateOnly)
	case !d.cust.Consent.Allows(ch):
		r.why = "no consent"
	case d.cust.Undeliverable[ch] != "":
		r.why = "undeliverable (" + truncate(d.cust.Undeliverable[ch], 60) + ")"
	default:
		r = d.address(ch)
	}
	cs.done[i], cs.r[i] = true, r
	return r
}

// any reports whether some allowed channel reaches the customer.
func (cs *channels) any() bool {
	for i := range cs.names {
		if cs.get(i).ok {
			return true
		}
	}
	return false
}

// firstFor returns the index of the first channel with content in v that reaches the
// customer, or -1.
func (cs *channels) firstFor(v *config.Variant) int {
	for i, ch := range cs.names {
		if hasContent(v, ch) && cs.get(i).ok {
			return i
		}
	}
	return -1
}

// address validates the customer's address on ch and applies the SMS cap at the send time.
func (d *decider) address(ch string) reach {
	r := reach{channel: ch}
	switch ch {
	case ChannelEmail:
		if d.cust.Email == "" {
			r.why = "no address"
			return r
		}
		addr, err := ValidEmail(d.cust.Email)
		if err != nil {
			r.why = "invalid address"
			return r
		}
		r.address = addr
	case ChannelSMS:
		if d.cust.Phone == "" {
			r.why = "no number"
			return r
		}
		region := d.cust.Country
		if region == "" {
			region = d.in.Policy.DefaultRegion
		}
		num, err := NormalizePhone(d.cust.Phone, region)
		if err != nil {
			r.why = "invalid number"
			return r
		}
		r.address = num
		if why := d.smsCapped(d.at); why != "" {
			r.why, r.capped = why, true
			return r
		}
	}
	r.ok = true
	return r
}

// hasContent reports whether the variant has a message for the channel.
func hasContent(v *config.Variant, ch string) bool {
	switch ch {
	case ChannelEmail:
		return v.Email != nil
	case ChannelSMS:
		return v.SMS != nil
	}
	return false
}

// variant is step 5: the first variant whose condition holds and that has content on a
// channel the customer is reachable on. With no reachable channel at all the decision stops
// here with SkipNoChannel and a reason per channel: no variant could help.
//
// Later issue: a bandit chooses among the variants that fit (Thompson sampling over
// conversions, seeded deterministically by customer and occurrence); the conditions here stay
// the eligibility rule.
func (d *decider) variant(chans *channels) (*config.Variant, bool) {
	if !chans.any() {
		d.noChannel(chans)
		return nil, false
	}
	for i := range d.c.Variants {
		v := &d.c.Variants[i]
		o := evaluate(v.When, d.envFor(v.When))
		what := fmt.Sprintf("variant %q: %s", v.ID, o.describe(v.When))
		if o.err != nil {
			d.stop(SkipConditionFail, what)
			return nil, false
		}
		if !o.holds {
			d.out.Reasons = append(d.out.Reasons, what)
			continue
		}
		if chans.firstFor(v) < 0 {
			d.reason("%s, but has no content for a reachable channel", what)
			continue
		}
		d.out.Reasons = append(d.out.Reasons, what)
		d.out.Variant = v
		return v, true
	}
	d.stop(SkipNoVariant, "no variant fits")
	return nil, false
}

// channel is step 6: the first allowed channel with content in v on which the customer is
// reachable. variant guarantees there is one.
func (d *decider) channel(v *config.Variant, chans *channels) bool {
	for i, ch := range chans.names {
		// Content first: no need to parse a phone number for a variant without SMS.
		if ch != ChannelEmail && ch != ChannelSMS {
			d.reason("%s: unknown channel", ch)
			continue
		}
		if !hasContent(v, ch) {
			d.reason("%s: variant %q has no %s content", ch, v.ID, ch)
			continue
		}
		r := chans.get(i)
		if !r.ok {
			d.reason("%s: %s", ch, r.why)
			continue
		}
		d.out.Channel = ch
		d.out.Address = r.address
		d.reason("channel %s: consent and valid %s %s", ch, addressWord(ch), maskAddress(ch, r.address))
		return true
	}
	// Not reached: variant only picks a variant with content on a reachable channel.
	d.out.Skip = SkipNoChannel
	return false
}

// noChannel stops with a reason per channel. When the SMS cap is all that kept a channel
// out, the skip is a frequency cap, which is what a marketer reading the metrics should see.
func (d *decider) noChannel(chans *channels) {
	capped := false
	for i := range chans.names {
		r := chans.get(i)
		d.reason("%s: %s", r.channel, r.why)
		capped = capped || r.capped
	}
	if capped {
		d.out.Skip = SkipFrequencyCap
		return
	}
	d.out.Skip = SkipNoChannel
}

func addressWord(ch string) string {
	if ch == ChannelSMS {
		return "number"
	}
	return "address"
}

func maskAddress(ch, addr string) string {
	if ch == ChannelSMS {
		return maskPhone(addr)
	}
	return maskEmail(addr)
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
