package main

import (
	"strings"
	"testing"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

func TestSimulationPrintsChannelCostAndLocalHours(t *testing.T) {
	var b strings.Builder
	printSimulation(&b, &dryrun.Simulation{Campaign: "sale", Occurrence: "2027-03-29T10:00", Customers: 3, WouldSend: 3,
		Channels: map[string]int64{"email": 1, "sms": 2}, ChannelCost: map[string]float64{"email": 0.01, "sms": 0.15}, SMSSegments: 3,
		Hours: map[string]int64{"2027-03-29T06": 1, "2027-03-29T08": 2}, LocalHours: map[string]int64{"10": 3}})
	for _, want := range []string{"channel cost (3 SMS segments):", "sms                      0.15", "send time (customer's local hour):\n  10                       3"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("printed\n%s\nwant %q", b.String(), want)
		}
	}
}
