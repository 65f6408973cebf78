package worker_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/dryrun"
	"github.com/rapporthq/rapport/jobs/trigger"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/predict"
)

// cdnowModel is a model at the published CDNOW parameters (weeks), with RFM cut points, as
// `rapport predict fit` would store it.
func cdnowModel(asOf time.Time) *analytics.Model {
	return &analytics.Model{
		AsOf: asOf, FittedAt: asOf, Unit: "weeks", Customers: 2357,
		BGNBD:      analytics.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, LL: -9582.4, Converged: true},
		GammaGamma: analytics.GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44, LL: -4055.92, Converged: true},
		RFM:        &analytics.RFMCuts{Recency: [4]float64{200, 120, 60, 20}, Frequency: [4]float64{1, 1, 2, 4}, Monetary: [4]float64{20, 40, 80, 150}},
		CLV:        analytics.CLVParams{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3},
	}
}

// publish stores m as the current model.
func publish(t testing.TB, rdb redis.UniversalClient, m *analytics.Model) *analytics.Models {
	t.Helper()
	ms := analytics.NewModels(rdb, analytics.ModelsOptions{})
	if err := ms.Publish(context.Background(), m, 10); err != nil {
		t.Fatal(err)
	}
	return ms
}

func day(t time.Time) int32 { return predict.DayOf(t) }

func TestPredictionsComeFromTheStoredParametersAndTheCustomersOwnDays(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	now := time.Date(2026, 7, 15, 14, 0, 0, 0, time.UTC)
	ms := publish(t, r.Client, cdnowModel(now.AddDate(0, 0, -1)))
	// Three purchase days (two orders on the first: one purchase), a future one ignored.
	days := []predict.Day{
		{Day: day(now) - 200, Value: 30, Orders: 2},
		{Day: day(now) - 130, Value: 20, Orders: 1},
		{Day: day(now) - 60, Value: 40, Orders: 1},
		{Day: day(now) + 5, Value: 999, Orders: 1},
	}
	got, err := ms.Predict(context.Background(), &customers.Profile{Customer: decide.Customer{ID: "c1"}, Days: days}, now)
	if err != nil || got == nil {
		t.Fatalf("%+v, %v", got, err)
	}
	bg := predict.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := predict.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	x, tx, T, m := 2.0, 140.0/7, 200.0/7, 30.0
	pa, _ := bg.PAlive(x, tx, T)
	e90, _ := bg.ExpectedPurchases(90.0/7, x, tx, T)
	clv, _ := predict.CLV(bg, gg, x, tx, T, m, predict.CLVOptions{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3, Unit: predict.Weeks})
	next, _ := bg.ExpectedNextPurchase(x, tx, T, now.Truncate(24*time.Hour), predict.Weeks)
	if got.PAlive != pa || got.ExpectedOrders90d != e90 || got.CLV != clv || !got.NextOrderAt.Equal(next) {
		t.Errorf("got %+v, want P(alive) %v, E90 %v, CLV %v, next %v", got, pa, e90, clv, next)
	}
	// Recency 60 days (score 3: beats 200 and 120), 3 purchase days (4: beats 1, 1, 2),
	// 90 spent (4: beats 20, 40, 80).
	if got.RFM != "344" || got.Lifecycle != string(predict.StageLoyal) {
		t.Errorf("RFM %q, lifecycle %q; want 344 and loyal", got.RFM, got.Lifecycle)
	}
}

func TestCustomersWithoutPurchasesOrWithoutAFitHaveNoPredictions(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	ms := analytics.NewModels(r.Client, analytics.ModelsOptions{})
	now := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	buyer := &customers.Profile{Customer: decide.Customer{ID: "b", Traits: map[string]any{"clv": 1e6}},
		Days: []predict.Day{{Day: day(now) - 10, Value: 10, Orders: 1}}}
	if p, err := ms.Predict(context.Background(), buyer, now); p != nil || err != nil {
		t.Fatalf("no fit: %+v, %v; want nil, nil", p, err)
	}
	env := decide.Env(&buyer.Customer, nil, now)["customer"].(map[string]any)
	if _, ok := env["clv"]; ok {
		t.Errorf("without a fit the condition name clv exists: %v (a trait must not pass for it)", env["clv"])
	}
	publish(t, r.Client, cdnowModel(now))
	ms = analytics.NewModels(r.Client, analytics.ModelsOptions{})
	prospect := &customers.Profile{Customer: decide.Customer{ID: "p"}}
	if p, err := ms.Predict(context.Background(), prospect, now); p != nil || err != nil {
		t.Errorf("customer without purchases: %+v, %v; want nil, nil", p, err)
	}
	if p, _ := ms.Predict(context.Background(), buyer, now); p == nil || p.Lifecycle != "new" || p.PAlive != 1 {
		t.Errorf("one-order customer: %+v, want new with P(alive) 1", p)
	}
}

func TestModelsReadRedisAtMostOncePerMaxAge(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	var mu sync.Mutex
	clock := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	ms := analytics.NewModels(r.Client, analytics.ModelsOptions{Clock: now})
	first := cdnowModel(clock)
	publish(t, r.Client, first)
	if m, _ := ms.Current(context.Background()); m == nil || m.BGNBD.R != 0.243 {
		t.Fatalf("first read: %+v", m)
	}
	second := cdnowModel(clock)
	second.BGNBD.R = 0.5
	publish(t, r.Client, second)
	if m, _ := ms.Current(context.Background()); m.BGNBD.R != 0.243 {
		t.Errorf("read Redis again within a minute: r = %v", m.BGNBD.R)
	}
	mu.Lock()
	clock = clock.Add(61 * time.Second)
	mu.Unlock()
	if m, _ := ms.Current(context.Background()); m.BGNBD.R != 0.5 {
		t.Errorf("after a minute: r = %v, want the new model's 0.5", m.BGNBD.R)
	}
	// A corrupt value does not take the last good model away.
	if err := r.Client.Set(context.Background(), "rp:model", "{not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clock = clock.Add(61 * time.Second)
	mu.Unlock()
	if m, err := ms.Current(context.Background()); err != nil || m == nil || m.BGNBD.R != 0.5 {
		t.Errorf("after a corrupt write: %+v, %v; want the last good model", m, err)
	}
	if _, err := analytics.NewModels(r.Client, analytics.ModelsOptions{}).Current(context.Background()); err == nil {
		t.Error("a process with no good model read a corrupt one without an error")
	}
}

// predictedCampaigns use the prediction names in a trigger, an audience and a template.
var predictedCampaigns = map[string]string{
	"campaigns/valued.yaml": `
id: valued
trigger:
  event: Order Completed
  where: customer.p_alive != nil && customer.clv > 0
channels: [email]
variants:
  - id: standard
    email: {subject: "Thank you", html: valued.html}
`,
	"campaigns/at-risk.yaml": `
id: at-risk
trigger: {schedule: {cron: "0 10 * * MON"}}
audience: {where: 'customer.lifecycle in ["at_risk", "loyal"] && customer.p_alive < 0.9'}
channels: [email]
variants:
  - id: standard
    email: {subject: "We miss you", html: at-risk.html}
`,
	"templates/valued.html":  `<p>Thanks</p>`,
	"templates/at-risk.html": `<p>{{with .Customer.Predicted}}{{.Lifecycle}} {{.RFM}} {{printf "%.3f" .PAlive}} {{printf "%.2f" .CLV}}{{end}}</p>`,
}

func TestPredictionsReachTriggerConditionsAudiencesAndTemplates(t *testing.T) {
	r := testenv.NewRedis(t)
	b := setupOn(t, r.Client, predictedCampaigns, "")
	now := time.Date(2026, 7, 13, 9, 0, 0, 0, time.UTC) // a Monday
	b.clock.Set(now)
	models := publish(t, r.Client, cdnowModel(now))
	b.identify("mia", map[string]any{"email": "mia@example.com", "consent": map[string]any{"email": true}})
	for i, ago := range []int{200, 130, 60} {
		orderAt(t, b.store, "mia", "past-"+string(rune('a'+i)), now.AddDate(0, 0, -ago), 30)
	}

	// Preview: the audience sees p_alive and lifecycle, the template .Customer.Predicted.
	dc := b.deliverer.Config()
	dc.Predictor = models
	p, err := dryrun.Preview(context.Background(), must(delivery.New(dc)), "at-risk", "mia", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(p)
	prof, _ := b.store.Get(context.Background(), "mia")
	want, _ := models.Predict(context.Background(), prof, now)
	if !p.Eligible || !strings.Contains(p.HTML, want.Lifecycle+" "+want.RFM+" ") || !strings.Contains(string(raw), "0.") {
		t.Errorf("preview %s\nwant the predictions %+v in it", raw, want)
	}
	dc.Predictor = nil
	if p, _ := dryrun.Preview(context.Background(), must(delivery.New(dc)), "at-risk", "mia", now, nil); p.Eligible {
		t.Errorf("without predictions the audience held: %+v", p.Reasons)
	}

	// Trigger: an order is triggered only when the ingester fills the predictions, and the
	// worker, which checks the trigger again before sending, must see them too: its
	// deliverer is replaced by one with the predictor.
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	b.worker.Shutdown()
	dc.Predictor = models
	w := must(worker.New(r.Client, worker.Config{Concurrency: 2, ShutdownTimeout: 5 * time.Second}, worker.Handlers{Send: must(delivery.New(dc))}, log))
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	for _, tc := range []struct {
		predictor delivery.Predictor
		order     string
		want      string
	}{{nil, "o-without", ""}, {models, "o-with", "sent"}} {
		in := must(trigger.New(trigger.Config{Catalog: dc.Catalog, Store: b.store, Enqueue: b.enqueue, MaxAge: time.Hour,
			Now: b.clock.Now, Log: log, Predictor: tc.predictor}))
		ev := customers.Event{Type: "track", UserID: "mia", Event: "Order Completed", MessageID: tc.order,
			Timestamp: now, ReceivedAt: now, Properties: map[string]any{"total": 25.0, "order_id": tc.order}}
		if _, err := in.Ingest(context.Background(), []customers.Event{ev}); err != nil {
			t.Fatal(err)
		}
		b.settle()
		if got := b.outcome("mia", "valued", tc.order); !strings.HasPrefix(got, tc.want) || (tc.want == "" && got != "") {
			t.Errorf("predictor %v: outcome %q, want %q", tc.predictor != nil, got, tc.want)
		}
	}
}

// BenchmarkModelPredict measures Model.Predict per customer (P(alive), expected purchases in
// 90 days, 12-month CLV, next purchase, RFM, lifecycle) on the seeded base's histories;
// BenchmarkSummarize the part of it that reduces the days to (x, t_x, T), to subtract.
func BenchmarkModelPredict(b *testing.B) {
	m, days := benchBase(b)
	now := fitDate.AddDate(0, 0, 1)
	i := 0
	for b.Loop() {
		if _, err := m.Predict(days[i%len(days)], "", now); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSummarize(b *testing.B) {
	_, days := benchBase(b)
	now := fitDate.AddDate(0, 0, 1)
	i := 0
	for b.Loop() {
		predict.Summarize(days[i%len(days)], now, predict.Weeks)
		i++
	}
}

var (
	benchOnce  sync.Once
	benchModel *analytics.Model
	benchDays  [][]predict.Day
)

// benchBase fits the seeded base of 2,000 customers once and returns the model and their
// purchase days.
func benchBase(b *testing.B) (*analytics.Model, [][]predict.Day) {
	benchOnce.Do(func() {
		r := testenv.NewRedis(b)
		rf, store := newRefitter(b, r)
		seedBase(b, store, 2000, 5)
		m, err := rf.Refit(context.Background(), fitDate)
		if err != nil {
			b.Fatal(err)
		}
		benchModel = m
		_ = analytics.EachCustomer(context.Background(), store, 0, func(p *customers.Profile) error {
			benchDays = append(benchDays, p.Days)
			return nil
		})
	})
	if benchModel == nil || math.IsNaN(benchModel.BGNBD.R) {
		b.Fatal("no model")
	}
	return benchModel, benchDays
}

func TestModelsServeConcurrentPredictionsWhileTheModelChanges(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	now := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	publish(t, r.Client, cdnowModel(now))
	ms := analytics.NewModels(r.Client, analytics.ModelsOptions{MaxAge: time.Millisecond})
	prof := &customers.Profile{Days: []predict.Day{{Day: day(now) - 90, Value: 20, Orders: 1}, {Day: day(now) - 30, Value: 30, Orders: 1}}}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				if g == 0 && i%50 == 0 {
					m := cdnowModel(now)
					m.BGNBD.R = 0.2 + float64(i)/1000
					if err := ms.Publish(context.Background(), m, 5); err != nil {
						t.Error(err)
						return
					}
				}
				if p, err := ms.Predict(context.Background(), prof, now); err != nil || p == nil {
					t.Errorf("prediction %d: %+v, %v", i, p, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if hist, _ := ms.History(context.Background()); len(hist) != 5 {
		t.Errorf("history holds %d fits, want the last 5", len(hist))
	}
}
