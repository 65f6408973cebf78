package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/console"
)

const wantCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'"

func TestLoginOpensTheConsoleAndAWrongPasswordDoesNot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	if code, _ := b.get(t, c, "/console/"); code != http.StatusSeeOther {
		t.Fatalf("campaigns without a session: %d, want a redirect to the login", code)
	}
	_, body := b.get(t, c, "/console/login")
	resp := b.post(t, c, "/console/login", url.Values{"csrf": {csrf(t, body)}, "name": {"maryam"}, "password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	_, body = b.get(t, c, "/console/login")
	resp = b.post(t, c, "/console/login", url.Values{"csrf": {csrf(t, body)}, "name": {"nobody"}, "password": {password}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown user: %d", resp.StatusCode)
	}
	b.login(t, c, "maryam")
	code, body := b.get(t, c, "/console/")
	if code != http.StatusOK {
		t.Fatalf("campaigns: %d", code)
	}
	contains(t, body, "thank-you", "triggered", "nowruz", "holiday", "running", "maryam")
}

func TestLoginComesBackToTheRequestedPageOnly(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct{ next, want string }{
		{"/console/customers/" + customerID, "/console/customers/" + customerID},
		{"https://evil.example/", "/console/"},
		{"//evil.example/console/", "/console/"},
		{"/console/\\evil", "/console/"},
	} {
		c := b.client(t)
		_, body := b.get(t, c, "/console/login")
		resp := b.post(t, c, "/console/login", url.Values{"csrf": {csrf(t, body)}, "name": {"olga"}, "password": {password}, "next": {tc.next}})
		if got := resp.Header.Get("Location"); got != tc.want {
			t.Errorf("next %q: redirected to %q, want %q", tc.next, got, tc.want)
		}
	}
}

func TestRequestWithoutCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	// The login form without its token (or with a token of another login cookie).
	_, _ = b.get(t, c, "/console/login")
	if resp := b.post(t, c, "/console/login", url.Values{"name": {"maryam"}, "password": {password}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without a token: %d, want 403", resp.StatusCode)
	}
	other := b.client(t)
	_, otherPage := b.get(t, other, "/console/login")
	if resp := b.post(t, c, "/console/login", url.Values{"csrf": {csrf(t, otherPage)}, "name": {"maryam"}, "password": {password}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with another browser's token: %d, want 403", resp.StatusCode)
	}
	b.login(t, c, "maryam")
	if resp := b.post(t, c, "/console/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without a token: %d, want 403", resp.StatusCode)
	}
	if code, _ := b.get(t, c, "/console/"); code != http.StatusOK {
		t.Fatalf("the refused logout logged out: %d", code)
	}
	_, body := b.get(t, c, "/console/")
	if resp := b.post(t, c, "/console/logout", url.Values{"csrf": {csrf(t, body)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout with the token: %d", resp.StatusCode)
	}
	if code, _ := b.get(t, c, "/console/"); code != http.StatusSeeOther {
		t.Errorf("still logged in after logout: %d", code)
	}
}

func TestViewerSeesContactsMaskedUnlessShowPII(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		user    string
		showPII bool
		clear   bool
	}{
		{"viewer", "olga", false, false},
		{"viewer with show_pii", "olga", true, true},
		{"editor", "maryam", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.cfg.Console.ShowPII = tc.showPII
			c := b.client(t)
			b.login(t, c, tc.user)
			code, body := b.get(t, c, "/console/customers/"+customerID)
			if code != http.StatusOK {
				t.Fatalf("customer page: %d", code)
			}
			// html/template writes "+" as &#43;: look for the digits.
			hasClear := strings.Contains(body, customerEmail) || strings.Contains(body, strings.TrimPrefix(customerPhone, "+"))
			if hasClear != tc.clear {
				t.Errorf("address or phone in clear: %v, want %v", hasClear, tc.clear)
			}
			if !tc.clear {
				contains(t, body, "m***@example.com", "9891******67")
			}
		})
	}
}

func TestCustomerPageListsASendWithItsReasons(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	b.login(t, c, "olga")
	code, body := b.get(t, c, "/console/customers/"+customerID)
	if code != http.StatusOK {
		t.Fatalf("customer page: %d", code)
	}
	contains(t, body, `<bdi class="name">مریم رحیمی</bdi>`, "thank-you", b.sentAt.Format("2006-01-02 15:04 UTC"), ">sent<",
		"variant gold: customer.tier == &#34;gold&#34;", "channel email: consent given, best engagement",
		"Opens and clicks by local hour", `data-value="1"><title>11:00: 1</title>`)
	if code, _ := b.get(t, c, "/console/customers/nobody"); code != http.StatusNotFound {
		t.Errorf("unknown customer: %d", code)
	}
}

func TestLoginAttemptsAreLimitedPerUserAndPerAddress(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *console.Config) { c.LoginBurst, c.LoginEvery = 3, time.Hour })
	c := b.client(t)
	attempt := func(name, pw string) int {
		_, body := b.get(t, c, "/console/login")
		return b.post(t, c, "/console/login", url.Values{"csrf": {csrf(t, body)}, "name": {name}, "password": {pw}}).StatusCode
	}
	for i := range 3 {
		if code := attempt("maryam", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	if code := attempt("maryam", password); code != http.StatusTooManyRequests {
		t.Errorf("fourth attempt, right password: %d, want 429", code)
	}
	// The address is spent too: another name from the same address is refused.
	if code := attempt("olga", password); code != http.StatusTooManyRequests {
		t.Errorf("another user from the same address: %d, want 429", code)
	}
}

func TestAnswersCarryTheSecurityHeadersAndStrictCookies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL string
		secure    bool
	}{
		{"http://127.0.0.1:8080", false},
		{"https://news.example.com", true},
	} {
		b := setup(t, func(c *console.Config) { c.Settings.PublicURL = tc.publicURL })
		c := b.client(t)
		resp, err := c.Get(b.srv.URL + "/console/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("Content-Security-Policy") != wantCSP || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("headers: %v", h)
		}
		for _, ck := range resp.Cookies() {
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != tc.secure || ck.Path != "/console/" {
				t.Errorf("public_url %s: cookie %s: %+v", tc.publicURL, ck.Name, ck)
			}
		}
	}
}

func TestSessionEndsWithItsExpiryAndWithAPasswordChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	b.login(t, c, "olga")
	b.now = b.now.Add(11 * time.Hour)
	if code, _ := b.get(t, c, "/console/"); code != http.StatusOK {
		t.Fatalf("after 11 hours: %d", code)
	}
	b.now = b.now.Add(2 * time.Hour)
	if code, _ := b.get(t, c, "/console/"); code != http.StatusSeeOther {
		t.Errorf("after 13 hours: %d, want the login", code)
	}
	b.now = b.now.Add(-13 * time.Hour)
	c = b.client(t)
	b.login(t, c, "olga")
	b.cfg.Console.Users[1].PasswordHash = b.cfg.Console.Users[0].PasswordHash + "x"
	if code, _ := b.get(t, c, "/console/"); code != http.StatusSeeOther {
		t.Errorf("after a password change: %d, want the login", code)
	}
}

func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	b.login(t, c, "olga")
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/console/", []string{"thank-you", "Nowruz greeting", "on Order Completed"}},
		{"/console/campaigns/thank-you", []string{"event Order Completed where", "segment loyal", "10%", "gold"}},
		{"/console/loyalty", []string{"Customers by lifecycle stage", "<svg", "Repeat rate"}},
		{"/console/calendar", []string{"2026-03-2", "nowruz", `href="/console/campaigns/nowruz"`, "IR"}},
		{"/console/static/console.css", []string{"svg.chart"}},
		{"/console/static/console.js", []string{"sortable"}},
	} {
		code, body := b.get(t, c, tc.path)
		if code != http.StatusOK {
			t.Errorf("%s: %d\n%s", tc.path, code, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tc.path, w)
			}
		}
	}
	if code, _ := b.get(t, c, "/console/campaigns/nope"); code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", code)
	}
}

// pauses is a Pauser with fixed answers.
type pauses map[string]string

func (p pauses) Pause(context.Context, string, string) error  { return errors.New("read only") }
func (p pauses) Resume(context.Context, string, string) error { return errors.New("read only") }

func (p pauses) State(_ context.Context, id string) (bool, string, time.Time, error) {
	who, ok := p[id]
	if who == "broken" {
		return false, "", time.Time{}, errors.New("redis is down")
	}
	return ok, who, time.Date(2026, 2, 28, 18, 0, 0, 0, time.UTC), nil
}

func TestCampaignStateComesFromThePauser(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *console.Config) { c.Pauser = pauses{"thank-you": "maryam", "nowruz": "broken"} })
	c := b.client(t)
	b.login(t, c, "olga")
	_, body := b.get(t, c, "/console/")
	contains(t, body, `<span class="state paused">paused</span> <span class="hint">by <bdi>maryam</bdi> at 2026-02-28 18:00 UTC</span>`,
		`<span class="state unknown">unknown</span>`, `<span class="state running">running</span>`)
	_, body = b.get(t, c, "/console/campaigns/thank-you")
	contains(t, body, `<dt>State</dt><dd class="state-cell"><span class="state paused">paused</span>`)
}

func TestCustomerSearchFindsByIDEmailOrPhoneFromTheIndex(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	b.login(t, c, "olga")
	for _, tc := range []struct {
		q    string
		code int
		to   string
	}{
		{customerID, http.StatusSeeOther, "/console/customers/" + customerID},
		{strings.ToUpper(customerEmail), http.StatusSeeOther, "/console/customers/" + customerID},
		{customerPhone, http.StatusSeeOther, "/console/customers/" + customerID},
		{"nobody@example.com", http.StatusNotFound, ""},
		{"", http.StatusBadRequest, ""},
	} {
		resp, err := c.Get(b.srv.URL + "/console/customers?q=" + url.QueryEscape(tc.q))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code || resp.Header.Get("Location") != tc.to {
			t.Errorf("search %q: %d to %q, want %d to %q", tc.q, resp.StatusCode, resp.Header.Get("Location"), tc.code, tc.to)
		}
	}
}

// The next occurrence is the scheduler's (schedule.Describer), with no walk over the base;
// the base's main time zones show once the calendar page has counted the customers.
func TestNextOccurrencesShowInUTCThenInTheBaseMainZones(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client(t)
	b.login(t, c, "olga")
	_, body := b.get(t, c, "/console/")
	contains(t, body, `<time datetime="2026-03-20T10:00:00Z">2026-03-20 10:00 UTC</time>`,
		"at that time on each customer&#39;s clock, in the countries that keep nowruz")
	if strings.Contains(body, "Asia/Tehran") {
		t.Error("a zone of the base is shown before the base was counted")
	}
	b.get(t, c, "/console/calendar") // counts the customers by country and zone
	_, body = b.get(t, c, "/console/")
	contains(t, body, `<span class="why zone">2026-03-20 10:00 &#43;0330 <span class="hint">Asia/Tehran</span></span>`)
}
