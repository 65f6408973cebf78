package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/campaignstate"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/trigger"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const apiKey = "test-key"

// clock is the injected time: real time unless fixed.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// bundle is one fully wired Rapport on a real Redis database, a real SMTP server and a fake
// Twilio: HTTP API -> customers -> asynq -> worker -> channels.
type bundle struct {
	t         *testing.T
	smtp      *testenv.SMTP
	twilio    *testenv.Twilio
	store     *customers.Store
	claims    *delivery.Claims
	deliverer *delivery.Deliverer
	ledger    *rewards.Ledger
	inspector *asynq.Inspector
	worker    *worker.Worker
	api       *httptest.Server
	clock     *clock
	// keyring signs tracking links when the bundle tracks (setupTracked).
	keyring *links.Keyring
	// enqueue is what the ingester and the deliverer enqueue through: the asynq client,
	// counting the send tasks it accepts (events).
	enqueue *countingEnqueuer
	events  *events
	// states pauses and resumes campaigns, shared by the deliverer and the API.
	states *campaignstate.Store
	// results counts every campaign's funnel and conversions (report_test.go).
	results *results.Store
}

// setup writes files (campaigns/..., templates/...) into a directory, loads them as `rapport
// lint` would, and starts the worker. window is the default sending window ("" = any time).
func setup(t *testing.T, files map[string]string, window string) *bundle {
	t.Helper()
	return setupOn(t, testenv.NewRedis(t).Client, files, window)
}

// setupOn is setup on a given Redis: a single server, Sentinel or Cluster client.
func setupOn(t *testing.T, rdb redis.UniversalClient, files map[string]string, window string) *bundle {
	t.Helper()
	return setupWith(t, rdb, files, window, nil)
}

// setupWith is setupOn that also tracks opens and clicks with secrets when there are any
// (tracking_test.go).
func setupWith(t *testing.T, rdb redis.UniversalClient, files map[string]string, window string, secrets []string) *bundle {
	t.Helper()
	set, tpl := loadTree(t, files)
	b := &bundle{t: t, smtp: testenv.NewSMTP(t), twilio: testenv.NewTwilio(t), clock: &clock{}, events: newEvents()}
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	b.store = customers.NewStore(rdb, customers.Options{})
	b.results = must(results.New(rdb, 0))
	b.claims = delivery.NewClaims(rdb)
	b.states = campaignstate.NewStore(rdb, campaignstate.Options{})
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: b.smtp.URL(), From: "Shop <shop@example.com>", Size: 4, Timeout: 2 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	sms := channels.NewTwilio(channels.TwilioConfig{AccountSID: b.twilio.AccountSID, AuthToken: b.twilio.AuthToken,
		From: "+15550100", BaseURL: b.twilio.URL, Timeout: 2 * time.Second}, http.DefaultClient)
	client := asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() { _ = client.Close() })
	b.enqueue = &countingEnqueuer{next: client, events: b.events}
	signals := delivery.NewSignals()
	b.events.follow(t, signals)
	b.inspector = asynq.NewInspectorFromRedisClient(rdb)
	var w config.Window
	if window != "" {
		if w, err = config.ParseWindow(window); err != nil {
			t.Fatal(err)
		}
	}
	signer := links.NewSigner("secret", "https://news.example.com")
	catalog := delivery.NewCatalogRef(delivery.NewCatalog(set, tpl))
	var tracking *delivery.Tracking
	var apiTracking *api.Tracking
	if len(secrets) > 0 {
		b.keyring = must(links.NewKeyring(secrets, "https://news.example.com"))
		tracking = &delivery.Tracking{Keyring: b.keyring, Store: b.store}
		apiTracking = &api.Tracking{Keyring: b.keyring, Hits: b.store}
	}
	b.ledger = rewards.NewLedger(rdb, "secret")
	b.deliverer = must(delivery.New(delivery.Config{
		Catalog: catalog, Profiles: b.store, Claims: b.claims, Rewards: b.ledger,
		Email: pool, SMS: sms, Links: signer, Enqueue: b.enqueue,
		Policy:        decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", Window: w, DefaultRegion: "US"},
		MessageDomain: "example.com", Now: b.clock.Now, Log: log, Tracking: tracking, Signals: signals, Pauses: b.states,
		Results: b.results,
	}))
	wk := must(worker.New(rdb, worker.Config{
		Concurrency: 4, ShutdownTimeout: 5 * time.Second, DelayedCheckInterval: 50 * time.Millisecond,
		RetryDelay: func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond },
	}, worker.Handlers{Send: b.deliverer}, log))
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	b.worker = wk
	t.Cleanup(wk.Shutdown)
	ingester := must(trigger.New(trigger.Config{Catalog: catalog, Store: b.store, Enqueue: b.enqueue, MaxAge: 24 * time.Hour, Now: b.clock.Now, Log: log,
		Results: b.results, Coupons: b.ledger}))
	srv := &api.Server{Ingest: ingester, Customers: b.store, APIKeys: []string{apiKey}, Links: signer, Now: b.clock.Now, Log: log,
		Tracking: apiTracking, States: &api.States{Store: b.states, Known: func(id string) bool { return set.Campaign(id) != nil }},
		Reports: &api.Reports{Store: b.results, Known: func(id string) bool { return set.Campaign(id) != nil }}, Coupons: b.ledger}
	b.api = httptest.NewServer(srv.Handler())
	t.Cleanup(b.api.Close)
	return b
}

// loadTree writes files (campaigns/..., templates/...) into a directory and loads them as
// `rapport lint` would.
func loadTree(t *testing.T, files map[string]string) (*config.Set, *templates.Set) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := config.LoadDir(dir)
	if err != nil {
		t.Fatalf("load campaigns: %v", err)
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		t.Fatalf("load templates: %v", err)
	}
	return set, tpl
}

// post sends a JSON body to the API and returns the status and decoded answer.
func (b *bundle) post(path string, body any) (int, map[string]any) {
	b.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, b.api.URL+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (b *bundle) identify(id string, traits map[string]any) {
	b.t.Helper()
	if code, out := b.post("/v1/identify", map[string]any{"userId": id, "traits": traits, "messageId": "identify-" + id}); code != 200 {
		b.t.Fatalf("identify %s: %d %v", id, code, out)
	}
}

func (b *bundle) order(id, messageID string, total float64) map[string]any {
	b.t.Helper()
	code, out := b.post("/v1/track", map[string]any{
		"userId": id, "event": "Order Completed", "messageId": messageID,
		"properties": map[string]any{"total": total, "currency": "EUR", "order_id": messageID},
		"timestamp":  b.clock.Now().Format(time.RFC3339Nano),
	})
	if code != 200 {
		b.t.Fatalf("track %s: %d %v", messageID, code, out)
	}
	return out
}

// settle waits until every send task enqueued so far for now has reached its final outcome:
// as many deliveries finished without error (delivery.Signals) as send tasks were accepted by
// the bundle's enqueuer. Attempts that returned an error do not count: asynq retries them.
// Deliveries a test runs itself (Deliver) count as finished too.
func (b *bundle) settle() {
	b.t.Helper()
	b.events.wait(b.t, 15*time.Second, "every enqueued send finished", func(e *events) bool {
		return e.final() >= e.enqueued
	})
}

// failed waits until n delivery attempts have returned an error (asynq retries them).
func (b *bundle) failed(n int) {
	b.t.Helper()
	b.events.wait(b.t, 15*time.Second, fmt.Sprintf("%d failed attempts", n), func(e *events) bool {
		return len(e.done)-e.final() >= n
	})
}

func (b *bundle) outcome(customer, campaign, occurrence string) string {
	b.t.Helper()
	rec, ok, err := b.claims.Outcome(context.Background(), customer, campaign, occurrence)
	if err != nil {
		b.t.Fatal(err)
	}
	return outcomeText(rec, ok)
}

// outcomeText summarises a delivery record for assertions: "sent|CHANNEL|VARIANT|",
// "unknown|CHANNEL|VARIANT|", "skipped|REASON|REASONS", "holdout|REASON|REASONS"; "" when there is none.
func outcomeText(rec delivery.Record, ok bool) string {
	switch {
	case !ok:
		return ""
	case rec.State == delivery.StateSent || rec.State == delivery.StateUnknown:
		return string(rec.State) + "|" + rec.Channel + "|" + rec.Variant + "|"
	case rec.State == delivery.StateClaimed:
		return "claimed|" + rec.Token
	}
	return string(rec.State) + "|" + rec.Reason + "|" + strings.Join(rec.Reasons, "; ")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("must: %v", err))
	}
	return v
}

type testenvReceived = testenv.Received

func reject550() error { return testenv.Reject(550, "5.1.1 no such user") }

func rejectContent() error {
	return testenv.Reject(554, "5.6.0 message content refused: line too long")
}

// events collects what the code under test reports: send tasks accepted by the enqueuer and
// deliveries finished (delivery.Signals). A wait checks its condition again on every change,
// so tests wait on completion, not on sleeps or on polling the queue.
type events struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced at every change
	enqueued int           // send tasks accepted for processing now (not scheduled for later)
	done     []delivery.Done
}

func newEvents() *events { return &events{changed: make(chan struct{})} }

func (e *events) update(f func(*events)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(e)
	close(e.changed)
	e.changed = make(chan struct{})
}

// final counts the deliveries that finished without error. Called with mu held.
func (e *events) final() int {
	n := 0
	for _, d := range e.done {
		if d.Err == nil {
			n++
		}
	}
	return n
}

// follow records the deliveries signalled until the test ends.
func (e *events) follow(t *testing.T, s *delivery.Signals) {
	quit := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(quit); <-stopped })
	go func() {
		defer close(stopped)
		for {
			select {
			case d := <-s.Done:
				e.update(func(e *events) { e.done = append(e.done, d) })
			case <-quit:
				return
			}
		}
	}()
}

// wait returns when cond holds (checked under the lock at every change) and fails the test
// after timeout, saying what it waited for.
func (e *events) wait(t *testing.T, timeout time.Duration, what string, cond func(*events) bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		ok, changed := cond(e), e.changed
		enqueued, done, final := e.enqueued, len(e.done), e.final()
		e.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("waited %s for %s: %d send tasks enqueued, %d deliveries finished (%d without error)",
				timeout, what, enqueued, done, final)
			return
		}
	}
}

// countingEnqueuer is tasks.Enqueuer over asynq that counts the send tasks asynq accepted
// for processing now; those scheduled for later (a send deferred to the customer's window)
// are not waited for, since asynq moves them by the real clock.
type countingEnqueuer struct {
	next   tasks.Enqueuer
	events *events
}

func (c *countingEnqueuer) EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	info, err := c.next.EnqueueContext(ctx, task, opts...)
	if err == nil && task.Type() == tasks.TypeSend && info.State == asynq.TaskStatePending {
		c.events.update(func(e *events) { e.enqueued++ })
	}
	return info, err
}
