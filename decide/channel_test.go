package decide

import (
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

func TestChannelIsFirstReachable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		change      func(*Input)
		wantChannel string
		wantAddress string
		wantSkip    SkipReason
		reasons     []string
	}{
		{
			name:        "email consent and address gets email",
			change:      func(*Input) {},
			wantChannel: "email", wantAddress: "Jane.Doe@example.com",
			reasons: []string{"channel email: consent and valid address J***@example.com"},
		},
		{
			name:        "sms consent only gets sms in E.164",
			change:      func(in *Input) { in.Customer.Consent.Email = no() },
			wantChannel: "sms", wantAddress: "+4915123456789",
			reasons: []string{"email: no consent", "channel sms: consent and valid number +49*********89"},
		},
		{
			name: "national number read with the customer's country",
			change: func(in *Input) {
				in.Customer.Consent.Email = nil
				in.Customer.Phone = "030 1234567"
			},
			wantChannel: "sms", wantAddress: "+49301234567",
		},
		{
			name: "national number read with the default region when no country",
			change: func(in *Input) {
				in.Customer.Consent.Email = nil
				in.Customer.Country = ""
				in.Customer.Phone = "(415) 555-2671"
			},
			wantChannel: "sms", wantAddress: "+14155552671",
		},
		{
			name:     "neither consent gets no channel with both reasons",
			change:   func(in *Input) { in.Customer.Consent = Consent{Email: no()} },
			wantSkip: SkipNoChannel,
			reasons:  []string{"email: no consent", "sms: no consent"},
		},
		{
			name: "undeliverable email falls to sms",
			change: func(in *Input) {
				in.Customer.Undeliverable = map[string]string{"email": "hard bounce: 550 no such user"}
			},
			wantChannel: "sms", wantAddress: "+4915123456789",
			reasons: []string{"email: undeliverable (hard bounce: 550 no such user)"},
		},
		{
			name: "unsubscribed email falls to sms even with consent left true",
			change: func(in *Input) {
				in.Customer.Unsubscribed = map[string]time.Time{"email": now.Add(-time.Hour)}
			},
			wantChannel: "sms",
			reasons:     []string{"email: unsubscribed"},
		},
		{
			name: "paused email falls to sms until the pause ends",
			change: func(in *Input) {
				in.Customer.PausedUntil = map[string]time.Time{"email": now.Add(time.Hour)}
			},
			wantChannel: "sms",
			reasons:     []string{"email: paused until " + now.Add(time.Hour).UTC().Format(time.DateOnly)},
		},
		{
			name: "an ended pause does not hold the channel",
			change: func(in *Input) {
				in.Customer.PausedUntil = map[string]time.Time{"email": now.Add(-time.Minute)}
			},
			wantChannel: "email",
		},
		{
			name: "invalid number and no email consent",
			change: func(in *Input) {
				in.Customer.Consent.Email = no()
				in.Customer.Phone = "12"
			},
			wantSkip: SkipNoChannel,
			reasons:  []string{"email: no consent", "sms: invalid number"},
		},
		{
			name: "invalid email address falls to sms",
			change: func(in *Input) {
				in.Customer.Email = "jane at example"
			},
			wantChannel: "sms",
			reasons:     []string{"email: invalid address"},
		},
		{
			name: "campaign order prefers sms",
			change: func(in *Input) {
				in.Campaign.Channels = []string{"sms", "email"}
			},
			wantChannel: "sms",
		},
		{
			name: "variant without sms content skips sms",
			change: func(in *Input) {
				in.Campaign.Channels = []string{"sms", "email"}
				in.Customer.Traits["tier"] = "silver"
			},
			wantChannel: "email",
			reasons:     []string{`sms: variant "standard" has no sms content`},
		},
		{
			name: "standard customer reachable only by sms has no variant",
			change: func(in *Input) {
				in.Customer.Consent.Email = no()
				in.Customer.Traits["tier"] = "silver"
			},
			wantSkip: SkipNoVariant,
			reasons:  []string{`variant "standard": no condition, but has no content for a reachable channel`},
		},
		{
			name:        "channels default to email",
			change:      func(in *Input) { in.Campaign.Channels = nil },
			wantChannel: "email",
		},
		{
			name: "unknown channel is passed over",
			change: func(in *Input) {
				in.Campaign.Channels = []string{"push", "email"}
			},
			wantChannel: "email",
			reasons:     []string{"push: unknown channel"},
		},
		{
			name: "sms cap reached tries the next channel",
			change: func(in *Input) {
				in.Campaign.Channels = []string{"sms", "email"}
				in.Policy.SMS = limit(t, "1/1d")
				in.Customer.Sends = []Send{{Campaign: "other", Channel: "sms", At: now.Add(-2 * time.Hour)}}
			},
			wantChannel: "email",
			reasons:     []string{"sms: cap 1/1d (local days, Europe/Berlin): 1 sent since Wed 2027-03-10, reached"},
		},
		{
			name: "sms cap with no other channel is a frequency cap",
			change: func(in *Input) {
				in.Customer.Consent.Email = no()
				in.Policy.SMS = limit(t, "1/1d")
				in.Customer.Sends = []Send{{Campaign: "other", Channel: "sms", At: now.Add(-2 * time.Hour)}}
			},
			wantSkip: SkipFrequencyCap,
			reasons:  []string{"sms: cap 1/1d (local days, Europe/Berlin): 1 sent since Wed 2027-03-10, reached"},
		},
		{
			name: "email sends do not count against the sms cap",
			change: func(in *Input) {
				in.Customer.Consent.Email = no()
				in.Policy.SMS = limit(t, "1/1d")
				in.Customer.Sends = []Send{{Campaign: "other", Channel: "email", At: now.Add(-2 * time.Hour)}}
			},
			wantChannel: "sms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			tt.change(&in)
			d := Decide(in)
			if d.Skip != tt.wantSkip || d.Channel != tt.wantChannel {
				t.Fatalf("skip %q channel %q, want %q %q; reasons %v", d.Skip, d.Channel, tt.wantSkip, tt.wantChannel, d.Reasons)
			}
			if tt.wantAddress != "" && d.Address != tt.wantAddress {
				t.Errorf("address %q, want %q", d.Address, tt.wantAddress)
			}
			if d.Eligible != (tt.wantSkip == SkipNone) {
				t.Errorf("eligible %v with skip %q", d.Eligible, d.Skip)
			}
			for _, r := range tt.reasons {
				requireReason(t, d, r)
			}
		})
	}
}

func TestVariantWithoutConditionHolds(t *testing.T) {
	t.Parallel()
	in := input(t)
	in.Campaign.Variants = []config.Variant{{ID: "only", Email: &config.EmailContent{Subject: "Hi"}}}
	d := Decide(in)
	if variantID(d) != "only" {
		t.Fatalf("variant %q; reasons %v", variantID(d), d.Reasons)
	}
	requireReason(t, d, `variant "only": no condition`)
}
