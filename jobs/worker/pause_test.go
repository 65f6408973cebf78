package worker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// everyOrder thanks the customer for every order (no repeat rule), so that a pause, not the
// repeat rule, is what stops a send.
var everyOrder = map[string]string{
	"campaigns/every-order.yaml": `
id: every-order
trigger:
  event: Order Completed
channels: [email]
variants:
  - id: v
    email: {subject: "Thanks for order {{.Event.order_id}}", html: every.html}
`,
	"templates/every.html": `<p>Thank you, {{.Customer.FirstName}}.</p>`,
}

// dailyUTC greets every customer at 10:00 UTC, every day.
var dailyUTC = map[string]string{
	"campaigns/daily.yaml": `
id: daily
trigger:
  schedule: {cron: "0 10 * * *"}
channels: [email]
variants:
  - id: v
    email: {subject: "Good morning {{.Customer.FirstName}}", html: daily.html}
`,
	"templates/daily.html": `<p>Good morning {{.Customer.FirstName}}</p>`,
}

// lastDone returns the latest finished delivery of a campaign.
func (b *bundle) lastDone(campaign string) delivery.Done {
	b.t.Helper()
	b.events.mu.Lock()
	defer b.events.mu.Unlock()
	for i := len(b.events.done) - 1; i >= 0; i-- {
		if d := b.events.done[i]; d.Campaign == campaign && d.Err == nil {
			return d
		}
	}
	b.t.Fatalf("no delivery of %s finished", campaign)
	return delivery.Done{}
}

func TestPauseStopsTheNextSendAndResumeRestartsIt(t *testing.T) {
	b := setup(t, everyOrder, "")
	b.identify("ann", emailCustomer("Ann", "en", "silver"))

	b.order("ann", "order-1", 10)
	b.smtp.Wait(t, 1, 10*time.Second)

	if code, out := b.post("/v1/campaigns/every-order/pause", map[string]any{"by": "mona"}); code != 200 || out["state"] != "paused" || out["paused_by"] != "mona" {
		t.Fatalf("pause: %d %v", code, out)
	}
	b.order("ann", "order-2", 10)
	b.settle()
	if n := b.smtp.Count(); n != 1 {
		t.Fatalf("%d emails while paused, want 1", n)
	}
	d := b.lastDone("every-order")
	if d.Outcome.State != delivery.StateSkipped || d.Outcome.Reason != "paused" {
		t.Fatalf("send while paused: %+v", d.Outcome)
	}
	if got := b.outcome("ann", "every-order", d.Occurrence); !strings.HasPrefix(got, "skipped|paused|campaign paused by mona at ") {
		t.Fatalf("delivery record while paused: %q", got)
	}

	if code, out := b.post("/v1/campaigns/every-order/resume", nil); code != 200 || out["state"] != "running" {
		t.Fatalf("resume: %d %v", code, out)
	}
	b.order("ann", "order-3", 10)
	msgs := b.smtp.Wait(t, 2, 10*time.Second)
	if got := msgs[1].Subject; got != "Thanks for order order-3" {
		t.Fatalf("after resume got %q; the skipped order-2 must not be sent", got)
	}
	b.settle()
	if n := b.smtp.Count(); n != 2 {
		t.Fatalf("%d emails after resume, want 2 (the skipped one is not resent)", n)
	}
}

func TestCampaignStateEndpoints(t *testing.T) {
	b := setup(t, everyOrder, "")
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, b.api.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, sb.String()
	}
	if code, body := get("/v1/campaigns/every-order/state"); code != 200 || !strings.Contains(body, `"state":"running"`) {
		t.Fatalf("state: %d %s", code, body)
	}
	if code, out := b.post("/v1/campaigns/no-such/pause", nil); code != 404 || out["field"] != "id" {
		t.Fatalf("unknown campaign: %d %v", code, out)
	}
	if code, out := b.post("/v1/campaigns/every-order/pause", map[string]any{"by": 3}); code != 400 || out["field"] != "by" {
		t.Fatalf("bad by: %d %v", code, out)
	}
	// Without "by", the pause names the key by a digest, never by the key itself.
	code, out := b.post("/v1/campaigns/every-order/pause", nil)
	if by, _ := out["paused_by"].(string); code != 200 || !strings.HasPrefix(by, "api key ") || strings.Contains(by, apiKey) {
		t.Fatalf("pause without by: %d %v", code, out)
	}
	code, body := get("/v1/campaigns/every-order/state")
	if code != 200 || !strings.Contains(body, `"state":"paused"`) || !strings.Contains(body, `"action":"pause"`) {
		t.Fatalf("state after pause: %d %s", code, body)
	}
}

func TestPausedScheduleFiresNothingSkipsWhatWasPendingAndResumeSendsTheNextOccurrence(t *testing.T) {
	b := setupScheduled(t, dailyUTC)
	b.customers(map[string]map[string]any{"a": emailTo("a", "UTC", nil), "b": emailTo("b", "UTC", nil)})
	s := b.scheduler()
	ctx := context.Background()
	day := func(d, h int) time.Time { return time.Date(2027, 5, d, h, 0, 0, 0, time.UTC) }

	b.drive(s, day(1, 0), day(1, 12), time.Hour) // day 1: both greeted
	if n := b.smtp.Count(); n != 2 {
		t.Fatalf("day 1: %d emails, want 2", n)
	}

	// Day 2: the occurrence fires, then the campaign is paused before its batches run.
	b.drive(s, day(1, 13), day(2, 9), time.Hour)
	b.clock.Set(day(2, 10))
	if n, err := s.Tick(ctx, day(2, 10)); err != nil || n != 1 {
		t.Fatalf("day 2 tick: %d fan-outs, %v", n, err)
	}
	if err := b.states.Pause(ctx, "daily", "mona"); err != nil {
		t.Fatal(err)
	}
	b.play(day(2, 10))
	run := b.waitRun("daily", 5*time.Second)
	if run.Sent != 0 || run.Skipped["paused"] != 2 {
		t.Fatalf("day 2 run while paused: sent %d, skipped %v; want 2 skipped as paused", run.Sent, run.Skipped)
	}

	// Day 3, still paused: the scheduler does not fire.
	for now := day(2, 11); !now.After(day(3, 12)); now = now.Add(time.Hour) {
		b.clock.Set(now)
		if n, err := s.Tick(ctx, now); err != nil || n != 0 {
			t.Fatalf("tick at %s while paused: %d fan-outs, %v", now, n, err)
		}
		b.play(now)
	}
	if n := b.smtp.Count(); n != 2 {
		t.Fatalf("%d emails while paused, want 2", n)
	}

	// Resumed on day 3 after 10:00: day 3 is not caught up, day 4 goes out.
	if err := b.states.Resume(ctx, "daily", "mona"); err != nil {
		t.Fatal(err)
	}
	b.drive(s, day(3, 13), day(4, 12), time.Hour)
	if n := b.smtp.Count(); n != 4 {
		t.Fatalf("%d emails after resume, want 4 (day 1 and day 4)", n)
	}
	for _, id := range []string{"a", "b"} {
		if sends := b.sends(id); len(sends) != 2 || sends[0].At.Day() != 4 {
			t.Fatalf("%s: sends %+v, want day 4 then day 1", id, sends)
		}
	}
}

// TestPauseDuringABatchSkipsItsRest: a pause takes effect at the next chunk of a page being
// sent, not at the next page; the customers already sent keep their send.
func TestPauseDuringABatchSkipsItsRest(t *testing.T) {
	b := setupScheduled(t, dailyUTC)
	b.customers(map[string]map[string]any{"a": emailTo("a", "UTC", nil), "b": emailTo("b", "UTC", nil), "c": emailTo("c", "UTC", nil)})
	ctx := context.Background()
	now := time.Date(2027, 5, 1, 10, 0, 0, 0, time.UTC)
	b.clock.Set(now)
	cfg := b.deliverer.Config()
	cfg.Parallel = 1 // one customer per chunk
	cfg.Observe = func(_ *tasks.SendPayload, out delivery.Outcome) {
		if out.State == delivery.StateSent {
			if err := b.states.Pause(ctx, "daily", "mona"); err != nil {
				t.Error(err)
			}
		}
	}
	d := must(delivery.New(cfg))
	done, err := d.DeliverMany(ctx, &tasks.BatchPayload{Campaign: "daily", Occurrence: "2027-05-01T10:00Z", Due: now, IDs: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range done {
		states[string(r.Outcome.State)+"|"+r.Outcome.Reason]++
	}
	if states["sent|"] != 1 || states["skipped|paused"] != 2 || b.smtp.Count() != 1 {
		t.Fatalf("outcomes %v, %d emails; want 1 sent, then 2 skipped as paused", states, b.smtp.Count())
	}
}
