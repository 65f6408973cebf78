package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/dryrun"

	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/rewards"
)

// pointsMail tells customers their points balance.
var pointsMail = map[string]string{
	"campaigns/pts.yaml": `
id: pts
trigger: {event: Order Completed}
channels: [email]
variants:
  - id: v
    email: {subject: "Your points", html: pts.html}
`,
	"templates/pts.html": `<p>You have {{.Customer.Points}} points.</p>`,
}

// TestMessagesShowTheCustomersPointsBalance: templates see .Customer.Points, read with the
// delivery's claim, on the one-customer path (an order) and on the batch path.
func TestMessagesShowTheCustomersPointsBalance(t *testing.T) {
	b := setup(t, pointsMail, "")
	ctx := context.Background()
	for id, pts := range map[string]int64{"pia": 300, "max": 50} {
		b.identify(id, emailCustomer(id, "en", id)) // xenpia@, xenmax@
		if _, err := b.ledger.Credit(ctx, id, rewards.PointsEntry{At: time.Now(), Points: pts, Campaign: "earlier", Occurrence: "o"}); err != nil {
			t.Fatal(err)
		}
	}
	b.identify("zoe", emailCustomer("zoe", "fr", "silver"))

	b.order("pia", "o-1", 30)
	msgs := b.smtp.Wait(t, 1, 10*time.Second)
	b.settle()
	if !strings.Contains(msgs[0].HTML, "You have 300 points.") {
		t.Fatalf("one-customer path: %q, want 300 points", msgs[0].HTML)
	}

	// Preview renders the balance the send will read.
	if p, err := dryrun.Preview(ctx, b.deliverer, "pts", "max", b.clock.Now(), nil); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(p.HTML, "You have 50 points.") {
		t.Errorf("preview of max: %q, want 50 points as the send shows", p.HTML)
	}

	done, err := b.deliverer.DeliverMany(ctx, &tasks.BatchPayload{Campaign: "pts", Occurrence: "batch-1", Due: time.Now(), IDs: []string{"max", "zoe"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 {
		t.Fatalf("batch delivered %+v", done)
	}
	got := map[string]string{}
	for _, m := range b.smtp.Wait(t, 3, 10*time.Second)[1:] {
		got[m.To[0]] = m.HTML
	}
	for addr, want := range map[string]string{"xenmax@example.com": "You have 50 points.", "xfrsilver@example.com": "You have 0 points."} {
		if !strings.Contains(got[addr], want) {
			t.Errorf("batch path, %s: %q, want %q (all: %v)", addr, got[addr], want, got)
		}
	}
}
