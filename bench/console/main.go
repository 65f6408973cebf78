// Command console measures the marketers' console (issue 11): every page rendered over HTTP
// with 1,000,000 customers and 50 campaigns in Redis, p50 and p95 per page, and prints one
// JSON object on stdout (the target: p95 under 200 ms on 2 cores).
//
// It starts a redis-server (bench/internal/rig), loads -customers customers over 24 time
// zones through customers.Store.Apply (rig.SeedZoned), one in -buyers of them with an order,
// writes 50 generated campaigns (bench/holiday's greeting and 49 scheduled or triggered ones
// on its template) and the result counters of one of them (results.Store.Record, as the
// deliverer writes them), then serves console.Handler as `rapport serve` mounts it and logs
// in. Loyalty and the calendar walk the base in the background (console/base.go): the first
// view of each waits for its walk, reported apart (walks_s); the timed views then show its
// answer, as they do all day in production.
//
// Usage: go run ./bench/console [-customers 1000000] [-views 200]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"golang.org/x/crypto/bcrypt"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/results"
)

type params struct {
	Customers int `json:"customers"`
	Buyers    int `json:"one_buyer_in"`
	Campaigns int `json:"campaigns"`
	Views     int `json:"views_per_page"`
}

type pageTime struct {
	Path  string  `json:"path"`
	P50Ms float64 `json:"p50_ms"`
	P95Ms float64 `json:"p95_ms"`
	MaxMs float64 `json:"max_ms"`
	Bytes int     `json:"bytes"`
}

type report struct {
	Benchmark string      `json:"benchmark"`
	Machine   rig.Machine `json:"machine"`
	Params    params      `json:"params"`
	SeedS     float64     `json:"seed_s"`
	// WalksS is the first view of loyalty and of the calendar, each waiting for its walk
	// over the whole base (later walks run behind the pages).
	WalksS map[string]float64 `json:"walks_s"`
	Pages  []pageTime         `json:"pages"`
	// FindByEmailMs is customers.Store.CustomerByEmail alone (p50, p95): one HGET of the
	// address index, not a scan.
	FindByEmailMs [2]float64 `json:"find_by_email_ms"`
	RedisMB       float64    `json:"redis_mb"`
	// Simulate is one POST .../simulate of a daily campaign over the whole base, as an editor
	// runs it from the preview page, bounded by the console's SimulateTimeout (20 s).
	Simulate simulateTime `json:"simulate"`
}

type simulateTime struct {
	Campaign string  `json:"campaign"`
	Seconds  float64 `json:"seconds"`
	Finished bool    `json:"finished"`
	// Customers is what the page says were looked at (empty when it did not finish).
	Customers string `json:"customers,omitempty"`
}

const password = "bench-password"

func main() {
	var p params
	flag.IntVar(&p.Customers, "customers", 1_000_000, "customers in the base")
	flag.IntVar(&p.Buyers, "buyers", 10, "one customer in this many has an order")
	flag.IntVar(&p.Views, "views", 200, "timed views of each page")
	flag.Parse()
	p.Campaigns = 50
	if err := run(p); err != nil {
		fmt.Fprintln(os.Stderr, "bench/console:", err)
		os.Exit(1)
	}
}

func run(p params) error {
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	rep := report{Benchmark: "console", Params: p, Machine: rig.Facts(r.Version()), WalksS: map[string]float64{}}
	store := customers.NewStore(r.Client, customers.Options{})
	rig.Logf("loading %d customers...", p.Customers)
	t0 := time.Now()
	if err := rig.SeedZoned(ctx, store, p.Customers, 4); err != nil {
		return err
	}
	if err := seedOrders(ctx, store, p.Customers, p.Buyers); err != nil {
		return err
	}
	rep.SeedS = rig.Round(time.Since(t0).Seconds())
	rig.Logf("seeded in %.0fs", rep.SeedS)

	dir, err := rig.WriteConfig(files(p.Campaigns, time.Now().UTC().Add(24*time.Hour)))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := config.Load(filepath.Join(dir, "rapport.yaml"), nil)
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return err
	}
	cfg.Console.Users = []config.ConsoleUser{{Name: "bench", PasswordHash: string(hash), Role: config.RoleEditor}}
	cat, err := rig.LoadCatalog(dir)
	if err != nil {
		return err
	}
	if err := seedResults(ctx, r, "c01", 50_000); err != nil {
		return err
	}
	q := asynq.NewClientFromRedisClient(r.Client)
	defer q.Close()
	d, err := rig.NewDeliverer(cat, store, r.Client, q, noEmail{}, rig.Logger())
	if err != nil {
		return err
	}
	models := analytics.NewModels(r.Client, analytics.ModelsOptions{})
	rs, err := results.New(r.Client, 0)
	if err != nil {
		return err
	}
	h, err := console.Handler(console.Config{Settings: cfg, Catalog: cat, Customers: store, Predictor: models,
		Outcomes: delivery.NewClaims(r.Client), Base: store, Models: models, Deliverer: d, Audience: store,
		Results: rs, BaseWait: 15 * time.Minute})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := login(srv.URL)
	if err != nil {
		return err
	}

	for _, path := range []string{"/console/loyalty", "/console/calendar"} {
		rig.Logf("walking the base for %s...", path)
		t := time.Now()
		if _, err := get(c, srv.URL+path); err != nil {
			return err
		}
		rep.WalksS[path] = rig.Round(time.Since(t).Seconds())
	}
	mid := rig.CustomerID(p.Customers / 2)
	email := url.QueryEscape(mid + "@example.org")
	for _, path := range []string{
		"/console/", "/console/campaigns/c01", "/console/campaigns/" + rig.GreetingID,
		"/console/customers/" + mid, "/console/customers?q=" + email,
		"/console/loyalty", "/console/calendar",
		"/console/campaigns/c01/preview?customer=" + email,
		"/console/campaigns/c01/preview/email?customer=" + mid,
	} {
		pt, err := timePage(c, srv.URL, path, p.Views)
		if err != nil {
			return err
		}
		rig.Logf("%-60s p50 %6.1f ms  p95 %6.1f ms", path, pt.P50Ms, pt.P95Ms)
		rep.Pages = append(rep.Pages, pt)
	}
	var finds []time.Duration
	for i := range p.Views {
		t := time.Now()
		if _, err := store.CustomerByEmail(ctx, rig.CustomerID(i*p.Customers/p.Views)+"@example.org"); err != nil {
			return err
		}
		finds = append(finds, time.Since(t))
	}
	slices.Sort(finds)
	rep.FindByEmailMs = [2]float64{ms(finds[len(finds)/2]), ms(finds[len(finds)*95/100])}
	rep.RedisMB = rig.Round(r.MemoryMB())
	if rep.Simulate, err = simulate(c, srv.URL, "c02"); err != nil {
		return err
	}
	rig.Logf("simulate c02: %.1fs, finished %v, %s customers", rep.Simulate.Seconds, rep.Simulate.Finished, rep.Simulate.Customers)
	return rig.PrintJSON(rep)
}

// files are the 50 campaigns: bench/holiday's greeting, then every other one scheduled
// daily by cron and the others triggered by an order, all on the greeting's template.
func files(n int, wall time.Time) map[string]string {
	f := rig.GreetingFiles(wall, false)
	for i := 1; i < n; i++ {
		trigger := "event: Order Completed"
		if i%2 == 0 {
			trigger = fmt.Sprintf(`schedule: {cron: "%d 9 * * *", tz: UTC}`, i)
		}
		f[fmt.Sprintf("campaigns/c%02d.yaml", i)] = fmt.Sprintf(`id: c%02d
name: Campaign %d
trigger:
  %s
channels: [email]
variants:
  - id: standard
    email: {subject: "Hello{{with .Customer.FirstName}}, {{.}}{{end}}", html: greeting/standard.html}
`, i, i, trigger)
	}
	f["rapport.yaml"] = "public_url: http://127.0.0.1:8080\nsecret: bench-secret\n"
	return f
}

// seedOrders gives one customer in every `every` an order, through Store.Apply.
func seedOrders(ctx context.Context, store *customers.Store, n, every int) error {
	at := time.Now().Add(-24 * time.Hour).UTC()
	var evs []customers.Event
	for i := 0; i < n; i += every {
		id := rig.CustomerID(i)
		evs = append(evs, customers.Event{Type: customers.TypeTrack, MessageID: "order-" + id, UserID: id,
			Event: customers.OrderCompleted, Timestamp: at, ReceivedAt: at,
			Properties: map[string]any{"order_id": "o-" + id, "total": 20.0 + float64(i%80), "currency": "EUR"}})
		if len(evs) == 500 || i+every >= n {
			if _, err := store.Apply(ctx, evs); err != nil {
				return err
			}
			evs = evs[:0]
		}
	}
	return nil
}

// seedResults writes a campaign's counters as the deliverer does: n customers sent a
// message (a tenth held out) over the last 30 days, on two variants.
func seedResults(ctx context.Context, r *rig.Redis, campaign string, n int) error {
	rs, err := results.New(r.Client, 0)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for lo := 0; lo < n; lo += 1000 {
		var evs []results.Event
		var ts []results.Touch
		for i := lo; i < min(lo+1000, n); i++ {
			arm, metric := results.Treatment, results.Sent
			if i%10 == 0 {
				arm, metric = results.Holdout, results.Held
			}
			at := now.Add(-time.Duration(i%30) * 24 * time.Hour)
			v := []string{"a", "b"}[i%2]
			ev := results.Event{Campaign: campaign, Variant: v, Channel: "email", Arm: arm, At: at}
			e1, e2 := ev, ev
			e1.Metric, e2.Metric = results.Eligible, metric
			evs = append(evs, e1, e2)
			ts = append(ts, results.Touch{Customer: rig.CustomerID(i), Campaign: campaign, Variant: v, Channel: "email", Arm: arm, At: at})
		}
		if err := rs.Record(ctx, evs, ts); err != nil {
			return err
		}
	}
	return nil
}

var customersRE = regexp.MustCompile(`<dd class="customers">([^<]+)</dd>`)

// simulate posts the preview page's simulate form for campaign and times the answer.
func simulate(c *http.Client, base, campaign string) (simulateTime, error) {
	st := simulateTime{Campaign: campaign}
	body, err := get(c, base+"/console/campaigns/"+campaign+"/preview")
	if err != nil {
		return st, err
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return st, errors.New("no simulate form on the preview page")
	}
	t := time.Now()
	resp, err := c.PostForm(base+"/console/campaigns/"+campaign+"/simulate", url.Values{"csrf": {m[1]}})
	if err != nil {
		return st, err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	st.Seconds = rig.Round(time.Since(t).Seconds())
	if err != nil || resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("simulate %s: %d %v", campaign, resp.StatusCode, err)
	}
	if n := customersRE.FindSubmatch(page); n != nil {
		st.Finished, st.Customers = true, string(n[1])
	}
	return st, nil
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs a cookie-keeping client in; it follows no redirect, so the search's answer is
// its own (a 303 to the customer's file), timed without the file.
func login(base string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Jar: jar, Timeout: 20 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, err := get(c, base+"/console/login")
	if err != nil {
		return nil, err
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on the login page")
	}
	resp, err := c.PostForm(base+"/console/login", url.Values{"csrf": {m[1]}, "name": {"bench"}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login: %d", resp.StatusCode)
	}
	return c, nil
}

func get(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b), nil
}

func timePage(c *http.Client, base, path string, views int) (pageTime, error) {
	var took []time.Duration
	var size int
	for range views {
		t := time.Now()
		body, err := get(c, base+path)
		if err != nil {
			return pageTime{}, err
		}
		took = append(took, time.Since(t))
		size = len(body)
	}
	slices.Sort(took)
	return pageTime{Path: path, P50Ms: ms(took[len(took)/2]), P95Ms: ms(took[len(took)*95/100]), MaxMs: ms(took[len(took)-1]), Bytes: size}, nil
}

func ms(d time.Duration) float64 { return rig.Round(float64(d) / float64(time.Millisecond)) }

// noEmail refuses sends: the console previews and simulates, it never sends.
type noEmail struct{}

func (noEmail) SendEmail(context.Context, *channels.Email) (channels.Receipt, error) {
	return channels.Receipt{}, errors.New("the console benchmark sends nothing")
}
func (noEmail) Close() error { return nil }
