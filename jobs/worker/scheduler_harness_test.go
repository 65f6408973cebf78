package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/campaignstate"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/rewards"
)

// schedBundle wires the scheduled path on a real Redis and a real SMTP server: scheduler ->
// fan-out -> batches -> deliverer. No worker runs unless a test starts one: tests with an
// injected clock play the scheduled tasks themselves, in order (play), because asynq moves
// scheduled tasks by the real clock.
type schedBundle struct {
	t         *testing.T
	rdb       redis.UniversalClient
	smtp      *testenv.SMTP
	store     *customers.Store
	claims    *delivery.Claims
	catalog   *delivery.CatalogRef
	deliverer *delivery.Deliverer
	fanout    *schedule.Fanout
	batcher   *schedule.Batcher
	client    *asynq.Client
	inspector *asynq.Inspector
	clock     *clock
	log       *zap.Logger
	// signals receives the steps of the bundle's schedulers, fan-outs and batches.
	signals *schedule.Signals
	// states pauses and resumes campaigns, for the deliverer and the schedulers.
	states *campaignstate.Store
}

func setupScheduled(t *testing.T, files map[string]string) *schedBundle {
	t.Helper()
	return setupScheduledOn(t, testenv.NewRedis(t).Client, files)
}

// setupScheduledOn is setupScheduled on a given Redis (a single server or a Cluster client).
func setupScheduledOn(t *testing.T, rdb redis.UniversalClient, files map[string]string) *schedBundle {
	t.Helper()
	set, tpl := loadTree(t, files)
	b := &schedBundle{t: t, rdb: rdb, smtp: testenv.NewSMTP(t), clock: &clock{}, signals: schedule.NewSignals()}
	b.log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	b.store = customers.NewStore(rdb, customers.Options{})
	b.claims = delivery.NewClaims(rdb)
	b.states = campaignstate.NewStore(rdb, campaignstate.Options{Now: b.clock.Now})
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: b.smtp.URL(), From: "Shop <shop@example.com>", Size: 8, Timeout: 2 * time.Second}, b.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	b.client = asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { _ = b.client.Close() })
	b.inspector = asynq.NewInspectorFromRedisClient(rdb)
	b.catalog = delivery.NewCatalogRef(delivery.NewCatalog(set, tpl))
	b.deliverer = must(delivery.New(delivery.Config{
		Catalog: b.catalog, Profiles: b.store, Claims: b.claims, Rewards: rewards.NewLedger(rdb, "secret"),
		Email: pool, SMS: channels.NewTwilio(channels.TwilioConfig{BaseURL: "http://127.0.0.1:1"}, http.DefaultClient),
		Links: links.NewSigner("secret", "https://news.example.com"), Enqueue: b.client,
		Policy:        decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", DefaultRegion: "US"},
		MessageDomain: "example.com", Now: b.clock.Now, Log: b.log, Pauses: b.states,
	}))
	b.fanout = must(schedule.NewFanout(schedule.FanoutConfig{Catalog: b.catalog, Store: b.store, RDB: rdb, Enqueue: b.client, PageSize: 100, Now: b.clock.Now, Log: b.log, Signals: b.signals}))
	b.batcher = must(schedule.NewBatcher(schedule.BatchConfig{Deliverer: b.deliverer, RDB: rdb, Log: b.log, Signals: b.signals}))
	return b
}

// withFanout rebuilds the bundle's fan-out handler with a changed configuration.
func (b *schedBundle) withFanout(change func(*schedule.FanoutConfig)) {
	c := b.fanout.Config()
	change(&c)
	b.fanout = must(schedule.NewFanout(c))
}

// scheduler returns a scheduler on the bundle's Redis (each with its own lease token).
func (b *schedBundle) scheduler() *schedule.Scheduler {
	return must(schedule.NewScheduler(schedule.Config{Catalog: b.catalog, RDB: b.rdb, Enqueue: b.client, Now: b.clock.Now, Log: b.log, Signals: b.signals,
		Pauses: b.states}))
}

// startWorker starts a worker with the scheduled handlers; stop it with Shutdown.
func (b *schedBundle) startWorker(shutdown time.Duration) *worker.Worker {
	b.t.Helper()
	w := must(worker.New(b.rdb, worker.Config{
		Concurrency: 4, ShutdownTimeout: shutdown, DelayedCheckInterval: 50 * time.Millisecond,
		RetryDelay: func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond },
	}, worker.Handlers{Send: b.deliverer, Batch: b.batcher, Fanout: b.fanout}, b.log))
	if err := w.Start(); err != nil {
		b.t.Fatal(err)
	}
	return w
}

// customers creates customers with identify events: id -> traits.
func (b *schedBundle) customers(byID map[string]map[string]any) {
	b.t.Helper()
	var evs []customers.Event
	for id, traits := range byID {
		evs = append(evs, customers.Event{Type: "identify", MessageID: "identify-" + id, UserID: id, Traits: traits,
			Timestamp: time.Now(), ReceivedAt: time.Now()})
	}
	for chunk := range slices.Chunk(evs, 200) {
		if _, err := b.store.Apply(context.Background(), chunk); err != nil {
			b.t.Fatal(err)
		}
	}
}

// played is one task play ran: its type, when it ran (the injected clock), its payload.
type played struct {
	Type    string
	At      time.Time
	Payload []byte
}

// play runs every scheduled task due up to `until`, earliest first, setting the injected
// clock to each task's time: what a worker would do if real time were `until`.
func (b *schedBundle) play(until time.Time) []played {
	b.t.Helper()
	ctx := context.Background()
	var out []played
	for {
		var next *asynq.TaskInfo
		for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
			tasks, err := b.inspector.ListScheduledTasks(q, asynq.PageSize(10000))
			if err != nil {
				continue // the queue does not exist yet
			}
			for _, ti := range tasks {
				if next == nil || ti.NextProcessAt.Before(next.NextProcessAt) {
					next = ti
				}
			}
		}
		if next == nil || next.NextProcessAt.After(until) {
			return out
		}
		if err := b.inspector.DeleteTask(next.Queue, next.ID); err != nil {
			b.t.Fatal(err)
		}
		b.clock.Set(next.NextProcessAt)
		task := asynq.NewTask(next.Type, next.Payload)
		var err error
		switch next.Type {
		case tasks.TypeFanout:
			err = b.fanout.ProcessTask(ctx, task)
		case tasks.TypeBatch:
			err = b.batcher.ProcessTask(ctx, task)
		case tasks.TypeSend:
			var p tasks.SendPayload
			if err = json.Unmarshal(next.Payload, &p); err == nil {
				_, err = b.deliverer.Deliver(ctx, &p)
			}
		}
		if err != nil {
			b.t.Fatalf("%s at %s: %v", next.Type, next.NextProcessAt, err)
		}
		out = append(out, played{Type: next.Type, At: next.NextProcessAt, Payload: next.Payload})
	}
}

// sends returns the sends recorded on a customer's profile.
func (b *schedBundle) sends(id string) []decide.Send {
	b.t.Helper()
	p, err := b.store.Get(context.Background(), id)
	if err != nil {
		b.t.Fatal(err)
	}
	return p.Sends
}

// emailTo builds the traits of an emailable customer.
func emailTo(id, tz string, extra map[string]any) map[string]any {
	m := map[string]any{"firstName": id, "email": id + "@example.com", "timezone": tz, "consent": map[string]any{"email": true}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// waitRun waits until the latest run of a campaign is complete — every batch of its
// fan-out recorded — reading the run again after each chunk a batch records and each fan-out
// pass (schedule.Signals), and returns it.
func (b *schedBundle) waitRun(campaign string, timeout time.Duration) schedule.Run {
	b.t.Helper()
	runs := &schedule.Runs{RDB: b.rdb, Catalog: b.catalog}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		recent, err := runs.Recent(context.Background(), campaign, 1)
		if err != nil {
			b.t.Fatal(err)
		}
		if len(recent) == 1 && recent[0].Completed != nil {
			return recent[0]
		}
		select {
		case <-b.signals.Chunk:
		case <-b.signals.FanoutPass: // a pass may complete a run whose batches finished first
		case <-deadline.C:
			b.t.Fatalf("run of %s not complete after %s: %+v", campaign, timeout, recent)
		}
	}
}

// waitIdle waits until asynq has no task of the scheduled path pending, running or waiting to
// retry: a batch enqueued again after its run completed would still send. This polls, with a
// deadline, because what it waits for is asynq's own bookkeeping (a finished handler's task
// leaves the active list after the handler returned), which signals nothing.
func (b *schedBundle) waitIdle(timeout time.Duration) {
	b.t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		idle := true
		for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
			ok, err := worker.Idle(b.inspector, q)
			idle = idle && ok && err == nil
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("asynq's queues not idle after %s", timeout)
		}
	}
}
