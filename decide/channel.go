package decide

import (
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
	cs := &d.chans
	*cs = channels{d: d, names: names, done: d.chanDone[:0], r: d.chanReach[:0]}
	if len(names) > len(d.chanDone) {
		cs.done, cs.r = make([]bool, 0, len(names)), make([]reach, 0, len(names))
	}
	cs.done, cs.r = cs.done[:len(names)], cs.r[:len(names)]
	return cs
}

// addFallback appends to Decision.Fallback, in the decider's own array while it fits.
func (d *decider) addFallback(ch string) {
	if d.out.Fallback == nil {
		d.out.Fallback = d.fallbacks[:0]
	}
	d.out.Fallback = append(d.out.Fallback, ch)
}

// get returns the reachability of the i-th allowed channel. Unsubscribe is checked before
// consent: a consent flag left true by an import must not outvote a later unsubscribe.
func (cs *channels) get(i int) reach {
	if cs.done[i] {
		return cs.r[i]
	}
	r := reach{channel: cs.names[i]}
	if r.why = cs.blocked(i); r.why == "" {
		r = cs.d.address(r.channel)
	}
	cs.done[i], cs.r[i] = true, r
	return r
}

// blocked is the cheap part of get, without the address check: why the i-th channel is
// closed to the customer (unknown, unsubscribed, paused, no consent, undeliverable), or "".
func (cs *channels) blocked(i int) string {
	if cs.done[i] && !cs.r[i].ok {
		return cs.r[i].why
	}
	d, ch := cs.d, cs.names[i]
	switch {
	case ch != ChannelEmail && ch != ChannelSMS:
		return "unknown channel"
	case hasKey(d.cust.Unsubscribed, ch):
		return "unsubscribed"
	case d.in.Now.Before(d.cust.PausedUntil[ch]):
		return "paused until " + d.cust.PausedUntil[ch].UTC().Format(time.DateOnly)
	case !d.cust.Consent.Allows(ch):
		return "no consent"
	case d.cust.Undeliverable[ch] != "":
		return "undeliverable (" + truncate(d.cust.Undeliverable[ch], 60) + ")"
	case ch == ChannelEmail && d.cust.Email == "":
		return "no address"
	case ch == ChannelSMS && d.cust.Phone == "":
		return "no number"
	}
	return ""
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
		addr, err := ValidEmail(d.cust.Email)
		if err != nil {
			r.why = "invalid address"
			return r
		}
		r.address = addr
	case ChannelSMS:
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

// channel is step 6: under channel_select: order (and for a campaign built without the
// loader, which leaves it empty) the first allowed channel with content in v on which the
// customer is reachable; under best, see bestChannel. variant guarantees there is one.
func (d *decider) channel(v *config.Variant, chans *channels) bool {
	if d.c.ChannelSelect == config.ChannelSelectBest && len(chans.names) > 1 {
		return d.bestChannel(v, chans)
	}
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
		d.take(r)
		d.fallback(v, chans, chans.names[i+1:], i+1)
		return true
	}
	// Not reached: variant only picks a variant with content on a reachable channel.
	d.out.Skip = SkipNoChannel
	return false
}

// take sends on the reachable channel r.
func (d *decider) take(r reach) {
	d.out.Channel = r.channel
	d.out.Address = r.address
	start := d.open()
	d.str("channel ")
	d.str(r.channel)
	d.str(": consent and valid ")
	d.str(addressWord(r.channel))
	d.str(" ")
	d.mask(r.channel, r.address)
	d.close(start, false)
}

// fallback sets Decision.Fallback to the channels of rest (names[from:]) that have content in
// v and are not closed to the customer. Only the cheap checks are made: parsing a phone
// number costs more than the rest of a decision, and a fallback is used for the rare
// permanent failure, when the delivery decides again with the failed channel marked
// undeliverable, which checks the address.
func (d *decider) fallback(v *config.Variant, chans *channels, rest []string, from int) {
	for j, ch := range rest {
		if hasContent(v, ch) && chans.blocked(from+j) == "" {
			d.addFallback(ch)
		}
	}
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
