package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/jobs/dryrun"
	"github.com/rapporthq/rapport/jobs/tasks"
)

var nowruz = map[string]string{
	"campaigns/nowruz.yaml": `
id: nowruz
trigger:
  holiday: {name: nowruz, at: "10:00"}
channels: [email]
variants:
  - id: v
    email: {subject: "Nowruz mobarak {{.Customer.FirstName}}", html: nowruz.html}
`,
	"templates/nowruz.html": `<p>Nowruz mobarak</p>`,
}

// A play runs the occurrence the scheduler would fire next, at once, with each customer's
// message decided and recorded at their local 10:00 on the holiday's date; played again it
// sends nothing, and nothing of it waits in asynq.
func TestPlayRunsTheNextOccurrenceNowAtEachCustomersLocalTime(t *testing.T) {
	b := setupScheduled(t, nowruz)
	b.customers(map[string]map[string]any{
		"tehran": emailTo("tehran", "Asia/Tehran", map[string]any{"address": map[string]any{"country": "IR"}}),
		"kabul":  emailTo("kabul", "Asia/Kabul", map[string]any{"address": map[string]any{"country": "AF"}}),
		"berlin": emailTo("berlin", "Europe/Berlin", map[string]any{"address": map[string]any{"country": "DE"}}),
	})
	pl := &dryrun.Player{Fanout: b.fanout, Deliverer: b.deliverer}
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

	o, n, err := pl.Next(ctx, "nowruz", now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Key != "2027-03-21" || n != 2 {
		t.Fatalf("next occurrence %s with %d customers, want 2027-03-21 with 2 (Iran, Afghanistan)", o.Key, n)
	}
	rep, err := pl.Play(ctx, "nowruz", o)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.smtp.Count(); got != 2 {
		t.Errorf("%d messages at the SMTP server, want 2", got)
	}
	for id, tz := range map[string]string{"tehran": "Asia/Tehran", "kabul": "Asia/Kabul"} {
		sends := b.sends(id)
		if len(sends) != 1 {
			t.Fatalf("%s: %d sends, want 1", id, len(sends))
		}
		if got := sends[0].At.In(must(time.LoadLocation(tz))).Format("2006-01-02 15:04"); got != "2027-03-21 10:00" {
			t.Errorf("%s greeted at %s local, want 2027-03-21 10:00", id, got)
		}
	}
	if n := len(b.sends("berlin")); n != 0 {
		t.Errorf("berlin got %d Nowruz greetings", n)
	}
	if r := rep.Run; r.Seen != 3 || r.Sent != 2 || r.Skipped["no_holiday"] != 1 || r.Completed == nil {
		t.Errorf("run %+v, want 3 seen, 2 sent, 1 skipped no_holiday, completed", r)
	}
	if len(rep.Outcomes) != 2 || rep.Left != 0 {
		t.Errorf("%d outcomes, %d tasks left; want 2 and 0", len(rep.Outcomes), rep.Left)
	}
	for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
		if tasks, err := b.inspector.ListScheduledTasks(q); err == nil && len(tasks) > 0 {
			t.Errorf("the play left %d tasks in asynq queue %s", len(tasks), q)
		}
	}

	if _, err := pl.Play(ctx, "nowruz", o); err != nil {
		t.Fatal(err)
	}
	if got := b.smtp.Count(); got != 2 {
		t.Errorf("played twice: %d messages, want still 2", got)
	}
}
