package worker_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/schedule"
)

// dailyNow is a daily campaign in UTC whose occurrence is the current minute of the real
// clock, so that its fan-out and batches are due at once and real workers process them.
func dailyNow(now time.Time) map[string]string {
	at := now.UTC()
	return map[string]string{
		"campaigns/news.yaml": fmt.Sprintf(`
id: news
trigger:
  schedule: {cron: "%d %d * * *", tz: UTC}
channels: [email]
variants:
  - id: v
    email: {subject: "News for {{.Customer.FirstName}}", html: news.html}
`, at.Minute(), at.Hour()),
		"templates/news.html": `<p>News</p>`,
	}
}

func manyCustomers(n int) map[string]map[string]any {
	out := map[string]map[string]any{}
	for i := range n {
		id := fmt.Sprintf("c%04d", i)
		out[id] = emailTo(id, "UTC", nil)
	}
	return out
}

// waitExactly waits until the run of news is complete and asynq has nothing left to run, then
// checks that n messages went out, one to each recipient, and that the run counted them.
func waitExactly(t *testing.T, b *schedBundle, n int) {
	t.Helper()
	run := b.waitRun("news", 60*time.Second)
	b.waitIdle(10 * time.Second)
	if run.Sent != int64(n) || run.Queued != int64(n) {
		t.Errorf("run progress %+v, want %d queued and sent", run, n)
	}
	msgs := b.smtp.Messages()
	per := map[string]int{}
	for _, m := range msgs {
		per[strings.Join(m.To, ",")]++
	}
	for to, k := range per {
		if k != 1 {
			t.Errorf("%s got %d messages", to, k)
		}
	}
	if len(msgs) != n || len(per) != n {
		t.Fatalf("%d messages to %d recipients, want %d each", len(msgs), len(per), n)
	}
}

func TestTwoSchedulersAndTwoWorkersSendExactlyOncePerCustomer(t *testing.T) {
	now := time.Now()
	twoSchedulersScenario(t, setupScheduled(t, dailyNow(now)), now, 1000)
}

// TestTwoSchedulersOnRedisClusterSendExactlyOncePerCustomer is the same scenario on a
// three-master cluster: the lease, the schedule state, runs, claims and asynq's queues each
// live in their own hash slot.
func TestTwoSchedulersOnRedisClusterSendExactlyOncePerCustomer(t *testing.T) {
	now := time.Now()
	_, client := testenv.NewCluster(t)
	twoSchedulersScenario(t, setupScheduledOn(t, client, dailyNow(now)), now, 300)
}

func twoSchedulersScenario(t *testing.T, b *schedBundle, now time.Time, n int) {
	t.Helper()
	b.customers(manyCustomers(n))
	for range 2 {
		w := b.startWorker(5 * time.Second)
		t.Cleanup(w.Shutdown)
	}
	ctx := context.Background()
	s1, s2 := b.scheduler(), b.scheduler()
	for _, s := range []*schedule.Scheduler{s1, s2} {
		must(s.Tick(ctx, now.Add(-10*time.Minute))) // first sight of the campaign
	}
	var fired atomic.Int64
	var wg sync.WaitGroup
	for _, s := range []*schedule.Scheduler{s1, s2} {
		wg.Add(1)
		go func() { defer wg.Done(); fired.Add(int64(must(s.Tick(ctx, now)))) }()
	}
	wg.Wait()
	if fired.Load() != 1 {
		t.Fatalf("%d fan-outs fired by two schedulers, want 1 (only the lease holder fires)", fired.Load())
	}
	// A failover: the holder is gone and the other fires the same occurrence again (its state
	// rewound). The deterministic task id makes this change nothing.
	for _, s := range []*schedule.Scheduler{s1, s2} {
		if err := s.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b.rdb.HSet(ctx, "rp:sched:{news}", "last", now.Add(-10*time.Minute).UnixMilli())
	must(s2.Tick(ctx, now))
	waitExactly(t, b, n)
}

func TestWorkerKilledMidBatchLeavesNobodyOutAndNobodyTwice(t *testing.T) {
	now := time.Now()
	b := setupScheduled(t, dailyNow(now))
	b.withFanout(func(c *schedule.FanoutConfig) { c.PageSize, c.BatchSize = 300, 300 })
	b.customers(manyCustomers(300))
	// The server takes 40 messages, then holds its answers until the first worker was killed,
	// so that the kill lands in the middle of the batch.
	var received atomic.Int64
	reached, killed := make(chan struct{}), make(chan struct{})
	b.smtp.Respond(func(testenv.Received) error {
		switch n := received.Add(1); {
		case n == 40:
			close(reached)
		case n > 40:
			<-killed
		}
		return nil
	})
	ctx := context.Background()
	s := b.scheduler()
	must(s.Tick(ctx, now.Add(-10*time.Minute)))
	first := b.startWorker(50 * time.Millisecond)
	if n := must(s.Tick(ctx, now)); n != 1 {
		t.Fatalf("%d fan-outs fired, want 1", n)
	}
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatalf("only %d messages before the kill", b.smtp.Count())
	}
	// Shutdown with a 50 ms timeout cancels the batch's context in the middle of its sends;
	// asynq puts the task back and the next worker takes it. The sends in flight finish once
	// the server answers, after the kill, and record their outcome.
	first.Shutdown()
	if n := b.smtp.Count(); n >= 300 {
		t.Fatalf("the batch finished (%d messages) before the worker was killed; the test proves nothing", n)
	}
	close(killed)
	second := b.startWorker(5 * time.Second)
	t.Cleanup(second.Shutdown)
	waitExactly(t, b, 300)
}
