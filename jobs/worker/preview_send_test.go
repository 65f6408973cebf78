package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/dryrun"
)

// nextOrder thanks for an order by its number and gives a coupon for the next one.
var nextOrder = map[string]string{
	"campaigns/next-order.yaml": `
id: next-order
name: Thanks for your order
trigger:
  event: Order Completed
channels: [email]
variants:
  - id: main
    email: {subject: "Order number {{.Customer.Orders}}, {{.Customer.FirstName}}", html: next-order/main.html}
rewards:
  - {id: next-10, kind: coupon, value: 10%, expires: 30d, budget: {count: 100}}
`,
	"templates/next-order/main.html": `<p>Your order number {{.Customer.Orders}} of {{.Event.total}}.</p>` +
		`<p>Code {{.Reward.Code}}, valid until {{.Reward.ExpiresAt.Format "2006-01-02"}}.</p>`,
}

// TestPreviewOfAnEventShowsWhatIsSent: preview of an event, before it arrives, shows the
// message the worker then sends for it (the profile with the event applied, the coupon code of
// its messageId), subject, text, HTML and code byte for byte.
func TestPreviewOfAnEventShowsWhatIsSent(t *testing.T) {
	b := setup(t, nextOrder, "")
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	b.clock.Set(now)
	b.identify("anna", emailCustomer("Anna", "en", "silver"))
	b.order("anna", "order-1", 30)
	b.order("anna", "order-2", 40)
	b.order("anna", "order-3", 50)
	b.settle()
	already := len(b.smtp.Messages())

	// The shop's messageId differs from its order id: the send is keyed by the order id.
	ev := &decide.Event{ID: "msg-of-order-4", Name: "Order Completed", Timestamp: now,
		Properties: map[string]any{"total": float64(60), "currency": "EUR", "order_id": "order-4"}}
	p, err := dryrun.Preview(context.Background(), b.deliverer, "next-order", "anna", now, ev)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Eligible || p.Reward == nil {
		t.Fatalf("preview sends nothing: %+v", p)
	}
	b.order("anna", "order-4", 60)
	msgs := b.smtp.Wait(t, already+1, 10*time.Second)
	sent := msgs[len(msgs)-1]
	if !strings.Contains(sent.Subject, "Order number 4") {
		t.Fatalf("the send itself is not for order 4: %q", sent.Subject)
	}
	if p.Subject != sent.Subject {
		t.Errorf("subject: preview %q, sent %q", p.Subject, sent.Subject)
	}
	if p.HTML != sent.HTML {
		t.Errorf("HTML: preview\n%s\nsent\n%s", p.HTML, sent.HTML)
	}
	// Lines of a text part travel with CRLF endings (RFC 5322); the rendered text has LF.
	if text := strings.ReplaceAll(sent.Text, "\r\n", "\n"); p.Text != text {
		t.Errorf("text: preview %q, sent %q", p.Text, text)
	}
	if !strings.Contains(sent.HTML, p.Reward.Code) {
		t.Errorf("preview code %s is not in the sent message", p.Reward.Code)
	}
}
