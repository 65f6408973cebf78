package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
)

// browser is one headless Chromium tab on a console, recording every JavaScript error.
type browser struct {
	ctx context.Context
	b   *bundle
	mu  sync.Mutex
	// errs are uncaught exceptions, console.error calls and error entries of the browser's
	// log (a CSP violation, a failed request of an asset).
	errs []string
}

// newBrowser starts Chromium on b's console.
func newBrowser(t *testing.T, b *bundle) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(testenv.Chromium(t)), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 1400), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	br := &browser{ctx: ctx, b: b}
	// Start the browser, then listen to the tab before any page is opened.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				msg = "console.error: " + strings.Join(parts, " ")
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				msg = fmt.Sprintf("log %s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
		if msg != "" {
			br.mu.Lock()
			br.errs = append(br.errs, msg)
			br.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return br
}

func (br *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(br.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (br *browser) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(br.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// open navigates to a console path and waits for its heading.
func (br *browser) open(t *testing.T, path string) {
	t.Helper()
	br.do(t, "open "+path, chromedp.Navigate(br.b.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// login fills the login form as a person would.
func (br *browser) login(t *testing.T, name string) {
	t.Helper()
	br.open(t, "/console/")
	br.do(t, "log in as "+name,
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("header nav")))
}

// screenshot saves the page as a PNG (quality 100: chromedp writes JPEG below it) in the test's temporary directory.
func (br *browser) screenshot(t *testing.T, name string) string {
	t.Helper()
	png, err := chromedp.Run(br.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(t.TempDir(), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("CONSOLE_SCREENSHOTS"); dir != "" { // docs/: the README's pictures
		_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	t.Logf("screenshot %s (%d bytes)", p, len(png))
	return p
}

func (br *browser) noErrors(t *testing.T) {
	t.Helper()
	br.mu.Lock()
	defer br.mu.Unlock()
	for _, e := range br.errs {
		t.Errorf("browser: %s", e)
	}
}

func TestBrowserLogsIn(t *testing.T) {
	b := setup(t)
	br := newBrowser(t, b)
	br.open(t, "/console/")
	if h := br.text(t, "h1"); h != "Log in to the console" {
		t.Fatalf("without a session the console shows %q", h)
	}
	br.login(t, "maryam")
	if h := br.text(t, "h1"); h != "Campaigns" {
		t.Errorf("after login: %q", h)
	}
	if who := br.text(t, ".who"); !strings.Contains(who, "maryam (editor)") {
		t.Errorf("logged in as %q", who)
	}
	br.screenshot(t, "console-campaigns")
	br.noErrors(t)
}

func TestBrowserCustomerPageListsASendWithItsReasons(t *testing.T) {
	b := setup(t)
	br := newBrowser(t, b)
	br.login(t, "maryam")
	br.open(t, "/console/customers/"+customerID)
	sends := br.text(t, "table.sends tbody")
	for _, want := range append([]string{"thank-you", "gold", "sent"}, sendReasons...) {
		if !strings.Contains(sends, want) {
			t.Errorf("messages table lacks %q:\n%s", want, sends)
		}
	}
	if name := br.text(t, "h1 bdi.name"); name != "مریم رحیمی" {
		t.Errorf("name = %q", name)
	}
	br.screenshot(t, "console-customer")
	br.noErrors(t)
}

func TestBrowserFormWithoutCSRFTokenIsRefused(t *testing.T) {
	b := setup(t)
	br := newBrowser(t, b)
	br.login(t, "olga")
	// Take the token out of the logout form, as a page on another site would have to.
	if _, err := chromedp.Run(br.ctx, chromedp.Evaluate[bool](`document.querySelector('form.logout input[name="csrf"]').remove(), true`)); err != nil {
		t.Fatal(err)
	}
	br.do(t, "submit the logout form", chromedp.Click(chromedp.CSS("form.logout button")), chromedp.WaitVisible(chromedp.CSS("p.error")))
	if h, msg := br.text(t, "h1"), br.text(t, "p.error"); h != "Forbidden" || !strings.Contains(msg, "CSRF") {
		t.Errorf("refusal page: %q, %q", h, msg)
	}
	br.screenshot(t, "console-csrf-refused")
	// Still logged in: the forged request changed nothing.
	br.open(t, "/console/")
	if h := br.text(t, "h1"); h != "Campaigns" {
		t.Errorf("after the refused logout: %q", h)
	}
}

func TestBrowserViewerSeesAMaskedEmail(t *testing.T) {
	b := setup(t)
	br := newBrowser(t, b)
	br.login(t, "olga")
	br.open(t, "/console/customers/"+customerID)
	if got := br.text(t, "dd.contact.email"); got != "m***@example.com" {
		t.Errorf("a viewer sees the email as %q", got)
	}
	if got := br.text(t, "dd.contact.phone"); got != "+9891******67" {
		t.Errorf("a viewer sees the phone as %q", got)
	}
	br.screenshot(t, "console-customer-viewer")
	br.noErrors(t)
}

func TestBrowserNoJavaScriptErrorsOnAnyPage(t *testing.T) {
	b := setup(t)
	br := newBrowser(t, b)
	br.login(t, "olga")
	for _, p := range []string{"/console/", "/console/campaigns/thank-you", "/console/customers/" + customerID,
		"/console/loyalty", "/console/calendar"} {
		br.open(t, p)
		// Exercise console.js: sort the first sortable table, twice.
		if n, err := chromedp.Run(br.ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.sortable th[data-sort]').length`)); err == nil && n > 0 {
			br.do(t, "sort "+p, chromedp.Click(chromedp.CSS("table.sortable th[data-sort]")), chromedp.Click(chromedp.CSS("table.sortable th[data-sort]")))
		}
		br.screenshot(t, "page"+strings.ReplaceAll(strings.TrimSuffix(p, "/"), "/", "-"))
	}
	br.noErrors(t)
}

func TestBrowserChartBarsAreProportionalToTheirNumbers(t *testing.T) {
	b := setup(t)
	// One-order customers 100 days ago (at risk) and 400 days ago (lapsed), besides the new one.
	var events []customers.Event
	for i, daysAgo := range []int{100, 100, 100, 400, 400} {
		id := fmt.Sprintf("c-%d", 2000+i)
		events = append(events, customers.Event{Type: "track", MessageID: id + "-o", UserID: id, Event: "Order Completed",
			Timestamp: b.now.AddDate(0, 0, -daysAgo), Properties: map[string]any{"order_id": id, "total": 30.0, "currency": "USD"}})
	}
	if _, err := b.store.Apply(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, b)
	br.login(t, "olga")
	br.open(t, "/console/loyalty")
	type bar struct {
		Value  float64 `json:"value"`
		Height float64 `json:"height"`
	}
	// The heights as the browser lays them out, next to the numbers the server drew them from.
	bars, err := chromedp.Run(br.ctx, chromedp.Evaluate[[]bar](`Array.from(document.querySelectorAll('svg.bars rect.bar')).map(r =>
		({value: parseFloat(r.getAttribute('data-value')), height: r.getBBox().height}))`))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(bars); got != "[{1 "+fmt.Sprint(bars[0].Height)+"} {0 0} {0 0} {0 0} {3 "+fmt.Sprint(bars[4].Height)+"} {2 "+fmt.Sprint(bars[5].Height)+"}]" {
		t.Fatalf("lifecycle bars (new, active, loyal, champion, at risk, lapsed) = %v, want 1 0 0 0 3 2", got)
	}
	var per float64
	for _, x := range bars {
		if x.Value > 0 {
			per = x.Height / x.Value
			break
		}
	}
	if per <= 0 {
		t.Fatalf("no bar drawn: %+v", bars)
	}
	for _, x := range bars {
		if d := x.Height - x.Value*per; d > 0.05 || d < -0.05 {
			t.Errorf("bar of %v is %v high, want %v", x.Value, x.Height, x.Value*per)
		}
	}
	br.screenshot(t, "console-loyalty")
	br.noErrors(t)
}
