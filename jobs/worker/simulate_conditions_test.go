package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

// TestSimulateSaysWhichConditionFailsAndWhy: customers skipped because a condition cannot be
// evaluated are explained per condition, with how many and the first error in words.
func TestSimulateSaysWhichConditionFailsAndWhy(t *testing.T) {
	b := setupScheduled(t, map[string]string{
		"campaigns/vip.yaml": `
id: vip
trigger:
  schedule: {cron: "0 10 * * *"}
audience:
  where: customer.order.total > 1
channels: [email]
variants:
  - id: v
    email: {subject: "Hello", html: vip.html}
`,
		"templates/vip.html": `<p>Hello</p>`,
	})
	profiles := map[string]map[string]any{"has": emailTo("has", "UTC", map[string]any{"order": map[string]any{"total": 5}})}
	for i := range 5 {
		id := fmt.Sprintf("c%d", i)
		profiles[id] = emailTo(id, "UTC", nil)
	}
	b.customers(profiles)
	sim, err := dryrun.Simulate(context.Background(), b.deliverer, b.store, "vip", time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), 2)
	if err != nil {
		t.Fatal(err)
	}
	if sim.WouldSend != 1 || sim.Skipped["condition_error"] != 5 || len(sim.ConditionErrors) != 1 {
		t.Fatalf("simulation %+v", sim)
	}
	c := sim.ConditionErrors[0]
	if c.Customers != 5 || c.Condition != `audience where "customer.order.total > 1"` || c.Error == "" ||
		strings.Contains(c.Error, "\n") || strings.HasPrefix(c.Error, "evaluate") {
		t.Errorf("condition error %+v", c)
	}
	t.Logf("%d of %d customers: %s failed: %s", c.Customers, sim.Customers, c.Condition, c.Error)
}
