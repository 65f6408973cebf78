package worker_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/refit"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/predict"
)

// fitDate is the as-of date of the seeded bases.
var fitDate = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

// weeklyModel is the configuration the refit tests fit with: weeks, 12 months, 1% a month,
// 30% margin (the defaults of config predict).
var weeklyModel = analytics.ModelOptions{Unit: predict.Weeks,
	CLV: predict.CLVOptions{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3, Unit: predict.Weeks}}

// seedBase stores n customers who buy as the BG/NBD says, with r = 1, α = 30 days (rates
// exponential with mean one purchase a month), a = b = 1 (dropout probability uniform): born
// over the year before fitDate, followed until 90 days after it; order values are Gamma(4)
// around a mean of each customer's own (log-normal around 40, so that the Gamma-Gamma model
// has customers who differ to fit). It returns the purchase timestamps per customer id.
func seedBase(t testing.TB, store *customers.Store, n int, seed uint64) map[string][]time.Time {
	t.Helper()
	return seedBaseIn(t, store, n, seed, baseSpend{prefix: "c", price: 1})
}

// baseSpend says how a seeded base pays: customer ids are prefix and a number, orders carry
// currency (none when ""), and every order value is multiplied by price; a flat base pays
// exactly price for every order, as in a shop with one product at one price.
type baseSpend struct {
	prefix, currency string
	price            float64
	flat             bool
}

// seedBaseIn is seedBase with the spend as sp says: the same seed gives the same customers
// and purchase days whatever sp.
func seedBaseIn(t testing.TB, store *customers.Store, n int, seed uint64, sp baseSpend) map[string][]time.Time {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	end := fitDate.AddDate(0, 0, 90)
	orders := map[string][]time.Time{}
	var events []customers.Event
	for i := range n {
		id := fmt.Sprintf("%s%04d", sp.prefix, i)
		at := fitDate.Add(-time.Duration(rng.Float64() * 365 * float64(24*time.Hour)))
		rate := rng.ExpFloat64() / 30 // purchases a day
		p := rng.Float64()
		mean := 40 * math.Exp(0.5*rng.NormFloat64()) // the customer's own mean order value
		for k := 0; !at.After(end); k++ {
			// Gamma(4) around the customer's mean: a sum of four exponentials.
			value := mean * (rng.ExpFloat64() + rng.ExpFloat64() + rng.ExpFloat64() + rng.ExpFloat64()) / 4
			total := math.Round(value*100) / 100 * sp.price
			if sp.flat {
				total = sp.price
			}
			props := map[string]any{"total": total, "order_id": fmt.Sprintf("%s-%d", id, k)}
			if sp.currency != "" {
				props["currency"] = sp.currency
			}
			orders[id] = append(orders[id], at)
			events = append(events, customers.Event{Type: "track", UserID: id, Event: "Order Completed",
				MessageID: fmt.Sprintf("%s-%d", id, k), Timestamp: at, ReceivedAt: end, Properties: props})
			if k > 0 && rng.Float64() < p {
				break // dropped out after this repeat purchase
			}
			at = at.Add(time.Duration(rng.ExpFloat64() / rate * float64(24*time.Hour)))
		}
	}
	for len(events) > 0 {
		k := min(len(events), 500)
		if _, err := store.Apply(context.Background(), events[:k]); err != nil {
			t.Fatal(err)
		}
		events = events[k:]
	}
	return orders
}

// orderAt stores one order for a customer.
func orderAt(t testing.TB, store *customers.Store, id, orderID string, at time.Time, total float64) {
	t.Helper()
	_, err := store.Apply(context.Background(), []customers.Event{{Type: "track", UserID: id, Event: "Order Completed",
		MessageID: orderID, Timestamp: at, ReceivedAt: at, Properties: map[string]any{"total": total, "order_id": orderID}}})
	if err != nil {
		t.Fatal(err)
	}
}

func newRefitter(t testing.TB, r *testenv.Redis) (*analytics.Refitter, *customers.Store) {
	store := customers.NewStore(r.Client, customers.Options{})
	return &analytics.Refitter{Customers: store, Models: analytics.NewModels(r.Client, analytics.ModelsOptions{}),
		Options: analytics.RefitOptions{ModelOptions: weeklyModel, PageSize: 97}, Log: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))}, store
}

func TestRefitPublishesAModelThatPredictsForEveryCustomer(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	rf, store := newRefitter(t, r)
	seedBase(t, store, 600, 7)
	m, err := rf.Refit(context.Background(), fitDate)
	if err != nil {
		t.Fatal(err)
	}
	if m.Customers != 600 || !m.BGNBD.Converged || m.RFM == nil || m.Unit != "weeks" || !m.AsOf.Equal(fitDate) {
		t.Fatalf("model %+v", m)
	}
	// The base follows a BG/NBD with r = 1, α = 30 days = 4.29 weeks, a = b = 1: on 600
	// customers the estimates land in the right region.
	if m.BGNBD.R < 0.5 || m.BGNBD.R > 2 || m.BGNBD.Alpha < 2 || m.BGNBD.Alpha > 9 {
		t.Errorf("r = %.3f, α = %.3f weeks, want near 1 and 4.3", m.BGNBD.R, m.BGNBD.Alpha)
	}
	// Another process reads the same model from Redis.
	other := analytics.NewModels(r.Client, analytics.ModelsOptions{})
	got, err := other.Current(context.Background())
	if err != nil || got == nil || got.BGNBD != m.BGNBD || *got.RFM != *m.RFM {
		t.Fatalf("published model %+v, %v; want %+v", got, err, m.BGNBD)
	}
	now := fitDate.AddDate(0, 0, 1)
	stages := map[string]int{}
	err = analytics.EachCustomer(context.Background(), store, 0, func(p *customers.Profile) error {
		pred, err := other.Predict(context.Background(), p, now)
		if err != nil || pred == nil {
			return fmt.Errorf("customer %s: %v, %v", p.ID, pred, err)
		}
		if !(pred.PAlive > 0 && pred.PAlive <= 1) || !(pred.CLV > 0) || !(pred.ExpectedOrders90d > 0) ||
			len(pred.RFM) != 3 || pred.NextOrderAt.Before(now.AddDate(0, 0, -1)) {
			return fmt.Errorf("customer %s: predictions %+v", p.ID, pred)
		}
		stages[pred.Lifecycle]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) < 4 {
		t.Errorf("lifecycle stages %v: want a varied base", stages)
	}
	hist, err := other.History(context.Background())
	if err != nil || len(hist) != 1 || !hist[0].Published || hist[0].Customers != 600 {
		t.Errorf("history %+v, %v", hist, err)
	}
}

func TestRefitThatDoesNotConvergeKeepsThePreviousModel(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	rf, store := newRefitter(t, r)
	seedBase(t, store, 400, 11)
	prev, err := rf.Refit(context.Background(), fitDate)
	if err != nil {
		t.Fatal(err)
	}
	// Erase all but three customers: three histories do not identify four parameters.
	var ids []string
	if err := analytics.EachCustomer(context.Background(), store, 0, func(p *customers.Profile) error {
		ids = append(ids, p.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[3:] {
		if _, err := store.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	orderAt(t, store, ids[0], "extra-1", fitDate.AddDate(0, 0, -3), 20)
	refused, refusal := rf.Refit(context.Background(), fitDate.AddDate(0, 0, 1))
	if !errors.Is(refusal, predict.ErrNotConverged) {
		t.Fatalf("refit on 3 customers: %v, want ErrNotConverged", refusal)
	}
	if refused == nil || refused.Customers != 3 {
		t.Errorf("refused fit %+v, want one on 3 customers for diagnosis", refused)
	}
	got, err := analytics.NewModels(r.Client, analytics.ModelsOptions{}).Load(context.Background())
	if err != nil || got == nil || got.BGNBD != prev.BGNBD || !got.AsOf.Equal(fitDate) {
		t.Fatalf("model after the refused fit: %+v, %v; want the previous one", got, err)
	}
	hist, _ := rf.Models.History(context.Background())
	if len(hist) != 2 || hist[0].Published || hist[0].Error == "" || !hist[1].Published {
		t.Errorf("history %+v: want the refusal on top of the published fit", hist)
	}
	t.Logf("refused: %v", refusal)
}

func TestTwoEnqueuesOfTheSameRefitMakeOneTask(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	client := asynq.NewClientFromRedisClient(r.Client)
	t.Cleanup(func() { _ = client.Close() })
	at := time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)
	first, err1 := refit.Enqueue(context.Background(), client, at)
	again, err2 := refit.Enqueue(context.Background(), client, at.In(time.FixedZone("X", 3600)))
	if err1 != nil || err2 != nil || !first || again {
		t.Fatalf("enqueues: %v %v, %v %v; want the first only", first, err1, again, err2)
	}
	infos, err := asynq.NewInspectorFromRedisClient(r.Client).ListPendingTasks(tasks.QueueLow)
	if err != nil || len(infos) != 1 || infos[0].ID != "refit:2026-03-14T03:00Z" || infos[0].Type != tasks.TypeRefit ||
		infos[0].Retention != 48*time.Hour {
		t.Fatalf("pending refits %+v, %v", infos, err)
	}
}

func TestSchedulersEnqueueOneRefitPerOccurrenceAndCatchUpAMissedOne(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	client := asynq.NewClientFromRedisClient(r.Client)
	t.Cleanup(func() { _ = client.Close() })
	sched, err := config.ParseCron("0 3 * * *")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Date(2026, 3, 14, 2, 59, 59, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Three scheduler processes, none holding a lease; no model yet, so each catches up the
	// 03:00 of the day before. Each enqueue they attempt is signalled with its task id.
	enqueued := make(chan string, 64)
	for range 3 {
		s := &refit.Schedule{Cron: sched, Enqueue: signalEnqueuer{client, enqueued},
			Models: analytics.NewModels(r.Client, analytics.ModelsOptions{}), Clock: clock, Tick: 5 * time.Millisecond}
		wg.Go(func() { _ = s.Run(ctx) })
	}
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	// attempts waits for one enqueue of id by each scheduler, then checks what asynq holds.
	attempts := func(id string, want ...string) {
		t.Helper()
		for range 3 {
			select {
			case got := <-enqueued:
				if got != id {
					t.Fatalf("a scheduler enqueued %s, want %s", got, id)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("fewer than 3 schedulers enqueued %s", id)
			}
		}
		var ids []string
		for _, tk := range must(insp.ListPendingTasks(tasks.QueueLow)) {
			ids = append(ids, tk.ID)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("pending refits %v, want %v", ids, want)
		}
	}
	attempts("refit:2026-03-13T03:00Z", "refit:2026-03-13T03:00Z")
	mu.Lock()
	now = now.Add(2 * time.Second) // every scheduler sees 03:00 pass at its next tick
	mu.Unlock()
	attempts("refit:2026-03-14T03:00Z", "refit:2026-03-13T03:00Z", "refit:2026-03-14T03:00Z")
	cancel()
	wg.Wait()
}

// signalEnqueuer is tasks.Enqueuer over asynq that sends the task id of every enqueue it
// attempted, accepted or refused as a duplicate, once asynq answered.
type signalEnqueuer struct {
	next tasks.Enqueuer
	ids  chan<- string
}

func (e signalEnqueuer) EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	info, err := e.next.EnqueueContext(ctx, task, opts...)
	for _, o := range opts {
		if o.Type() == asynq.TaskIDOpt {
			e.ids <- o.Value().(string)
		}
	}
	return info, err
}

func TestRefitTaskPublishesTheModelThroughTheWorker(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	rf, store := newRefitter(t, r)
	seedBase(t, store, 300, 3)
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	handled := make(chan error, 8) // the outcome of every refit task the worker ran
	h := asynq.HandlerFunc(func(ctx context.Context, tk *asynq.Task) error {
		err := refit.Handler{Refitter: rf}.ProcessTask(ctx, tk)
		handled <- err
		return err
	})
	w := must(worker.New(r.Client, worker.Config{Concurrency: 2, ShutdownTimeout: 5 * time.Second}, worker.Handlers{Refit: h}, log))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	client := asynq.NewClientFromRedisClient(r.Client)
	t.Cleanup(func() { _ = client.Close() })
	if _, err := refit.Enqueue(context.Background(), client, fitDate); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-handled:
		if err != nil {
			t.Fatalf("refit task: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the worker ran no refit task within 20s")
	}
	m, err := rf.Models.Load(context.Background())
	if err != nil || m == nil || m.Customers != 300 || !m.AsOf.Equal(fitDate) {
		t.Fatalf("model %+v, %v; want one fitted on 300 customers as of %s", m, err, fitDate)
	}
}

func TestModelOptionsTurnTheHorizonIntoMonths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		horizon string
		months  int
		err     bool
	}{{"365d", 12, false}, {"30d", 1, false}, {"1d", 1, false}, {"730d", 24, false}, {"3700d", 0, true}} {
		h, err := config.ParseDuration(tc.horizon)
		if err != nil {
			t.Fatal(err)
		}
		mo, err := analytics.ModelOptionsOf(config.Predict{Unit: "weeks", Horizon: h, DiscountRate: 0.01, Margin: 0.3})
		if (err != nil) != tc.err || (!tc.err && (mo.CLV.Months != tc.months || mo.Unit != predict.Weeks || mo.CLV.Unit != predict.Weeks)) {
			t.Errorf("horizon %s: %+v, %v; want %d months", tc.horizon, mo, err, tc.months)
		}
	}
}
