package decide

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

func TestGoldCustomerGetsGoldVariant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		traits      map[string]any
		wantVariant string
		wantReward  string
	}{
		{"gold tier gets gold and the perk", map[string]any{"tier": "gold"}, "gold", "early-access"},
		{"silver tier gets standard and points", map[string]any{"tier": "silver"}, "standard", "points-200"},
		{"no tier gets standard", nil, "standard", "points-200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Customer.Traits = tt.traits
			d := Decide(in)
			if !d.Eligible || d.Skip != SkipNone {
				t.Fatalf("not eligible: %s %v", d.Skip, d.Reasons)
			}
			if variantID(d) != tt.wantVariant || rewardID(d) != tt.wantReward {
				t.Errorf("variant %q reward %q, want %q %q", variantID(d), rewardID(d), tt.wantVariant, tt.wantReward)
			}
			if d.Channel != "email" || d.Address != "Jane.Doe@example.com" {
				t.Errorf("channel %q address %q", d.Channel, d.Address)
			}
			requireReason(t, d, `trigger where "event.total >= 20" holds (total=42.5)`)
			requireReason(t, d, `variant "`+tt.wantVariant+`"`)
			requireReason(t, d, "channel email: consent and valid address J***@example.com")
			requireReason(t, d, `reward "`+tt.wantReward+`"`)
		})
	}
}

func TestFailingConditionsSendNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Input)
		want   SkipReason
		reason string
	}{
		{"trigger where does not hold", func(in *Input) { in.Event.Properties["total"] = 12 },
			SkipWhere, `trigger where "event.total >= 20" does not hold (total=12)`},
		{"segment where does not hold", func(in *Input) {
			in.Campaign.Audience.Segment = "loyal"
			in.Segment = &config.Segment{ID: "loyal", Where: cond(t, "customer.orders >= 5")}
		}, SkipSegment, `segment "loyal": "customer.orders >= 5" does not hold (orders=3)`},
		{"segment named but not resolved", func(in *Input) { in.Campaign.Audience.Segment = "loyal" },
			SkipSegment, `segment "loyal" not resolved`},
		{"audience where does not hold", func(in *Input) { in.Campaign.Audience.Where = cond(t, "customer.orders == 0") },
			SkipAudience, `audience where "customer.orders == 0" does not hold`},
		{"no variant fits", func(in *Input) { in.Campaign.Variants = in.Campaign.Variants[:1]; in.Customer.Traits = nil },
			SkipNoVariant, "no variant fits"},
		{"no campaign", func(in *Input) { in.Campaign = nil }, SkipInvalidInput, "no campaign"},
		{"no customer", func(in *Input) { in.Customer = nil }, SkipInvalidInput, "no customer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			tt.change(&in)
			d := Decide(in)
			if d.Eligible || d.Skip != tt.want {
				t.Fatalf("eligible %v skip %q, want %q; reasons %v", d.Eligible, d.Skip, tt.want, d.Reasons)
			}
			if d.Channel != "" || d.Address != "" || d.Reward != nil || !d.SendAt.IsZero() {
				t.Errorf("a skipped decision carries a delivery: %+v", d)
			}
			requireReason(t, d, tt.reason)
		})
	}
}

func TestRuntimeConditionErrorStopsWithoutPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Input)
		reason string
	}{
		{"trigger where on a missing property", func(in *Input) { delete(in.Event.Properties, "total") },
			`trigger where "event.total >= 20" failed: invalid operation: <nil> >= int`},
		{"trigger where without an event", func(in *Input) { in.Event = nil }, "total=nil"},
		{"member of a missing trait", func(in *Input) { in.Campaign.Audience.Where = cond(t, "customer.address.city == 'Berlin'") },
			`audience where "customer.address.city == 'Berlin'" failed`},
		{"variant condition", func(in *Input) { in.Campaign.Variants[0].When = cond(t, "customer.tier > 3") },
			`variant "gold": "customer.tier > 3" failed`},
		{"reward condition", func(in *Input) { in.Campaign.Rewards[0].When = cond(t, "customer.nope.deeper") },
			`reward "early-access": "customer.nope.deeper" failed`},
		{"days since last order without orders", func(in *Input) {
			in.Customer.Summary = Summary{}
			in.Campaign.Audience.Where = cond(t, "customer.days_since_last_order > 90")
		}, "days_since_last_order=nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			tt.change(&in)
			d := Decide(in)
			if d.Eligible || d.Skip != SkipConditionFail {
				t.Fatalf("skip %q, want %q; reasons %v", d.Skip, SkipConditionFail, d.Reasons)
			}
			requireReason(t, d, tt.reason)
			for _, r := range d.Reasons {
				if strings.Contains(r, "\n") {
					t.Errorf("multi-line reason %q", r)
				}
			}
		})
	}
}

func TestRewardIsFirstThatFitsWithBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tier   string
		left   map[string]bool
		want   string
		reason string
	}{
		{"gold gets the perk", "gold", nil, "early-access", "reward \"early-access\": `customer.tier == \"gold\"` holds (tier=\"gold\")"},
		{"standard gets points", "silver", nil, "points-200", `reward "points-200": first that fits`},
		{"exhausted budget falls through", "silver", map[string]bool{"points-200": false}, "welcome-10", `reward "points-200": budget exhausted`},
		{"budget with room is offered", "silver", map[string]bool{"points-200": true}, "points-200", "first that fits"},
		{"all exhausted means no reward", "silver", map[string]bool{"points-200": false, "welcome-10": false}, "", "no reward fits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Customer.Traits["tier"] = tt.tier
			in.RewardsLeft = tt.left
			d := Decide(in)
			if !d.Eligible || rewardID(d) != tt.want {
				t.Fatalf("eligible %v reward %q, want %q; reasons %v", d.Eligible, rewardID(d), tt.want, d.Reasons)
			}
			requireReason(t, d, tt.reason)
		})
	}
	t.Run("campaign without rewards", func(t *testing.T) {
		in := input(t)
		in.Campaign.Rewards = nil
		if d := Decide(in); !d.Eligible || d.Reward != nil {
			t.Fatalf("eligible %v reward %v", d.Eligible, d.Reward)
		}
	})
}

func TestHoldoutCustomerIsDecidedButNotSent(t *testing.T) {
	t.Parallel()
	in := input(t)
	in.Campaign.Holdout = 1 // everyone in the control group
	d := Decide(in)
	if d.Eligible || !d.Holdout || d.Skip != SkipHoldout {
		t.Fatalf("eligible %v holdout %v skip %q", d.Eligible, d.Holdout, d.Skip)
	}
	if variantID(d) != "gold" || d.Channel != "email" || rewardID(d) != "early-access" || d.SendAt.IsZero() {
		t.Errorf("control group not decided like the rest: %+v", d)
	}
	requireReason(t, d, "holdout 100%: in the control group")

	// An unreachable holdout customer would not have been sent either: the skip says so, so
	// reports keep them out of the comparison.
	in.Customer.Consent = Consent{}
	d = Decide(in)
	if !d.Holdout || d.Skip != SkipNoChannel {
		t.Errorf("holdout %v skip %q, want holdout with %q", d.Holdout, d.Skip, SkipNoChannel)
	}
}

func TestSameInputGivesIdenticalDecision(t *testing.T) {
	t.Parallel()
	inputs := map[string]func(*Input){
		"eligible": func(*Input) {},
		"holdout":  func(in *Input) { in.Campaign.Holdout = 0.5; in.Customer.ID = "c-holdout-7" },
		"deferred": func(in *Input) { in.Now = time.Date(2027, 3, 10, 22, 0, 0, 0, time.UTC); in.Due = in.Now },
		"sms":      func(in *Input) { in.Customer.Consent.Email = no() },
		"skipped":  func(in *Input) { in.Customer.Consent = Consent{} },
		"bad zone": func(in *Input) { in.Customer.Timezone = "Nowhere/Atlantis" },
	}
	for name, change := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			change(&in)
			a, b := Decide(in), Decide(in)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("two decisions differ:\n%+v\n%+v", a, b)
			}
		})
	}
}

func TestInvalidTimezoneFallsBackToDefault(t *testing.T) {
	t.Parallel()
	tokyo := mustZone("Asia/Tokyo")
	tests := []struct {
		zone   string
		want   *time.Location
		reason string
	}{
		{"Europe/Berlin", berlin, ""},
		{"", tokyo, ""},
		{"Mars/Olympus_Mons", tokyo, `time zone "Mars/Olympus_Mons" unknown: using Asia/Tokyo`},
		{"Local", tokyo, `time zone "Local" unknown`},
		{"../../etc/passwd", tokyo, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Customer.Timezone = tt.zone
			in.Policy.DefaultTimezone = tokyo
			d := Decide(in)
			if d.Location.String() != tt.want.String() {
				t.Errorf("location %s, want %s", d.Location, tt.want)
			}
			if tt.reason != "" {
				requireReason(t, d, tt.reason)
			}
			if got := Location(in.Customer, nil); tt.want == tokyo && got != time.UTC {
				t.Errorf("Location with nil default = %s, want UTC", got)
			}
		})
	}
}

func TestLocaleFallsBackToPolicy(t *testing.T) {
	t.Parallel()
	in := input(t)
	if d := Decide(in); d.Locale != "de-DE" {
		t.Errorf("locale %q, want de-DE", d.Locale)
	}
	in.Customer.Locale = ""
	if d := Decide(in); d.Locale != "en" {
		t.Errorf("locale %q, want the default en", d.Locale)
	}
}
