package decide

import (
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Times used across the tests. March 2027: Berlin is on CET (UTC+1) until the 28th.
var (
	berlin = mustZone("Europe/Berlin")
	// now is 11:00 in Berlin, inside the default 09:00-20:00 window.
	now = time.Date(2027, 3, 10, 10, 0, 0, 0, time.UTC)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func cond(t testing.TB, src string) *config.Condition {
	t.Helper()
	c, err := config.NewCondition(src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func window(t testing.TB, s string) config.Window {
	t.Helper()
	w, err := config.ParseWindow(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// limit parses a cap; "" is no cap.
func limit(t testing.TB, s string) config.Limit {
	t.Helper()
	if s == "" {
		return config.Limit{}
	}
	l, err := config.ParseLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// thankYou is the campaign of DESIGN.md §5: a gold variant with email and SMS content, a
// standard variant with email only, three rewards.
func thankYou(t testing.TB) *config.Campaign {
	t.Helper()
	return &config.Campaign{
		ID:       "thank-you",
		Trigger:  config.Trigger{Event: "Order Completed", Where: cond(t, "event.total >= 20")},
		Channels: []string{"email", "sms"},
		Variants: []config.Variant{
			{
				ID:    "gold",
				When:  cond(t, `customer.tier == "gold"`),
				Email: &config.EmailContent{Subject: "Thank you", HTML: "thank-you/gold.html"},
				SMS:   &config.SMSContent{Text: "Thank you!"},
			},
			{ID: "standard", Email: &config.EmailContent{Subject: "Thanks", HTML: "thank-you/standard.html"}},
		},
		Rewards: []config.Reward{
			{ID: "early-access", Kind: "perk", When: cond(t, `customer.tier == "gold"`)},
			{ID: "points-200", Kind: "points", Value: "200"},
			{ID: "welcome-10", Kind: "coupon", Value: "10%"},
		},
	}
}

// jane is a gold customer in Berlin who agreed to email and SMS.
func jane() *Customer {
	return &Customer{
		ID:        "c-1",
		Email:     "Jane.Doe@Example.com",
		Phone:     "+49 151 23456789",
		FirstName: "Jane",
		Country:   "DE",
		Timezone:  "Europe/Berlin",
		Locale:    "de-DE",
		Consent:   Consent{Email: yes(), SMS: yes()},
		Traits:    map[string]any{"tier": "gold"},
		Summary:   Summary{Orders: 3, Revenue: 180, LastOrderAt: now.Add(-time.Hour)},
	}
}

func policy(t testing.TB) Policy {
	return Policy{
		DefaultTimezone: time.UTC,
		DefaultLocale:   "en",
		Window:          window(t, "09:00-20:00"),
		DefaultRegion:   "US",
	}
}

// input is a triggered decision for jane on an order of 42.5, due now.
func input(t testing.TB) Input {
	return Input{
		Campaign:   thankYou(t),
		Customer:   jane(),
		Event:      &Event{ID: "m-1", Name: "Order Completed", Properties: map[string]any{"total": 42.5}, Timestamp: now},
		Occurrence: "m-1",
		Due:        now,
		Now:        now,
		Policy:     policy(t),
	}
}

func hasReason(d Decision, part string) bool {
	for _, r := range d.Reasons {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

func requireReason(t *testing.T, d Decision, part string) {
	t.Helper()
	if !hasReason(d, part) {
		t.Errorf("no reason contains %q; reasons:\n  %s", part, strings.Join(d.Reasons, "\n  "))
	}
}

func variantID(d Decision) string {
	if d.Variant == nil {
		return ""
	}
	return d.Variant.ID
}

func rewardID(d Decision) string {
	if d.Reward == nil {
		return ""
	}
	return d.Reward.ID
}
