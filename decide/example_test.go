package decide_test

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
)

// A purchase at 23:00 in Berlin: the thank-you waits for the sending window, and goes by SMS
// because the customer agreed to SMS only.
func ExampleDecide() {
	where, _ := config.NewCondition("event.total >= 20")
	window, _ := config.ParseWindow("09:00-20:00")
	consent := true
	at := time.Date(2027, 3, 10, 22, 0, 0, 0, time.UTC)
	d := decide.Decide(decide.Input{
		Campaign: &config.Campaign{
			ID:       "thank-you",
			Trigger:  config.Trigger{Event: "Order Completed", Where: where},
			Channels: []string{"email", "sms"},
			Variants: []config.Variant{{ID: "standard", SMS: &config.SMSContent{Text: "Thank you!"}}},
		},
		Customer: &decide.Customer{
			ID: "c-1", Phone: "0151 23456789", Country: "DE", Timezone: "Europe/Berlin",
			Consent: decide.Consent{SMS: &consent},
		},
		Event:  &decide.Event{Name: "Order Completed", Properties: map[string]any{"total": 42.5}},
		Due:    at,
		Now:    at,
		Policy: decide.Policy{Window: window, DefaultLocale: "en"},
	})
	fmt.Println(d.Eligible, d.Variant.ID, d.Channel, d.Address, d.SendAt.Format(time.RFC3339), d.Locale)
	for _, r := range d.Reasons {
		fmt.Println(r)
	}
	// Output:
	// true standard sms +4915123456789 2027-03-11T08:00:00Z en
	// trigger where "event.total >= 20" holds (total=42.5)
	// repeat each occurrence: no earlier send in the way
	// variant "standard": no condition
	// email: variant "standard" has no email content
	// channel sms: consent and valid number +49*********89
	// due 2027-03-10T22:00:00Z
	// window 09:00-20:00: 2027-03-10 23:00 CET is outside, deferred to its next opening 2027-03-11 09:00 CET
	// send at 2027-03-11T08:00:00Z
}
