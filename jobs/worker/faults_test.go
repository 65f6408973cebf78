package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/rewards"
)

// The fault tests run workers as separate processes, so that a worker can be SIGKILLed by
// its PID, and their own redis-server with an append-only file fsynced at every write, so
// that Redis can be killed and restarted with what it acknowledged. A worker process is this
// test binary re-executed with workerEnv set: TestFaultWorkerProcess then runs a worker until
// it is killed.
const workerEnv = "RAPPORT_FAULT_WORKER"

// Concurrency of the worker processes: faultConcurrency batches at once, each sending
// faultParallel messages at once. At most that many claims are in flight when it dies.
const (
	faultConcurrency = 2
	faultParallel    = 8
	faultLease       = 10 * time.Second
)

type workerSpec struct {
	Redis string    `json:"redis"`
	SMTP  string    `json:"smtp"`
	At    time.Time `json:"at"`
}

// TestFaultWorkerProcess is the body of a worker process (workerEnv); skipped otherwise.
func TestFaultWorkerProcess(t *testing.T) {
	raw := os.Getenv(workerEnv)
	if raw == "" {
		t.Skip("runs only as a worker process of the fault tests")
	}
	var spec workerSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	log := must(zap.NewDevelopment(zap.IncreaseLevel(zap.WarnLevel)))
	rdb := redis.NewClient(&redis.Options{Addr: spec.Redis})
	set, tpl := loadTree(t, dailyNow(spec.At))
	catalog := delivery.NewCatalogRef(delivery.NewCatalog(set, tpl))
	store := customers.NewStore(rdb, customers.Options{})
	pool := must(channels.NewSMTPPool(channels.SMTPConfig{URL: spec.SMTP, From: "Shop <shop@example.com>", Size: faultParallel, Timeout: 2 * time.Second}, log))
	client := asynq.NewClientFromRedisClient(rdb)
	deliverer := must(delivery.New(delivery.Config{
		Catalog: catalog, Profiles: store, Claims: delivery.NewClaims(rdb).WithLease(faultLease), Rewards: rewards.NewLedger(rdb, "secret"),
		Email: pool, SMS: channels.NewTwilio(channels.TwilioConfig{BaseURL: "http://127.0.0.1:1"}, http.DefaultClient),
		Links: links.NewSigner("secret", "https://news.example.com"), Enqueue: client,
		Policy:        decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", DefaultRegion: "US"},
		MessageDomain: "example.com", Log: log, Parallel: faultParallel,
	}))
	fanout := must(schedule.NewFanout(schedule.FanoutConfig{Catalog: catalog, Store: store, RDB: rdb, Enqueue: client, PageSize: 100, Log: log}))
	batcher := must(schedule.NewBatcher(schedule.BatchConfig{Deliverer: deliverer, RDB: rdb, Log: log}))
	w := must(worker.New(rdb, worker.Config{
		Concurrency: faultConcurrency, DelayedCheckInterval: 50 * time.Millisecond,
		RetryDelay: func(int, error, *asynq.Task) time.Duration { return time.Second },
	}, worker.Handlers{Batch: batcher, Fanout: fanout}, log))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	select {} // until killed
}

// startWorkerProcess starts a worker process; it dies with the test (Pdeathsig).
func startWorkerProcess(t *testing.T, spec workerSpec) *exec.Cmd {
	t.Helper()
	raw, _ := json.Marshal(spec)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultWorkerProcess$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), workerEnv+"="+string(raw))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// durableRedis is a redis-server that keeps what it acknowledged across a SIGKILL
// (appendfsync always), restartable on the same port and directory.
type durableRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func newDurableRedis(t *testing.T) *durableRedis {
	t.Helper()
	r := &durableRedis{t: t, port: must(testenv.FreePort()), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *durableRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *durableRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "no", "--loglevel", "warning")
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill SIGKILLs the server by its PID.
func (r *durableRedis) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		_ = r.cmd.Wait()
	}
}

// deliveryStates counts the delivery records of campaign news by state.
func deliveryStates(t *testing.T, rdb *redis.Client) map[delivery.State]int {
	t.Helper()
	ctx := context.Background()
	out := map[delivery.State]int{}
	iter := rdb.Scan(ctx, 0, "rp:{c:*}:d:news:*", 1000).Iterator()
	for iter.Next(ctx) {
		v, err := rdb.Get(ctx, iter.Val()).Result()
		if err != nil {
			continue
		}
		rec, err := delivery.DecodeRecord(v)
		if err != nil {
			t.Fatal(err)
		}
		out[rec.State]++
	}
	return out
}

// faultScenario runs a 5,000-customer scheduled send on worker processes, calls fault once
// `before` messages went out, and checks that nobody got two messages and that every customer
// is sent or recorded outcome unknown, at most as many unknown as messages in flight.
func faultScenario(t *testing.T, before int, fault func(r *durableRedis, spec workerSpec, worker *exec.Cmd)) {
	if testing.Short() {
		t.Skip("a fault test takes a minute")
	}
	const n = 5000
	now := time.Now()
	r := newDurableRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	b := setupScheduledOn(t, rdb, dailyNow(now))
	b.customers(manyCustomers(n))
	b.smtp.Respond(func(testenv.Received) error { time.Sleep(time.Millisecond); return nil })
	spec := workerSpec{Redis: r.addr(), SMTP: b.smtp.URL(), At: now}
	first := startWorkerProcess(t, spec)
	ctx := context.Background()
	s := b.scheduler()
	must(s.Tick(ctx, now.Add(-10*time.Minute)))
	if k := must(s.Tick(ctx, now)); k != 1 {
		t.Fatalf("%d fan-outs fired, want 1", k)
	}
	deadline := time.Now().Add(60 * time.Second)
	for b.smtp.Count() < before {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages before the fault", b.smtp.Count())
		}
		time.Sleep(time.Millisecond)
	}
	fault(r, spec, first)
	if k := b.smtp.Count(); k >= n {
		t.Fatalf("the send finished (%d messages) before the fault; the test proves nothing", k)
	}
	deadline = time.Now().Add(4 * time.Minute)
	var states map[delivery.State]int
	for {
		states = deliveryStates(t, rdb)
		if states[delivery.StateSent]+states[delivery.StateUnknown] >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	per := map[string]int{}
	for _, m := range b.smtp.Messages() {
		per[strings.Join(m.To, ",")]++
	}
	dups := 0
	for to, k := range per {
		if k > 1 {
			dups++
			t.Errorf("%s got %d messages", to, k)
		}
	}
	unknown := states[delivery.StateUnknown]
	t.Logf("messages %d, recipients %d, duplicates %d, records %v", len(b.smtp.Messages()), len(per), dups, states)
	if got := states[delivery.StateSent] + unknown; got != n {
		t.Errorf("sent + outcome_unknown = %d, want %d (records %v)", got, n, states)
	}
	if limit := faultConcurrency * faultParallel; unknown > limit {
		t.Errorf("%d outcomes unknown, want at most the %d messages in flight", unknown, limit)
	}
	if len(per) < states[delivery.StateSent] {
		t.Errorf("%d recipients got a message, fewer than the %d recorded sent", len(per), states[delivery.StateSent])
	}
}

// TestKilledWorkerSendsNobodyTwice SIGKILLs a worker process in the middle of a scheduled send
// and starts another: asynq gives the killed worker's batches to it once their lease is over
// (about a minute), and the claims the dead worker may have been sending under are settled
// outcome_unknown instead of being sent again.
func TestKilledWorkerSendsNobodyTwice(t *testing.T) {
	faultScenario(t, 1000, func(_ *durableRedis, spec workerSpec, w *exec.Cmd) {
		if err := w.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = w.Wait()
		startWorkerProcess(t, spec)
	})
}

// TestRedisKilledForFiveSecondsSendsNobodyTwice SIGKILLs Redis in the middle of a scheduled
// send and restarts it 5 s later: the worker keeps the records of the messages already out
// until Redis answers again, and goes on.
func TestRedisKilledForFiveSecondsSendsNobodyTwice(t *testing.T) {
	faultScenario(t, 1000, func(r *durableRedis, _ workerSpec, _ *exec.Cmd) {
		r.kill()
		time.Sleep(5 * time.Second) // the outage itself, not a wait for a step
		r.start()
	})
}
