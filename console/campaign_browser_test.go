package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// apiReport asks GET /v1/campaigns/{id}/report of the API's own handler, over the same
// results store as the console.
func (cb *campaignBundle) apiReport(t *testing.T, query string) map[string]any {
	t.Helper()
	srv := &api.Server{APIKeys: []string{"test-key"}, Log: zap.NewNop(), Reports: &api.Reports{Store: cb.results,
		Known: func(id string) bool { return id == cb.campaign }}}
	req := httptest.NewRequest(http.MethodGet, "/v1/campaigns/"+cb.campaign+"/report?"+query, nil)
	req.Header.Set("Authorization", "Bearer test-key")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET report?%s: %d %s", query, rec.Code, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBrowserCampaignFunnelShowsTheNumbersOfTheReportAPI(t *testing.T) {
	cb := setupCampaigns(t)
	cb.seedFunnel(t)
	br := newBrowser(t, cb.bundle)
	br.login(t, "olga")
	br.open(t, "/console/campaigns/"+cb.campaign)
	type cell struct {
		Metric string `json:"metric"`
		Text   string `json:"text"`
	}
	cells, err := chromedp.Run(br.ctx, chromedp.Evaluate[[]cell](`Array.from(document.querySelectorAll('table.funnel td[data-metric]')).map(td =>
		({metric: td.getAttribute('data-metric'), text: td.textContent.trim()}))`))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := chromedp.Run(br.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('figure.funnel svg text.value')).map(x => x.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	from, to := br.attr(t, "p.period", "data-from"), br.attr(t, "p.period", "data-to")
	rep := cb.apiReport(t, "from="+from+"T00:00:00Z&to="+to+"T00:00:00Z")
	if rep["from"] != from || rep["to"] != to {
		t.Errorf("the API's report is of %v–%v, the page's of %s–%s", rep["from"], rep["to"], from, to)
	}
	funnel := rep["funnel"].(map[string]any)
	if len(cells) != 6 || len(labels) != 6 {
		t.Fatalf("funnel cells %v, chart numbers %v: want 6 of each", cells, labels)
	}
	for i, c := range cells {
		want := strconv.FormatFloat(funnel[c.Metric].(float64), 'f', -1, 64)
		if got := strings.ReplaceAll(c.Text, ",", ""); got != want {
			t.Errorf("%s: the page shows %s, the API %s", c.Metric, c.Text, want)
		}
		if got := strings.ReplaceAll(labels[i], ",", ""); got != want {
			t.Errorf("%s: the chart's bar says %s, the API %s", c.Metric, labels[i], want)
		}
	}
	if funnel["sent"].(float64) != 36 {
		t.Errorf("the seeded sends are not in the report: %v", funnel)
	}
	br.screenshot(t, "console-campaign")
	br.noErrors(t)
}

func TestBrowserFunnelBarHeightsAreProportionalToTheNumbers(t *testing.T) {
	cb := setupCampaigns(t)
	cb.seedFunnel(t)
	br := newBrowser(t, cb.bundle)
	br.login(t, "olga")
	br.open(t, "/console/campaigns/"+cb.campaign)
	type bar struct {
		Value  float64 `json:"value"`
		Height float64 `json:"height"`
	}
	bars, err := chromedp.Run(br.ctx, chromedp.Evaluate[[]bar](`Array.from(document.querySelectorAll('figure.funnel svg rect.bar')).map(r =>
		({value: parseFloat(r.getAttribute('data-value')), height: r.getBBox().height}))`))
	if err != nil {
		t.Fatal(err)
	}
	var values []float64
	for _, b := range bars {
		values = append(values, b.Value)
	}
	// eligible 55 (50 treatment and 5 held out), sent 36, delivered 25, opened 12, clicked 6, converted 3
	if got := fmtFloats(values); got != "55 36 25 12 6 3" {
		t.Fatalf("funnel bars = %s, want 55 36 25 12 6 3", got)
	}
	per := bars[0].Height / bars[0].Value
	for _, b := range bars {
		if d := b.Height - b.Value*per; d > 0.05 || d < -0.05 {
			t.Errorf("bar of %v is %v high, want %v", b.Value, b.Height, b.Value*per)
		}
	}
	br.screenshot(t, "console-campaign-funnel")
	br.noErrors(t)
}

func fmtFloats(v []float64) string {
	var s []string
	for _, x := range v {
		s = append(s, strconv.FormatFloat(x, 'f', -1, 64))
	}
	return strings.Join(s, " ")
}

// attr reads an attribute of the first element matching sel.
func (br *browser) attr(t *testing.T, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(br.ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).getAttribute(`+strconv.Quote(name)+`)`))
	if err != nil {
		t.Fatalf("%s of %s: %v", name, sel, err)
	}
	return v
}

// deliverer is jobs/delivery's one path for thank-you (a campaign of that id, simplified:
// any order, email only) to the customer ann, over the console's campaign state store.
type deliverer struct {
	d    *delivery.Deliverer
	smtp *testenv.SMTP
}

func newDeliverer(t *testing.T, cb *campaignBundle) *deliverer {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, map[string]string{
		"campaigns/c.yaml": "id: thank-you\ntrigger: {event: Order Completed}\nchannels: [email]\nvariants: [{id: v, email: {subject: Thanks, html: c.html}}]\n",
		"templates/c.html": "<p>Thanks</p>",
	})
	set, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		t.Fatal(err)
	}
	smtp := testenv.NewSMTP(t)
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: smtp.URL(), From: "Shop <shop@example.com>", Size: 1, Timeout: 2 * time.Second}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	client := asynq.NewClientFromRedisClient(cb.rdb)
	t.Cleanup(func() { _ = client.Close() })
	store := customers.NewStore(cb.rdb, customers.Options{})
	now := time.Now()
	if _, err := store.Apply(context.Background(), []customers.Event{{Type: "identify", UserID: "ann", MessageID: "i1",
		Traits: map[string]any{"email": "ann@example.com", "consent": map[string]any{"email": true}}, Timestamp: now, ReceivedAt: now}}); err != nil {
		t.Fatal(err)
	}
	d, err := delivery.New(delivery.Config{Catalog: delivery.NewCatalogRef(delivery.NewCatalog(set, tpl)), Profiles: store,
		Claims: delivery.NewClaims(cb.rdb), Rewards: rewards.NewLedger(cb.rdb, "secret"), Email: pool,
		SMS:   channels.NewTwilio(channels.TwilioConfig{BaseURL: "http://127.0.0.1:1"}, http.DefaultClient),
		Links: links.NewSigner("secret", "https://news.example.com"), Enqueue: client, Pauses: cb.states, Results: cb.results,
		Policy: decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", DefaultRegion: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	return &deliverer{d: d, smtp: smtp}
}

func (dl *deliverer) order(t *testing.T, occurrence string) delivery.Outcome {
	t.Helper()
	out, err := dl.d.Deliver(context.Background(), &tasks.SendPayload{Campaign: "thank-you", Customer: "ann", Occurrence: occurrence, Due: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// switchState clicks the campaign's pause or resume switch on the campaigns list and waits
// for the list to show the new state.
func (br *browser) switchState(t *testing.T, button, state string) {
	t.Helper()
	row := `tr[data-campaign="thank-you"] `
	br.do(t, "click "+button, chromedp.Click(chromedp.CSS(row+"form.switch button."+button)),
		chromedp.WaitVisible(chromedp.CSS(row+"span.state."+state)))
}

func TestBrowserPauseStopsTheNextSendAndResumeRestartsIt(t *testing.T) {
	cb := setupCampaigns(t)
	dl := newDeliverer(t, cb)
	if out := dl.order(t, "o1"); out.State != delivery.StateSent {
		t.Fatalf("before the pause: %+v", out)
	}
	br := newBrowser(t, cb.bundle)
	br.login(t, "maryam")
	br.open(t, "/console/")
	br.switchState(t, "pause", "paused")
	if who := br.text(t, `tr[data-campaign="thank-you"] td:nth-child(4) .hint`); !strings.Contains(who, "maryam") {
		t.Errorf("the list says paused %q, want by maryam", who)
	}
	br.screenshot(t, "console-campaign-paused")
	if out := dl.order(t, "o2"); out.State != delivery.StateSkipped || out.Reason != string(delivery.SkipPaused) {
		t.Fatalf("while paused: %+v", out)
	}
	br.switchState(t, "resume", "running")
	if out := dl.order(t, "o3"); out.State != delivery.StateSent {
		t.Fatalf("after the resume: %+v", out)
	}
	if n := len(dl.smtp.Wait(t, 2, 10*time.Second)); n != 2 {
		t.Errorf("%d emails, want 2: o1 and o3, never the o2 that was skipped while paused", n)
	}
	// The campaign page samples the decisions with their reasons: the skip says who paused.
	br.open(t, "/console/campaigns/thank-you")
	recent := br.text(t, "table.recent tbody")
	for _, want := range []string{"ann", "sent", "channel email", "skipped", "campaign paused by maryam at"} {
		if !strings.Contains(recent, want) {
			t.Errorf("recent decisions lack %q:\n%s", want, recent)
		}
	}
	br.noErrors(t)
}

func TestBrowserViewerCannotPause(t *testing.T) {
	cb := setupCampaigns(t)
	br := newBrowser(t, cb.bundle)
	br.login(t, "olga")
	for _, p := range []string{"/console/", "/console/campaigns/thank-you"} {
		br.open(t, p)
		if n, err := chromedp.Run(br.ctx, chromedp.Evaluate[int](`document.querySelectorAll('form.switch').length`)); err != nil || n != 0 {
			t.Errorf("%s shows a viewer %d pause forms (%v)", p, n, err)
		}
	}
	// A forged form with the viewer's own valid CSRF token (taken from the logout form).
	forge := `(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/console/campaigns/thank-you/pause';
		const i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf';
		i.value = document.querySelector('form.logout input[name="csrf"]').value; f.appendChild(i);
		document.body.appendChild(f); f.submit(); return true; })()`
	if _, err := chromedp.Run(br.ctx, chromedp.Evaluate[bool](forge)); err != nil {
		t.Fatal(err)
	}
	br.do(t, "wait for the refusal", chromedp.WaitVisible(chromedp.CSS("p.error")))
	if h, msg := br.text(t, "h1"), br.text(t, "p.error"); h != "Forbidden" || !strings.Contains(msg, "Only editors") {
		t.Errorf("refusal page: %q, %q", h, msg)
	}
	if paused, _, _, err := cb.states.State(context.Background(), "thank-you"); err != nil || paused {
		t.Errorf("after a viewer's forged pause: paused=%v (%v)", paused, err)
	}
	br.screenshot(t, "console-viewer-cannot-pause")
}

func TestBrowserNoJavaScriptErrorsOnTheCampaignPages(t *testing.T) {
	cb := setupCampaigns(t)
	cb.seedFunnel(t)
	br := newBrowser(t, cb.bundle)
	br.login(t, "maryam")
	for _, p := range []string{"/console/", "/console/campaigns/thank-you", "/console/campaigns/nowruz"} {
		br.open(t, p)
		br.screenshot(t, "campaign-page"+strings.ReplaceAll(strings.TrimSuffix(p, "/"), "/", "-"))
	}
	br.noErrors(t)
}
