package worker_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/tasks"
)

// thankYou is the campaign of these tests: one message per customer (repeat once), gold and
// standard variants, email first then SMS.
var thankYou = map[string]string{
	"campaigns/thank-you.yaml": `
id: thank-you
name: Thank you for your order
trigger:
  event: Order Completed
  where: event.total >= 20
repeat: once
channels: [email, sms]
variants:
  - id: gold
    when: customer.tier == "gold"
    email: {subject: "Gold thanks, {{.Customer.FirstName}}", html: thank-you/gold.html}
    sms: {text: "{{.Customer.FirstName}}, gold thanks!"}
  - id: standard
    email: {subject: "Thank you, {{.Customer.FirstName}}", html: thank-you/standard.html}
    sms: {text: "{{.Customer.FirstName}}, thank you for your order!"}
`,
	"templates/thank-you/gold.html":     `<p>Dear {{.Customer.FirstName}}, as a gold member you get early access.</p><a href="{{.Links.Unsubscribe}}">unsubscribe</a>`,
	"templates/thank-you/standard.html": `<p>Dear {{.Customer.FirstName}}, thank you for your order of {{.Event.total}}.</p>`,
	"templates/thank-you/standard.ru.html": `{{define "subject"}}Спасибо, {{.Customer.FirstName}}!{{end}}` +
		`<p>{{.Customer.FirstName}}, спасибо за ваш заказ!</p>`,
}

func emailCustomer(first, locale, tier string) map[string]any {
	return map[string]any{
		"firstName": first, "email": strings.ToLower("x"+locale+tier) + "@example.com", "locale": locale,
		"tier": tier, "timezone": "Europe/Moscow", "consent": map[string]any{"email": true},
	}
}

func TestPurchaseSendsOneEmailInTheCustomersLanguage(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("anna", emailCustomer("Анна", "ru-RU", "silver"))

	b.order("anna", "order-1", 42)
	msgs := b.smtp.Wait(t, 1, 10*time.Second)
	if got := msgs[0].Subject; got != "Спасибо, Анна!" {
		t.Errorf("subject %q, want the Russian subject with the first name", got)
	}
	if !strings.Contains(msgs[0].HTML, "спасибо за ваш заказ") || !strings.Contains(msgs[0].Text, "спасибо за ваш заказ") {
		t.Errorf("body is not the Russian template:\nHTML %q\ntext %q", msgs[0].HTML, msgs[0].Text)
	}
	if msgs[0].Header.Get("List-Unsubscribe") == "" || msgs[0].Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("missing one-click unsubscribe headers: %v", msgs[0].Header)
	}

	// The same messageId again: accepted, ignored.
	if out := b.order("anna", "order-1", 42); out["duplicates"] != float64(1) {
		t.Errorf("replay answered %v, want duplicates: 1", out)
	}
	// A second order: repeat once keeps the customer out.
	b.order("anna", "order-2", 99)
	b.settle()
	if n := b.smtp.Count(); n != 1 {
		t.Fatalf("%d emails after a replay and a second order, want 1", n)
	}
	if got := b.outcome("anna", "thank-you", "once"); !strings.HasPrefix(got, "sent|email|standard|") {
		t.Errorf("delivery record %q", got)
	}
	prof, err := b.store.Get(context.Background(), "anna")
	if err != nil || len(prof.Sends) != 1 || prof.Sends[0].Campaign != "thank-you" || prof.Sends[0].Channel != "email" {
		t.Errorf("send not recorded on the customer: %+v %v", prof.Sends, err)
	}
}

func TestGoldCustomerGetsGoldVariantAndWhereFiltersOrders(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("gold", emailCustomer("Grace", "en-US", "gold"))
	b.identify("std", emailCustomer("Sam", "en-US", "silver"))
	b.identify("small", emailCustomer("Tim", "en-US", "gold"))
	b.order("gold", "o-gold", 50)
	b.order("std", "o-std", 50)
	b.order("small", "o-small", 5) // where event.total >= 20 fails
	b.settle()
	msgs := b.smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d emails, want 2 (the small order triggers nothing)", len(msgs))
	}
	byName := map[string]string{}
	for _, m := range msgs {
		byName[strings.Fields(m.Subject)[len(strings.Fields(m.Subject))-1]] = m.Subject
	}
	if !strings.HasPrefix(byName["Grace"], "Gold thanks") {
		t.Errorf("gold customer got %q", byName["Grace"])
	}
	if !strings.HasPrefix(byName["Sam"], "Thank you") {
		t.Errorf("standard customer got %q", byName["Sam"])
	}
}

func TestSMSWhenOnlySMSConsentAndNothingWithoutConsent(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("sms-only", map[string]any{"firstName": "Lena", "email": "lena@example.com", "phone": "0151 23456789",
		"address": map[string]any{"country": "DE"}, "consent": map[string]any{"email": false, "sms": true}})
	b.identify("nobody", map[string]any{"firstName": "Nils", "email": "nils@example.com", "phone": "+4915123456780",
		"consent": map[string]any{"email": false, "sms": false}})
	b.order("sms-only", "o-1", 30)
	b.order("nobody", "o-2", 30)
	b.settle()
	sms := b.twilio.Messages()
	if len(sms) != 1 || sms[0].To != "+4915123456789" || !strings.Contains(sms[0].Body, "Lena") {
		t.Fatalf("twilio got %+v, want one SMS to +4915123456789", sms)
	}
	if n := b.smtp.Count(); n != 0 {
		t.Errorf("%d emails without email consent", n)
	}
	got := b.outcome("nobody", "thank-you", "o-2")
	if !strings.HasPrefix(got, "skipped|no_channel|") || !strings.Contains(got, "consent") {
		t.Errorf("reason not recorded: %q", got)
	}
}

func TestProfileValuesAreEscapedInHTML(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("x", emailCustomer("<script>alert(1)</script>", "en", "silver"))
	b.order("x", "o-1", 30)
	msg := b.smtp.Wait(t, 1, 10*time.Second)[0]
	if strings.Contains(msg.HTML, "<script>") || !strings.Contains(msg.HTML, "&lt;script&gt;") {
		t.Fatalf("profile value not escaped in HTML: %q", msg.HTML)
	}
}

func TestLateEventWaitsForTheLocalWindow(t *testing.T) {
	b := setup(t, thankYou, "09:00-20:00")
	berlin := must(time.LoadLocation("Europe/Berlin"))
	// 23:00 in Berlin, tomorrow (in the future of the real clock, so asynq keeps the deferred
	// task scheduled and the test can read its time).
	tomorrow := time.Now().In(berlin).AddDate(0, 0, 1)
	b.clock.Set(time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 23, 0, 0, 0, berlin))
	b.identify("late", map[string]any{"firstName": "Lutz", "email": "lutz@example.com", "timezone": "Europe/Berlin",
		"consent": map[string]any{"email": true}})
	b.order("late", "o-late", 30)
	b.settle()
	if n := b.smtp.Count(); n != 0 {
		t.Fatalf("%d emails sent at 23:00 local", n)
	}
	tasks, err := b.inspector.ListScheduledTasks("critical")
	if err != nil || len(tasks) != 1 {
		t.Fatalf("scheduled tasks %v, %v; want the deferred send", tasks, err)
	}
	want := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day()+1, 9, 0, 0, 0, berlin)
	if !tasks[0].NextProcessAt.Equal(want) {
		t.Fatalf("deferred to %s, want %s (09:00 Berlin)", tasks[0].NextProcessAt.In(berlin), want)
	}
}

func TestSMTPOutageIsRetriedAndDeliveredOnce(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("c", emailCustomer("Cleo", "en", "silver"))
	b.smtp.Stop()
	b.order("c", "o-1", 30)
	b.failed(1) // the attempt while SMTP was down returned an error: asynq retries it
	b.smtp.Restart(t)
	b.smtp.Wait(t, 1, 10*time.Second)
	b.settle()
	if n := b.smtp.Count(); n != 1 {
		t.Fatalf("%d emails after the outage, want exactly 1", n)
	}
}

// TestPermanentRefusalsAreNotRetried: a refusal the server would repeat is not retried and is
// recorded skipped. A 550 for the recipient marks the address undeliverable; a refusal of the
// message's content (554 5.6.0, a line too long) says nothing of the address, so it stays
// deliverable for the next campaign and the record says content_refused.
func TestPermanentRefusalsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name          string
		refuse        func() error
		undeliverable bool
		record        string
	}{
		{"550 for the recipient marks the address", reject550, true, "skipped|"},
		{"a content refusal leaves the address alone", rejectContent, false, "skipped|content_refused|"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, oneEmailCampaign, "")
			b.identify("bounce", emailCustomer("Bo", "en", "silver"))
			var attempts int
			b.smtp.Respond(func(testenvReceived) error { attempts++; return tc.refuse() })
			b.order("bounce", "o-1", 30)
			b.settle()
			q := must(b.inspector.GetQueueInfo("critical"))
			if q.Retry != 0 || q.Archived != 0 || attempts != 1 {
				t.Fatalf("permanent failure retried: retry=%d archived=%d attempts=%d", q.Retry, q.Archived, attempts)
			}
			prof := must(b.store.Get(context.Background(), "bounce"))
			if got := prof.Undeliverable["email"] != ""; got != tc.undeliverable {
				t.Errorf("address marked undeliverable: %v, want %v (%q)", got, tc.undeliverable, prof.Undeliverable["email"])
			}
			if got := b.outcome("bounce", "c", "o-1"); !strings.HasPrefix(got, tc.record) {
				t.Errorf("delivery record %q, want %s...", got, tc.record)
			}
		})
	}
}

// oneEmailCampaign is one triggered email campaign with one variant.
var oneEmailCampaign = map[string]string{
	"campaigns/c.yaml": `
id: c
trigger: {event: Order Completed}
channels: [email]
variants:
  - id: v
    email: {subject: "Hi", html: c.html}
`,
	"templates/c.html": `<p>Hi</p>`,
}

// TestConcurrentDeliveriesOfOneOccurrenceSendOnce is the case the claim exists for: asynq may
// requeue a task on shutdown while its first handler still sends, so two handlers run the same
// occurrence at once. Neither has recorded the send yet; only the Redis claim stops the second.
func TestConcurrentDeliveriesOfOneOccurrenceSendOnce(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("twice", emailCustomer("Tia", "en", "silver"))
	p := &tasks.SendPayload{Campaign: "thank-you", Customer: "twice", Occurrence: "o-1", Due: time.Now(),
		Event: &tasks.EventPayload{ID: "o-1", Name: "Order Completed", Properties: map[string]any{"total": 50.0}, Timestamp: time.Now()}}
	var wg sync.WaitGroup
	states := make([]string, 8)
	for i := range states {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := b.deliverer.Deliver(context.Background(), p)
			if err != nil {
				states[i] = err.Error()
				return
			}
			states[i] = string(out.State)
		}(i)
	}
	wg.Wait()
	b.settle()
	if n := b.smtp.Count(); n != 1 {
		t.Fatalf("%d emails from 8 concurrent deliveries of one occurrence (outcomes %v), want 1", n, states)
	}
}

// TestShutdownLetsTheInFlightSendFinish: on SIGTERM the worker stops taking tasks but a send
// already talking to the SMTP server completes and is recorded, not cut off and resent.
func TestShutdownLetsTheInFlightSendFinish(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("slow", emailCustomer("Sol", "en", "silver"))
	inData, release := make(chan struct{}, 1), make(chan struct{})
	b.smtp.Respond(func(testenvReceived) error {
		inData <- struct{}{}
		<-release // the server answers DATA only once the worker is shutting down
		return nil
	})
	b.order("slow", "o-1", 30)
	select {
	case <-inData:
	case <-time.After(10 * time.Second):
		t.Fatal("the send never reached the SMTP server")
	}
	stopped := make(chan struct{})
	go func() { defer close(stopped); b.worker.Shutdown() }()
	waitShuttingDown(t, "TestShutdownLetsTheInFlightSendFinish")
	close(release)
	<-stopped
	if n := b.smtp.Count(); n != 1 {
		t.Fatalf("%d messages accepted after shutdown, want the in-flight one", n)
	}
	if got := b.outcome("slow", "thank-you", "once"); !strings.HasPrefix(got, "sent|email|") {
		t.Fatalf("delivery record after shutdown: %q", got)
	}
}

// TestWrongProviderCredentialsRetryWithoutMarkingAddresses: a 401 from the SMS provider is our
// configuration, not the customer's number; marking numbers undeliverable would silence every
// customer after one bad deploy.
func TestWrongProviderCredentialsRetryWithoutMarkingAddresses(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("texter", map[string]any{"firstName": "Tex", "phone": "+4915123456789",
		"consent": map[string]any{"sms": true}})
	b.twilio.Fail(401, 20003)
	b.order("texter", "o-1", 30)
	b.failed(2) // the first attempt and its retry, both refused
	if p := must(b.store.Get(context.Background(), "texter")); len(p.Undeliverable) != 0 {
		t.Fatalf("a provider credential error marked the customer: %v", p.Undeliverable)
	}
	b.twilio.Respond(nil)
	b.twilio.Wait(t, 1, 10*time.Second)
	b.settle()
	if n := len(b.twilio.Messages()); n != 1 {
		t.Fatalf("%d SMS after the credentials were fixed, want 1", n)
	}
}

// TestOldEventUpdatesTheProfileButTriggersNothing: a backfill or a late replay must not thank
// a customer for an order of last month.
func TestOldEventUpdatesTheProfileButTriggersNothing(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("old", emailCustomer("Olga", "ru", "silver"))
	code, out := b.post("/v1/track", map[string]any{
		"userId": "old", "event": "Order Completed", "messageId": "o-old",
		"properties": map[string]any{"total": 90.0},
		"timestamp":  time.Now().Add(-25 * time.Hour).Format(time.RFC3339),
	})
	if code != 200 {
		t.Fatalf("track: %d %v", code, out)
	}
	b.settle()
	if n := b.smtp.Count(); n != 0 {
		t.Fatalf("%d emails for a 25-hour-old order", n)
	}
	if p := must(b.store.Get(context.Background(), "old")); p.Summary.Orders != 1 {
		t.Fatalf("the old order did not update the profile: %+v", p.Summary)
	}
}

// TestTimeoutAfterDataIsNotResent: the server received the whole message but answered after
// the client gave up. It may have queued it, so a resend would risk a duplicate; the outcome
// is recorded as unknown instead.
func TestTimeoutAfterDataIsNotResent(t *testing.T) {
	b := setup(t, thankYou, "")
	b.identify("late-ack", emailCustomer("Lea", "en", "silver"))
	release := make(chan struct{})
	b.smtp.Respond(func(testenvReceived) error { <-release; return nil })
	b.order("late-ack", "o-1", 30)
	// The server holds its answer to DATA until the client gave up (the pool's 2 s timeout)
	// and the delivery finished; a retry instead would not count as finished.
	b.settle()
	close(release) // the server accepts the message after all
	b.smtp.Wait(t, 1, 10*time.Second)
	if n := b.smtp.Count(); n != 1 {
		t.Fatalf("%d messages, want 1: a send whose outcome was unknown was retried", n)
	}
	if got := b.outcome("late-ack", "thank-you", "once"); !strings.HasPrefix(got, "unknown|email|") {
		t.Fatalf("delivery record %q, want unknown", got)
	}
}

// waitShuttingDown waits until the worker shut down by caller (a function name on the stack
// of the goroutine calling Worker.Shutdown) is inside asynq's processor shutdown: it has
// stopped taking tasks and waits for the handlers in flight. asynq reports this nowhere (its
// log line is at info, below the worker's warn), so the test reads the goroutine stacks,
// polling with a deadline: the thing waited for is asynq's, not ours.
func waitShuttingDown(t *testing.T, caller string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		for g := range bytes.SplitSeq(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
			if bytes.Contains(g, []byte("asynq.(*processor).shutdown")) && bytes.Contains(g, []byte(caller)) {
				return
			}
		}
	}
	t.Fatal("asynq's processor never started shutting down")
}
