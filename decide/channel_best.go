package decide

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rapporthq/rapport/config"
)

// Rate counts messages of one channel received and engaged with (opened or clicked) by the
// whole base, the prior of channel_select: best (Input.BaseEngagement).
type Rate struct {
	Received, Engaged int
}

// channelPriorWeight is how many messages the base's rate weighs in a customer's engagement
// rate: one message opened (1 of 1) against a base at 20% gives (1+2)/(1+10) = 0.27, not
// 100%, while forty messages outweigh the base four to one.
const channelPriorWeight = 10

// channelTie is the difference of engagement rates below which two channels count as alike
// and the cheaper is sent: two points of engagement are within the noise of a customer's
// few dozen messages.
const channelTie = 0.02

// scored is a candidate channel of bestChannel: its index in the campaign's channels and its
// smoothed engagement rate.
type scored struct {
	i     int
	score float64
}

// bestChannel is step 6 under channel_select: best, among the campaign's channels with
// content in v that are open to the customer:
//
//  1. the customer's stated preferred_channel trait, when reachable;
//  2. else the highest engagement rate over the last 180 days (Customer.Engagement), smoothed
//     toward the base's rate (Input.BaseEngagement) so that one message does not decide;
//  3. rates within channelTie go to the cheaper channel (Policy costs; an SMS costs its
//     segments), equal costs to the campaign's order.
//
// The address is checked (a phone number parsed) only for the channel taken, then the next if
// it fails; the others become the Fallback.
func (d *decider) bestChannel(v *config.Variant, chans *channels) bool {
	var buf [4]scored
	cands := buf[:0]
	for i, ch := range chans.names {
		if !hasContent(v, ch) || slices.Index(chans.names, ch) < i {
			continue // a channel listed twice (only possible in code) is one candidate
		}
		if why := chans.blocked(i); why != "" {
			d.reason("%s: %s", ch, why)
			continue
		}
		cands = append(cands, scored{i: i, score: d.engagementScore(ch)})
	}
	if pref, ok := d.cust.Traits["preferred_channel"].(string); ok && pref != "" {
		for k, c := range cands {
			if !strings.EqualFold(chans.names[c.i], pref) {
				continue
			}
			if r := chans.get(c.i); r.ok {
				d.reason("channel %s: the customer's preferred channel", r.channel)
				d.take(r)
				d.bestFallback(append(cands[:k:k], cands[k+1:]...), chans)
				return true
			}
		}
	}
	d.rankChannels(v, cands, chans)
	for k, c := range cands {
		r := chans.get(c.i)
		if !r.ok {
			d.reason("%s: %s", r.channel, r.why)
			continue
		}
		d.take(r)
		d.bestFallback(cands[k+1:], chans)
		return true
	}
	d.noChannel(chans)
	return false
}

// engagementScore is the customer's engagement rate on ch smoothed toward the base's: the
// posterior mean under a Beta prior of the base's rate and channelPriorWeight messages, or
// the uniform prior when the base's rate is unknown.
func (d *decider) engagementScore(ch string) float64 {
	a, b := 1.0, 1.0
	if base, ok := d.in.BaseEngagement[ch]; ok && base.Received > 0 {
		m := min(max(float64(base.Engaged)/float64(base.Received), 0), 1)
		a, b = channelPriorWeight*m, channelPriorWeight*(1-m)
	}
	e := d.cust.Engagement[ch]
	received := max(e.Received, 0)
	engaged := min(max(e.Engaged, 0), received)
	return (float64(engaged) + a) / (float64(received) + a + b)
}

// rankChannels orders cands best first, with the reason for the first.
func (d *decider) rankChannels(v *config.Variant, cands []scored, chans *channels) {
	if len(cands) < 2 {
		return
	}
	var cost [4]float64
	costs, costNote := false, ""
	if d.in.Policy.EmailCostPerMessage != d.in.Policy.SMSCostPerSegment || d.in.Policy.SMSCostPerSegment != 0 {
		costs = true
		for k, c := range cands {
			cost[k], costNote = d.channelCost(v, chans.names[c.i], costNote)
		}
	}
	// Insertion sort: two or three channels, no allocation. The order is by score unless two
	// are alike, then by cost, then by the campaign's order (the index).
	for k := 1; k < len(cands); k++ {
		for j := k; j > 0 && better(cands[j], cands[j-1], cost[j], cost[j-1], costs); j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
			cost[j], cost[j-1] = cost[j-1], cost[j]
		}
	}
	first, second := cands[0], cands[1]
	ch, other := chans.names[first.i], chans.names[second.i]
	start := d.open()
	d.str("channel ")
	d.str(ch)
	switch {
	case math.Abs(first.score-second.score) >= channelTie:
		d.str(": engages more: ")
	case costs && cost[0] < cost[1]:
		d.str(": engagement alike, ")
		d.str(ch)
		d.str(" cheaper (")
		d.log.buf = strconv.AppendFloat(d.log.buf, cost[0], 'g', -1, 64)
		d.str(" against ")
		d.log.buf = strconv.AppendFloat(d.log.buf, cost[1], 'g', -1, 64)
		d.str(costNote)
		d.str("): ")
	default:
		d.str(": engagement alike, first in the campaign's order: ")
	}
	d.engagementFacts(ch)
	d.str(" (")
	d.fixed(first.score, 2)
	d.str(" with the base's prior) against ")
	d.engagementFacts(other)
	d.str(" (")
	d.fixed(second.score, 2)
	d.str(")")
	d.close(start, false)
}

// better orders two candidates: a clearly higher score first, else the cheaper, else the
// campaign's order.
func better(a, b scored, costA, costB float64, costs bool) bool {
	if math.Abs(a.score-b.score) >= channelTie {
		return a.score > b.score
	}
	if costs && costA != costB {
		return costA < costB
	}
	return a.i < b.i
}

// channelCost is what one message of v costs on ch: an email's cost per message, an SMS's
// segments times the cost per segment. The SMS is counted on its rendered text when the
// caller gave it (Input.SMSText), else on the variant's inline template, which note says.
func (d *decider) channelCost(v *config.Variant, ch, note string) (float64, string) {
	if ch == ChannelEmail {
		return d.in.Policy.EmailCostPerMessage, note
	}
	text := d.in.SMSText
	switch {
	case text != "":
	case v.SMS != nil && v.SMS.Text != "":
		text, note = v.SMS.Text, ", SMS segments counted on the template text"
	default:
		note = ", SMS template in a file: counted as 1 segment"
	}
	n, _ := SMSSegments(text)
	return float64(n) * d.in.Policy.SMSCostPerSegment, note
}

// engagementFacts writes "6 of 9 SMS clicked" or "0 of 12 emails opened or clicked".
func (d *decider) engagementFacts(ch string) {
	e := d.cust.Engagement[ch]
	d.int(e.Engaged)
	d.str(" of ")
	d.int(e.Received)
	if ch == ChannelSMS {
		d.str(" SMS clicked")
		return
	}
	d.str(" emails opened or clicked")
}

// bestFallback sets Decision.Fallback to the remaining candidates, best first.
func (d *decider) bestFallback(rest []scored, chans *channels) {
	for _, c := range rest {
		d.addFallback(chans.names[c.i])
	}
}
