package decide

import (
	"testing"

	"github.com/rapporthq/rapport/config"
)

// BenchmarkDecide is one eligible decision for a gold customer: trigger where, three variant
// and reward conditions, email address check and window, with reasons.
func BenchmarkDecide(b *testing.B) {
	in := input(b)
	in.Policy.PerCustomer = limit(b, "3/7d")
	in.Customer.Sends = []Send{{Campaign: "x", Channel: "email", At: now.AddDate(0, 0, -1)}}
	b.ReportAllocs()
	for b.Loop() {
		if d := Decide(in); !d.Eligible {
			b.Fatal(d.Reasons)
		}
	}
}

// BenchmarkDecideSMS adds phone number parsing, the costliest step.
func BenchmarkDecideSMS(b *testing.B) {
	in := input(b)
	in.Customer.Consent.Email = no()
	b.ReportAllocs()
	for b.Loop() {
		if d := Decide(in); d.Channel != "sms" {
			b.Fatal(d.Reasons)
		}
	}
}

// learningInput is the decision issue 10 sets a budget for: ten condition-free variants under
// select: learn with their stats, five rewards (the first with a condition), email and SMS
// under channel_select: best with the base's engagement, and send_time: optimize.
func learningInput(b *testing.B) Input {
	in := input(b)
	c := abTest(b, "learn", 10, config.Select{Mode: config.SelectLearn})
	c.Trigger = in.Campaign.Trigger
	c.Channels = []string{"email", "sms"}
	c.ChannelSelect = config.ChannelSelectBest
	c.SendTime = config.SendTimeOptimize
	c.Rewards = []config.Reward{
		{ID: "early-access", Kind: "perk", When: cond(b, `customer.tier == "gold"`)},
		{ID: "points-200", Kind: "points", Value: "200"},
		{ID: "points-100", Kind: "points", Value: "100"},
		{ID: "welcome-10", Kind: "coupon", Value: "10%"},
		{ID: "gift", Kind: "gift", Value: "5 EUR"},
	}
	in.Campaign = c
	in.Variants = map[string]VariantStats{}
	for i := range c.Variants {
		c.Variants[i].SMS = &config.SMSContent{Text: "Hi!"}
		in.Variants[c.Variants[i].ID] = VariantStats{Sends: 1000 + 10*i, Conversions: 20 + i, Clicks: 80 + i}
	}
	in.BaseEngagement = map[string]Rate{"email": {Received: 10000, Engaged: 2500}, "sms": {Received: 2000, Engaged: 300}}
	in.BaseHours = baseAtNoon()
	in.Customer.Engagement = opensAt(3, 18, 19, 19)
	return in
}

// BenchmarkDecideLearning is learningInput's decision.
func BenchmarkDecideLearning(b *testing.B) {
	in := learningInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if d := Decide(in); !d.Eligible {
			b.Fatal(d.Reasons)
		}
	}
}
