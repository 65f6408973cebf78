package decide

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rapporthq/rapport/config"
)

// bestInput is jane's decision on the gold variant (email and SMS content) under
// channel_select: best, with no engagement known.
func bestInput(t *testing.T) Input {
	in := input(t)
	in.Campaign.ChannelSelect = config.ChannelSelectBest
	return in
}

// persian71 is a Persian SMS of 71 characters: UCS-2, two segments of 67.
var persian71 = strings.Repeat("سلام ", 14) + "!"

func TestBestChannel(t *testing.T) {
	t.Parallel()
	engaged := func(email, emailOf, sms, smsOf int) map[string]Engagement {
		return map[string]Engagement{
			"email": {Received: emailOf, Engaged: email, Opens: email},
			"sms":   {Received: smsOf, Engaged: sms, Clicks: sms},
		}
	}
	tests := []struct {
		name         string
		change       func(*Input)
		wantChannel  string
		wantFallback []string
		reasons      []string
	}{
		{
			name: "stated preference wins over engagement",
			change: func(in *Input) {
				in.Customer.Traits["preferred_channel"] = "SMS"
				in.Customer.Engagement = engaged(9, 10, 0, 10)
			},
			wantChannel: "sms", wantFallback: []string{"email"},
			reasons: []string{"channel sms: the customer's preferred channel", "channel sms: consent and valid number +49*********89"},
		},
		{
			name: "a preferred channel without consent gives way to the best of the others",
			change: func(in *Input) {
				in.Customer.Traits["preferred_channel"] = "sms"
				in.Customer.Consent.SMS = no()
			},
			wantChannel: "email",
			reasons:     []string{"sms: no consent", "channel email: consent and valid address"},
		},
		{
			name:        "engagement decides between two consented channels",
			change:      func(in *Input) { in.Customer.Engagement = engaged(0, 12, 6, 9) },
			wantChannel: "sms", wantFallback: []string{"email"},
			reasons: []string{"channel sms: engages more: 6 of 9 SMS clicked (0.64 with the base's prior) against 0 of 12 emails opened or clicked (0.07)"},
		},
		{
			name:        "engagement picks email too",
			change:      func(in *Input) { in.Customer.Engagement = engaged(8, 10, 0, 5) },
			wantChannel: "email", wantFallback: []string{"sms"},
			reasons: []string{"channel email: engages more: 8 of 10 emails opened or clicked"},
		},
		{
			name: "one clicked SMS does not outweigh the base",
			change: func(in *Input) {
				in.BaseEngagement = map[string]Rate{"email": {Received: 1000, Engaged: 300}, "sms": {Received: 1000, Engaged: 100}}
				in.Customer.Engagement = engaged(3, 10, 1, 1)
			},
			wantChannel: "email", wantFallback: []string{"sms"},
			reasons: []string{"(0.30 with the base's prior) against 1 of 1 SMS clicked (0.18)"},
		},
		{
			name:        "alike with no costs: the campaign's order",
			change:      func(*Input) {},
			wantChannel: "email", wantFallback: []string{"sms"},
			reasons: []string{"channel email: engagement alike, first in the campaign's order"},
		},
		{
			name: "alike: the cheaper channel, SMS counted on its template",
			change: func(in *Input) {
				in.Policy.EmailCostPerMessage, in.Policy.SMSCostPerSegment = 0.05, 0.01
			},
			wantChannel: "sms", wantFallback: []string{"email"},
			reasons: []string{"channel sms: engagement alike, sms cheaper (0.01 against 0.05, SMS segments counted on the template text)"},
		},
		{
			name: "a Persian SMS of 71 characters costs two segments",
			change: func(in *Input) {
				in.Policy.EmailCostPerMessage, in.Policy.SMSCostPerSegment = 0.05, 0.03
				in.SMSText = persian71
			},
			wantChannel: "email", wantFallback: []string{"sms"},
			reasons: []string{"channel email: engagement alike, email cheaper (0.05 against 0.06)"},
		},
		{
			name: "an invalid number leaves email, with no fallback",
			change: func(in *Input) {
				in.Customer.Phone = "12"
				in.Customer.Engagement = engaged(0, 12, 6, 9)
			},
			wantChannel: "email",
			reasons:     []string{"sms: invalid number"},
		},
		{
			name: "order keeps the campaign's order whatever the engagement",
			change: func(in *Input) {
				in.Campaign.ChannelSelect = config.ChannelSelectOrder
				in.Customer.Engagement = engaged(0, 12, 6, 9)
			},
			wantChannel: "email", wantFallback: []string{"sms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := bestInput(t)
			tt.change(&in)
			d := Decide(in)
			if !d.Eligible || d.Channel != tt.wantChannel || !slices.Equal(d.Fallback, tt.wantFallback) {
				t.Fatalf("eligible %v channel %q fallback %v, want %q %v; reasons:\n  %s",
					d.Eligible, d.Channel, d.Fallback, tt.wantChannel, tt.wantFallback, strings.Join(d.Reasons, "\n  "))
			}
			for _, r := range tt.reasons {
				requireReason(t, d, r)
			}
		})
	}
}

func TestPersianSMSOf71CharactersIsTwoSegments(t *testing.T) {
	t.Parallel()
	if n := utf8.RuneCountInString(persian71); n != 71 {
		t.Fatalf("the text has %d characters", n)
	}
	if n, enc := SMSSegments(persian71); n != 2 || enc != EncodingUCS2 {
		t.Errorf("SMSSegments = %d %s, want 2 UCS-2", n, enc)
	}
}

func TestFallbackAfterAHardBounceIsTheNextChannelOnce(t *testing.T) {
	t.Parallel()
	in := bestInput(t)
	first := Decide(in)
	if first.Channel != "email" || !slices.Equal(first.Fallback, []string{"sms"}) {
		t.Fatalf("channel %q fallback %v", first.Channel, first.Fallback)
	}
	// The delivery decides again with the failed channel undeliverable: SMS, and nothing after.
	in.Customer.Undeliverable = map[string]string{"email": "hard bounce: 550 no such user"}
	again := Decide(in)
	if again.Channel != "sms" || len(again.Fallback) != 0 || variantID(again) != variantID(first) {
		t.Errorf("after the bounce: channel %q fallback %v variant %q, want sms, none, %q",
			again.Channel, again.Fallback, variantID(again), variantID(first))
	}
}
