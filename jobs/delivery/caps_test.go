package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// TestSendLogRecordsPriorityAndACappedSendIsDeferredToTheNextLocalDay: the send log keeps
// each send's priority, which rapport.yaml's caps compare; the second message of a 1/7d cap
// waits for the first local day with room.
func TestSendLogRecordsPriorityAndACappedSendIsDeferredToTheNextLocalDay(t *testing.T) {
	b := setup(t, `id: c
trigger: {event: Order Completed}
priority: high
channels: [email]
variants: [{id: v, email: {subject: Hi, html: c.html}}]
`)
	ctx := context.Background()
	b.d.cfg.Policy.PerCustomer = config.Limit{Count: 1, Period: config.Duration(7 * 24 * time.Hour)}
	if out, err := b.d.Deliver(ctx, send("o1")); err != nil || out.State != StateSent {
		t.Fatalf("first send: %+v %v", out, err)
	}
	p, err := b.store.Get(ctx, "ann")
	if err != nil || len(p.Sends) != 1 || p.Sends[0].Priority != config.PriorityHigh {
		t.Fatalf("send log %+v %v, want one send at priority high", p.Sends, err)
	}
	out, err := b.d.Deliver(ctx, send("o2"))
	if err != nil || out.State != StateDeferred {
		t.Fatalf("second send: %+v %v, want deferred", out, err)
	}
	y, m, d := p.Sends[0].At.AddDate(0, 0, 7).Date()
	if want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); !out.SendAt.Equal(want) {
		t.Errorf("deferred to %s, want %s, the first local day without the first send in its week", out.SendAt, want)
	}
	if !strings.Contains(strings.Join(out.Reasons, "\n"), "cap 1/7d (local days, UTC): 1 sent since") {
		t.Errorf("reasons %q", out.Reasons)
	}
}
