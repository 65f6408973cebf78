package worker_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/dryrun"
)

// springSale is a local daily campaign on email and SMS whose SMS is 72 or 73 characters with
// the customer's first name in it: one GSM-7 segment for a Latin name, two UCS-2 segments for
// a Persian one.
var springSale = map[string]string{
	"campaigns/sale.yaml": `
id: sale
trigger:
  schedule: {cron: "0 10 * * *", local: true}
channels: [email, sms]
variants:
  - id: v
    email: {subject: "Spring sale, {{.Customer.FirstName}}", html: sale.html}
    sms: {text: "{{.Customer.FirstName}}, our spring sale is on: 20% off everything in the shop until Sunday!"}
`,
	"templates/sale.html": `<p>Spring sale, {{.Customer.FirstName}}</p>`,
}

func smsTo(name, phone, tz string) map[string]any {
	return map[string]any{"firstName": name, "phone": phone, "timezone": tz, "consent": map[string]any{"sms": true}}
}

func TestSimulatePricesEachChannelAndCountsLocalHours(t *testing.T) {
	tests := []struct {
		name     string
		customer map[string]any
		channel  string
		segments int64
		cost     float64
		utcHour  string
	}{
		{"email costs its cost per message", emailTo("anna", "Europe/Berlin", nil), "email", 0, 0.01, "2027-03-29T08"},
		{"an SMS to a Latin name is one GSM-7 segment", smsTo("Anna", "+4915123456789", "Europe/Berlin"), "sms", 1, 0.05, "2027-03-29T08"},
		{"an SMS to a Persian name is two UCS-2 segments", smsTo("رضا", "+989121234567", "Asia/Tehran"), "sms", 2, 0.10, "2027-03-29T06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupScheduled(t, springSale)
			b.customers(map[string]map[string]any{"c": tt.customer})
			cfg := b.deliverer.Config()
			cfg.Policy.EmailCostPerMessage, cfg.Policy.SMSCostPerSegment = 0.01, 0.05
			d := must(delivery.New(cfg))
			sim, err := dryrun.Simulate(context.Background(), d, b.store, "sale", time.Date(2027, 3, 29, 0, 0, 0, 0, time.UTC), 10)
			if err != nil {
				t.Fatal(err)
			}
			wantCost := map[string]float64{tt.channel: tt.cost}
			if sim.WouldSend != 1 || sim.Channels[tt.channel] != 1 || sim.SMSSegments != tt.segments ||
				!maps.EqualFunc(sim.ChannelCost, wantCost, func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }) {
				t.Fatalf("simulation sends %d, channels %v, %d SMS segments, cost %v; want 1 by %s, %d segments, cost %v",
					sim.WouldSend, sim.Channels, sim.SMSSegments, sim.ChannelCost, tt.channel, tt.segments, wantCost)
			}
			if want := map[string]int64{"10": 1}; !maps.Equal(sim.LocalHours, want) || !maps.Equal(sim.Hours, map[string]int64{tt.utcHour: 1}) {
				t.Fatalf("hours local %v, UTC %v; want local %v, UTC %s", sim.LocalHours, sim.Hours, want, tt.utcHour)
			}
		})
	}
}
