package console_test

import (
	"context"
	"github.com/redis/go-redis/v9"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// The customer every test reads: a Persian name, an address and a phone, one order and one
// thank-you sent with its reasons.
const (
	customerID    = "c-1001"
	customerEmail = "maryam.rahimi@example.com"
	customerPhone = "+989121234567"
	password      = "correct horse battery"
)

var sendReasons = []string{"variant gold: customer.tier == \"gold\"", "channel email: consent given, best engagement"}

// bundle is one console over a real Redis, with the example campaigns.
type bundle struct {
	srv      *httptest.Server
	cfg      *config.Config
	store    *customers.Store
	now      time.Time
	handler  http.Handler
	sentAt   time.Time
	campaign string
}

// setup starts a console with an editor "maryam" and a viewer "olga", both with password.
func setup(t testing.TB, mutate ...func(*console.Config)) *bundle {
	t.Helper()
	return setupOn(t, func(c *console.Config, _ redis.UniversalClient) {
		for _, m := range mutate {
			m(c)
		}
	})
}

// setupOn is setup with a mutation that also gets the console's Redis, to wire stores on it.
func setupOn(t testing.TB, mutate func(*console.Config, redis.UniversalClient)) *bundle {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load("../examples/rapport.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Console.Users = []config.ConsoleUser{
		{Name: "maryam", PasswordHash: string(hash), Role: config.RoleEditor},
		{Name: "olga", PasswordHash: string(hash), Role: config.RoleViewer},
	}
	set, err := config.LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := testenv.NewRedis(t)
	b := &bundle{cfg: cfg, store: customers.NewStore(r.Client, customers.Options{}),
		now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), campaign: "thank-you"}
	b.sentAt = b.now.Add(-3 * time.Hour).Truncate(time.Second)
	_, err = b.store.Apply(ctx, []customers.Event{
		{Type: "identify", MessageID: "m1", UserID: customerID, Timestamp: b.now.Add(-48 * time.Hour),
			Traits: map[string]any{"email": customerEmail, "phone": customerPhone, "first_name": "مریم", "last_name": "رحیمی",
				"address": map[string]any{"country": "IR"}, "timezone": "Asia/Tehran", "tier": "gold"}},
		{Type: "track", MessageID: "m2", UserID: customerID, Event: "Order Completed", Timestamp: b.now.Add(-5 * time.Hour),
			Properties: map[string]any{"order_id": "o-1", "total": 120.0, "currency": "USD"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The send as delivery writes it: on the profile, and its delivery record with the reasons.
	send := decide.Send{Campaign: b.campaign, Occurrence: "m2", Variant: "gold", Channel: "email", At: b.sentAt}
	if err := b.store.RecordSend(ctx, customerID, send); err != nil {
		t.Fatal(err)
	}
	// Its links, and an open an hour later, 11:30 in Tehran (UTC+3:30): hour 11 of the histogram.
	sendID := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	if err := b.store.SaveLinks(ctx, customers.SentLinks{Customer: customerID, Send: sendID, Campaign: b.campaign, Channel: "email",
		At: b.sentAt, UTCOffset: 12600, Links: []string{"https://shop.example/"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.RecordHit(ctx, customers.Hit{Customer: customerID, Send: sendID, At: b.sentAt.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rec := delivery.Record{State: delivery.StateSent, Channel: "email", Variant: "gold", Reasons: sendReasons, At: b.sentAt}
	if err := r.Client.Set(ctx, delivery.DeliveryKeyPrefix(customerID)+b.campaign+":m2", rec.Encode(), time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	cc := console.Config{Settings: cfg, Catalog: delivery.NewCatalogRef(delivery.NewCatalog(set, nil)),
		Customers: b.store, Outcomes: delivery.NewClaims(r.Client), Base: b.store,
		Models: analytics.NewModels(r.Client, analytics.ModelsOptions{}), Now: func() time.Time { return b.now }}
	mutate(&cc, r.Client)
	h, err := console.Handler(cc)
	if err != nil {
		t.Fatal(err)
	}
	b.handler = h
	b.srv = httptest.NewServer(h)
	t.Cleanup(b.srv.Close)
	return b
}

// client returns a browser-like client: cookies kept, redirects not followed.
func (b *bundle) client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and returns its status and body.
func (b *bundle) get(t testing.TB, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(b.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *bundle) post(t testing.TB, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	resp, err := c.PostForm(b.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// csrf reads the CSRF token of a page's first form.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// login logs c in as name and fails the test unless it lands on the console.
func (b *bundle) login(t testing.TB, c *http.Client, name string) {
	t.Helper()
	_, body := b.get(t, c, "/console/login")
	resp := b.post(t, c, "/console/login", url.Values{"csrf": {csrf(t, body)}, "name": {name}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("login as %s: %d to %q", name, resp.StatusCode, resp.Header.Get("Location"))
	}
}

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
}
