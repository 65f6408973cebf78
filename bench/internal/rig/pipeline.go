package rig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/campaignstate"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/trigger"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// CampaignID is the benchmark campaign: triggered by every Order Completed of at least 20 in
// the order's currency (the condition of examples/campaigns/thank-you.yaml), no delay, no
// window, one email per order. Its subject carries the order id, so the sink can tell which
// event a message answers.
const CampaignID = "order-thanks"

// APIKey authorises the benchmark's requests.
const APIKey = "bench-key"

var campaignFiles = map[string]string{
	"campaigns/order-thanks.yaml": `
id: order-thanks
name: Thank you for your order
trigger:
  event: Order Completed
  where: 'event.total >= ({"RUB": 2000, "CNY": 150, "JPY": 3000, "GBP": 15, "AUD": 30}[event.currency] ?? 20)'
channels: [email]
variants:
  - id: standard
    email: {subject: "Order {{.Event.order_id}}", html: order-thanks/standard.html}
`,
	// About the size of the examples' thank-you email: a greeting, the order, a footer.
	"templates/order-thanks/standard.html": `<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<h1>Thank you{{with .Customer.FirstName}}, {{.}}{{end}}!</h1>
<p>We have received your order <b>{{.Event.order_id}}</b> of {{.Event.total}} {{.Event.currency}}
and are getting it ready. You will hear from us again when it leaves our warehouse.</p>
<p>Questions about your order? Reply to this email and a person from our team will answer,
usually within a working day.</p>
<table role="presentation" style="border-collapse: collapse">
<tr><td style="padding: 4px 8px">Order</td><td style="padding: 4px 8px">{{.Event.order_id}}</td></tr>
<tr><td style="padding: 4px 8px">Total</td><td style="padding: 4px 8px">{{.Event.total}} {{.Event.currency}}</td></tr>
</table>
<p>Thank you for shopping with us.<br>The Rapport Demo Shop team</p>
<p style="font-size: 12px; color: #777">You receive this email because you ordered from the
Rapport Demo Shop. <a href="{{.Links.Unsubscribe}}">Unsubscribe</a></p>
</body></html>
`,
}

// Logger logs warnings and errors as JSON on stderr, as `rapport serve` would at that level.
func Logger() *zap.Logger {
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(zapcore.WarnLevel)
	cfg.EncoderConfig.TimeKey, cfg.EncoderConfig.EncodeTime = "time", zapcore.ISO8601TimeEncoder
	cfg.OutputPaths, cfg.ErrorOutputPaths = []string{"stderr"}, []string{"stderr"}
	l, _ := cfg.Build()
	return l
}

// Pipeline is Rapport wired as `rapport serve` wires it (cmd/rapport/app.go), on the benchmark
// campaign: customers store, ingester, and, when an email sender is given, the deliverer.
type Pipeline struct {
	Redis     *Redis
	Store     *customers.Store
	Catalog   *delivery.CatalogRef
	Client    *asynq.Client
	Ingester  *trigger.Ingester
	Deliverer *delivery.Deliverer
	Log       *zap.Logger
	dir       string
}

// NewPipeline loads the benchmark campaign and wires the components on r. email may be nil
// when nothing is delivered (the ingest benchmark).
func NewPipeline(r *Redis, email channels.EmailSender, log *zap.Logger) (*Pipeline, error) {
	dir, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		return nil, err
	}
	for name, body := range campaignFiles {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	set, err := config.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load the benchmark campaign: %w", err)
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		return nil, fmt.Errorf("load the benchmark templates: %w", err)
	}
	p := &Pipeline{Redis: r, Log: log, dir: dir}
	p.Catalog = delivery.NewCatalogRef(delivery.NewCatalog(set, tpl))
	p.Store = customers.NewStore(r.Client, customers.Options{})
	p.Client = asynq.NewClientFromRedisClient(r.Client)
	if p.Ingester, err = trigger.New(trigger.Config{Catalog: p.Catalog, Store: p.Store, Enqueue: p.Client,
		MaxAge: 24 * time.Hour, Now: time.Now, Log: log}); err != nil {
		return nil, err
	}
	if email != nil {
		if p.Deliverer, err = NewDeliverer(p.Catalog, p.Store, r.Client, p.Client, email, log); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Close releases the asynq client and the campaign directory.
func (p *Pipeline) Close() {
	_ = p.Client.Close()
	_ = os.RemoveAll(p.dir)
}

// NewDeliverer wires the deliverer as `rapport serve` does, for the benchmark campaign: with
// the campaign counters (results) and the learning inputs read from them (variant statistics,
// the base's priors), as cmd/rapport's app wires them.
func NewDeliverer(cat *delivery.CatalogRef, store *customers.Store, rdb redis.UniversalClient, q tasks.Enqueuer, email channels.EmailSender, log *zap.Logger) (*delivery.Deliverer, error) {
	counts, err := results.New(rdb, 0)
	if err != nil {
		return nil, err
	}
	return delivery.New(delivery.Config{
		Results: counts, Variants: results.NewVariantCache(counts, 0, nil), Base: analytics.NewBaseCache(rdb, 0, nil),
		Catalog: cat, Profiles: store, Claims: delivery.NewClaims(rdb),
		Rewards: rewards.NewLedger(rdb, "bench-secret"), Email: email, SMS: noSMS{},
		Links: links.NewSigner("bench-secret", "https://news.example.com"), Enqueue: q,
		Policy:        decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", DefaultRegion: "US"},
		MessageDomain: "example.com", Now: time.Now, Log: log,
		Pauses: campaignstate.NewStore(rdb, campaignstate.Options{Log: log}),
	})
}

// noSMS refuses texts: the benchmark campaigns send email only.
type noSMS struct{}

func (noSMS) SendSMS(context.Context, *channels.SMS) (channels.Receipt, error) {
	return channels.Receipt{}, fmt.Errorf("benchmarks send no SMS: %w", channels.ErrConfig)
}
func (noSMS) Close() error { return nil }

// Worker returns the asynq worker of the pipeline (not started), handling sends; cfg zero
// values take worker.Config's defaults.
func (p *Pipeline) Worker(cfg worker.Config) (*worker.Worker, error) {
	return worker.New(p.Redis.Client, cfg, worker.Handlers{Send: p.Deliverer}, p.Log)
}

// ServeAPI serves api.Server on a loopback listener with the timeouts of `rapport serve`; it
// returns the base URL and the function that shuts the server down.
func (p *Pipeline) ServeAPI() (string, func(), error) {
	s := &api.Server{Ingest: p.Ingester, Customers: p.Store, APIKeys: []string{APIKey},
		Links: links.NewSigner("bench-secret", "https://news.example.com"), Log: p.Log,
		Ready: func(ctx context.Context) error { return p.Redis.Client.Ping(ctx).Err() }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.Log.Error("api server", zap.Error(err))
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// CustomerID is the id of the i-th benchmark customer.
func CustomerID(i int) string { return fmt.Sprintf("c%07d", i) }

// SeedCustomers identifies customers 0..n-1 directly through the store (not timed): each has an
// email address with consent, a name, a locale, a time zone and a country, like the examples'
// customers.
func SeedCustomers(ctx context.Context, store *customers.Store, n int) error {
	const batch = 500
	first := []string{"Anna", "Ben", "Chen", "Dara", "Elif", "Farid", "Grace", "Hugo"}
	now := time.Now().Add(-48 * time.Hour).UTC()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 4)
	)
	for lo := 0; lo < n; lo += batch {
		events := make([]customers.Event, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			id := CustomerID(i)
			events = append(events, customers.Event{
				Type: customers.TypeIdentify, MessageID: "identify-" + id, UserID: id, Timestamp: now, ReceivedAt: now,
				Traits: map[string]any{
					"email": id + "@example.org", "firstName": first[i%len(first)], "lastName": "Example",
					"locale": "en-US", "timezone": "Europe/Berlin", "address": map[string]any{"country": "DE"},
					"tier": "silver", "consent": map[string]any{"email": true},
				},
			})
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := store.Apply(ctx, events); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Order is the JSON of one Order Completed track call (for /v1/track, or a /v1/batch item with
// withType), with order_id = messageId.
func Order(customer, orderID string, total float64, at time.Time, withType bool) map[string]any {
	o := map[string]any{
		"userId": customer, "event": customers.OrderCompleted, "messageId": orderID,
		"timestamp": at.UTC().Format(time.RFC3339Nano),
		"properties": map[string]any{
			"order_id": orderID, "total": total, "currency": "EUR",
			"products": []any{
				map[string]any{"product_id": "sku-1042", "category": "shoes", "price": total * 0.6, "quantity": 1},
				map[string]any{"product_id": "sku-2210", "category": "socks", "price": total * 0.4, "quantity": 2},
			},
		},
	}
	if withType {
		o["type"] = customers.TypeTrack
	}
	return o
}

// OrderFiles is a copy of the configuration of the triggered benchmark campaign (CampaignID
// and its template), for a benchmark that adds it to a catalog of its own (bench/holiday's
// -triggered).
func OrderFiles() map[string]string {
	out := make(map[string]string, len(campaignFiles))
	for k, v := range campaignFiles {
		out[k] = v
	}
	return out
}
