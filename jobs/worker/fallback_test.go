package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// bothChannels is a customer who may be reached by email and by SMS.
func bothChannels(first string) map[string]any {
	return map[string]any{"firstName": first, "email": strings.ToLower(first) + "@example.com", "phone": "+4915123456789",
		"consent": map[string]any{"email": true, "sms": true}}
}

// TestRefusedEmailFallsBackToSMSOnce: the relay refuses the address for good (550), so the
// same delivery goes on by SMS, the channel decide named as the fallback; the SMS goes out
// once, the email is tried once, and the record says why the message went by SMS.
func TestRefusedEmailFallsBackToSMSOnce(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("falls", bothChannels("Fay"))
	prof := must(b.store.Get(context.Background(), "falls"))
	p := &tasks.SendPayload{Campaign: "thank-you", Customer: "falls", Occurrence: "o-1", Due: time.Now(),
		Event: &tasks.EventPayload{ID: "o-1", Name: "Order Completed", Properties: map[string]any{"total": 30.0}, Timestamp: time.Now()}}
	if dec := decide.Decide(b.deliverer.Input(b.deliverer.Catalog(), b.deliverer.Catalog().Set.Campaign("thank-you"), p, prof, nil, time.Now())); dec.Channel != "email" || len(dec.Fallback) != 1 || dec.Fallback[0] != "sms" {
		t.Fatalf("decision %s, fallback %v: want email with sms as its fallback", dec.Channel, dec.Fallback)
	}
	var attempts int
	b.smtp.Respond(func(testenvReceived) error { attempts++; return reject550() })

	b.order("falls", "o-1", 30)
	b.settle()
	if attempts != 1 {
		t.Errorf("the refused email was tried %d times, want 1", attempts)
	}
	sms := b.twilio.Messages()
	if len(sms) != 1 || sms[0].To != "+4915123456789" || !strings.Contains(sms[0].Body, "Fay") {
		t.Fatalf("twilio got %+v, want one SMS to Fay", sms)
	}
	rec, ok := must2(b.claims.Outcome(context.Background(), "falls", "thank-you", "once")) // repeat: once
	if !ok || rec.Channel != "sms" || rec.Attempt != 1 {
		t.Fatalf("record %+v, want sent by sms after one fallback", rec)
	}
	why := strings.Join(rec.Reasons, "; ")
	for _, want := range []string{"email", "550", "sms"} {
		if !strings.Contains(why, want) {
			t.Errorf("record reasons lack %q: %s", want, why)
		}
	}
	if p := must(b.store.Get(context.Background(), "falls")); p.Undeliverable["email"] == "" {
		t.Errorf("the refused address is not marked: %v", p.Undeliverable)
	}
	// A replay of the order sends nothing more.
	b.order("falls", "o-1", 30)
	b.settle()
	if n := len(b.twilio.Messages()); n != 1 {
		t.Errorf("%d SMS after a replay, want 1", n)
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}
