package worker_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/links"
)

// tracked is a campaign whose email has two shop links, a mailto link, a link kept
// untracked and the unsubscribe link.
var tracked = map[string]string{
	"campaigns/thank-you.yaml": `
id: thank-you
name: Thank you for your order
trigger:
  event: Order Completed
repeat: once
channels: [email]
variants:
  - id: standard
    email: {subject: "Thank you, {{.Customer.FirstName}}", html: thank-you/standard.html}
`,
	"templates/thank-you/standard.html": `<html><body><p>Thank you, {{.Customer.FirstName}}.</p>` +
		`<a href="https://shop.example.com/orders?id={{.Event.order_id}}&amp;src=mail">Your order</a> ` +
		`<a href="https://shop.example.com/new">New in</a> <a href="mailto:help@shop.example.com">Help</a> ` +
		`<a href="https://shop.example.com/privacy" data-rapport-notrack>Privacy</a> ` +
		`<a href="{{.Links.Unsubscribe}}">Unsubscribe</a></body></html>`,
}

var clickLink = regexp.MustCompile(`href="https://news\.example\.com/t/c/([A-Za-z0-9_-]+)"`)
var openPixel = regexp.MustCompile(`src="https://news\.example\.com/t/o/([A-Za-z0-9_-]+)"`)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{Timeout: 5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// receivedTokens sends anna an email through the whole path (API, worker, SMTP) and returns
// the click tokens of the email as received, in order, and its open token.
func receivedTokens(t *testing.T, b *bundle) ([]string, string, testenv.Received) {
	t.Helper()
	b.identify("anna", emailCustomer("Anna", "en", "silver"))
	b.order("anna", "order-1", 42)
	msg := b.smtp.Wait(t, 1, 10*time.Second)[0]
	var clicks []string
	for _, m := range clickLink.FindAllStringSubmatch(msg.HTML, -1) {
		clicks = append(clicks, m[1])
	}
	open := openPixel.FindStringSubmatch(msg.HTML)
	if len(clicks) != 2 || open == nil {
		t.Fatalf("want 2 tracked links and a pixel, got %d in:\n%s", len(clicks), msg.HTML)
	}
	for _, kept := range []string{`href="mailto:help@shop.example.com"`, `href="https://shop.example.com/privacy"`, `href="https://news.example.com/u/`} {
		if !strings.Contains(msg.HTML, kept) {
			t.Errorf("link rewritten that must stay: %s", kept)
		}
	}
	// Clicks come later than the link scanner window after delivery.
	b.clock.Set(time.Now().Add(time.Minute))
	return clicks, open[1], msg
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := noRedirect.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestClickOnAReceivedEmailRedirectsToTheTemplatesLinkOnceUniquePerSend(t *testing.T) {
	b := setupWith(t, testenv.NewRedis(t).Client, tracked, "", []string{"secret"})
	clicks, _, _ := receivedTokens(t, b)
	want := []string{"https://shop.example.com/orders?id=order-1&src=mail", "https://shop.example.com/new"}
	for i, tok := range clicks {
		for range 2 {
			resp := get(t, b.api.URL+"/t/c/"+tok)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want[i] {
				t.Fatalf("link %d: %d Location %q, want 302 to %q", i, resp.StatusCode, resp.Header.Get("Location"), want[i])
			}
		}
	}
	tok, err := b.keyring.VerifyTrack(links.PurposeClick, clicks[0])
	if err != nil {
		t.Fatal(err)
	}
	st, err := b.store.SendStats(context.Background(), "anna", tok.Send)
	if err != nil || st.Clicks != 4 || st.UniqueClicks != 1 || st.FlaggedClicks != 0 {
		t.Fatalf("send stats %+v %v, want 4 clicks, 1 unique", st, err)
	}
	req, _ := http.NewRequest(http.MethodGet, b.api.URL+"/v1/customers/anna", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var view struct {
		Engagement map[string]struct {
			Received, Clicks, Engaged int
			Rate                      float64
			BestHour                  *int `json:"best_hour"`
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&view); err != nil {
		t.Fatal(err)
	}
	e := view.Engagement["email"]
	if e.Received != 1 || e.Clicks != 1 || e.Engaged != 1 || e.Rate != 1 || e.BestHour == nil {
		t.Fatalf("engagement in GET /v1/customers/anna: %+v", view.Engagement)
	}
}

func TestAlteredClickTokenGets404AndNoLocation(t *testing.T) {
	b := setupWith(t, testenv.NewRedis(t).Client, tracked, "", []string{"secret"})
	clicks, open, _ := receivedTokens(t, b)
	tok := clicks[1]
	swap := func(i int, c byte) string { s := []byte(tok); s[i] = c; return string(s) }
	other := func(i int) string {
		if tok[i] == 'x' {
			return swap(i, 'y')
		}
		return swap(i, 'x')
	}
	for name, bad := range map[string]string{
		"first char":       other(0),
		"index changed":    other(2),
		"customer changed": other(len(tok) - 16),
		"mac changed":      other(len(tok) - 3),
		"truncated":        tok[:len(tok)-4],
		"extended":         tok + "AAAA",
		"open token":       open,
		"url instead":      "https:%2F%2Fevil.example",
	} {
		resp := get(t, b.api.URL+"/t/c/"+bad)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d Location %q, want 404 and none", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestLinksSignedBeforeASecretRotationStillRedirect(t *testing.T) {
	b := setupWith(t, testenv.NewRedis(t).Client, tracked, "", []string{"old-secret"})
	clicks, _, _ := receivedTokens(t, b)
	for _, tc := range []struct {
		name    string
		secrets []string
		want    int
	}{
		{"rotated: [new, old]", []string{"new-secret", "old-secret"}, http.StatusFound},
		{"old secret dropped", []string{"new-secret"}, http.StatusNotFound},
	} {
		k := must(links.NewKeyring(tc.secrets, "https://news.example.com"))
		srv := httptest.NewServer((&api.Server{Customers: b.store, Tracking: &api.Tracking{Keyring: k, Hits: b.store}, Now: b.clock.Now}).Handler())
		resp := get(t, srv.URL+"/t/c/"+clicks[1])
		srv.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		if tc.want == http.StatusFound && resp.Header.Get("Location") != "https://shop.example.com/new" {
			t.Errorf("%s: Location %q", tc.name, resp.Header.Get("Location"))
		}
	}
}

func TestAppleMPPOpenIsFlaggedAndRaisesNoEngagement(t *testing.T) {
	b := setupWith(t, testenv.NewRedis(t).Client, tracked, "", []string{"secret"})
	_, open, _ := receivedTokens(t, b)
	h := (&api.Server{Customers: b.store, Tracking: &api.Tracking{Keyring: b.keyring, Hits: b.store}, Now: b.clock.Now}).Handler()
	for _, tc := range []struct {
		name, addr string
		wantOpens  int
	}{
		{"Apple Mail Privacy Protection", "17.58.97.3:40112", 0},
		{"the customer", "198.51.100.7:51000", 1},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/t/o/"+html.EscapeString(open), nil)
		req.RemoteAddr = tc.addr
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/gif" {
			t.Fatalf("%s: open answered %d %s", tc.name, rec.Code, rec.Header().Get("Content-Type"))
		}
		p, err := b.store.Get(context.Background(), "anna")
		if err != nil {
			t.Fatal(err)
		}
		if e := p.Engagement["email"]; e.Opens != tc.wantOpens || e.Engaged != tc.wantOpens || e.Received != 1 {
			t.Errorf("after an open from %s: engagement %+v, want %d opens", tc.name, e, tc.wantOpens)
		}
	}
	tok, _ := b.keyring.VerifyTrack(links.PurposeOpen, open)
	st, _ := b.store.SendStats(context.Background(), "anna", tok.Send)
	if st.Opens != 2 || st.FlaggedOpens != 1 || st.UniqueOpens != 1 {
		t.Fatalf("send stats %+v, want 2 opens, 1 flagged, 1 unique", st)
	}
}
