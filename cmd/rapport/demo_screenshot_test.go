package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rapporthq/rapport/internal/testenv"
)

// demoCampaign is the campaign of the README's screenshot: the demo's purchases trigger it.
const demoCampaign = "thank-you"

// TestDemoConsoleScreenshots starts `rapport demo`, logs in to its console with the login it
// prints, in a headless Chromium, and photographs the page of a campaign and the file of the
// customer the demo names: the README's pictures. They are saved under the test's temporary
// directory, or over docs/demo-campaign.png and docs/demo-customer.png when
// RAPPORT_UPDATE_SCREENSHOTS=1 (after a change of those pages).
func TestDemoConsoleScreenshots(t *testing.T) {
	browser := testenv.Chromium(t)
	t.Setenv("RAPPORT_LISTEN", freePort(t))
	t.Setenv("RAPPORT_ADMIN_LISTEN", "localhost:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out signalBuffer
	done := make(chan error, 1)
	go func() { done <- demoCmd(ctx, "--outbox", t.TempDir())(&out) }()
	m := out.waitFor(t, regexp.MustCompile(`Console on (http://\S+/console/) \(log in as (\S+), password (\S+)\)`), done)
	base, name, pw := m[1], m[2], m[3]
	// The demo names a customer it sent to once its purchases are played.
	customer := out.waitFor(t, regexp.MustCompile(`Try it: curl .* http://\S+/v1/customers/(\S+)`), done)[1]

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 1000), chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	bctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	defer cancelTimeout()
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pw),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("header nav")),
	); err != nil {
		t.Fatalf("log in to the demo's console: %v", err)
	}
	dir := t.TempDir()
	if os.Getenv("RAPPORT_UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs")
	}
	for _, shot := range []struct{ file, path string }{
		{"demo-campaign.png", "campaigns/" + demoCampaign},
		{"demo-customer.png", "customers/" + customer},
	} {
		if err := chromedp.Do(bctx, chromedp.Navigate(base+shot.path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatalf("open %s: %v", shot.path, err)
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot of %s: %v", shot.path, err)
		}
		p := filepath.Join(dir, shot.file)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s (%d bytes)", shot.path, p, len(png))
	}
	cancel()
	<-done
}
