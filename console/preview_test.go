package console_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/dryrun"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// previewBundle is a console that can preview and simulate, with the deliverer it uses, so
// that a test compares the page with dryrun.Preview called directly.
type previewBundle struct {
	*bundle
	deliverer *delivery.Deliverer
}

// setupPreview adds the delivery path to the console of setup: the example templates, a
// reward ledger (on a Redis of its own: its budgets start empty, as they do on the bundle's)
// and senders that refuse to send, since preview and simulate never send.
func setupPreview(t *testing.T, mutate ...func(*console.Config)) *previewBundle {
	t.Helper()
	pb := &previewBundle{}
	ledger := testenv.NewRedis(t)
	pb.bundle = setup(t, append([]func(*console.Config){func(c *console.Config) {
		set, err := config.LoadSet(c.Settings)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := templates.Load(set.Templates)
		if err != nil {
			t.Fatal(err)
		}
		c.Catalog = delivery.NewCatalogRef(delivery.NewCatalog(set, tpl))
		store := c.Customers.(*customers.Store)
		pb.deliverer, err = delivery.New(delivery.Config{
			Catalog: c.Catalog, Profiles: store, Claims: c.Outcomes.(*delivery.Claims),
			Rewards: rewards.NewLedger(ledger.Client, "secret"), Email: refuse{}, SMS: refuse{}, Enqueue: refuse{},
			Links:  links.NewSigner("secret", "https://news.example.com"),
			Policy: decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", DefaultRegion: "US"},
			Now:    c.Now, MessageDomain: "example.com",
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Deliverer, c.Audience = pb.deliverer, store
	}}, mutate...)...)
	// The example customer agrees to emails: welcome then has a channel.
	_, err := pb.store.Apply(context.Background(), []customers.Event{{Type: "identify", MessageID: "m-consent", UserID: customerID,
		Timestamp: pb.now.Add(-47 * time.Hour), Traits: map[string]any{"consent": map[string]any{"email": true}}}})
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

// refuse fails every send and enqueue: a preview or simulation that sent would fail loudly.
type refuse struct{}

var errRefused = errors.New("preview and simulate must not send")

func (refuse) SendEmail(context.Context, *channels.Email) (channels.Receipt, error) {
	return channels.Receipt{}, errRefused
}
func (refuse) SendSMS(context.Context, *channels.SMS) (channels.Receipt, error) {
	return channels.Receipt{}, errRefused
}
func (refuse) Close() error { return nil }
func (refuse) EnqueueContext(context.Context, *asynq.Task, ...asynq.Option) (*asynq.TaskInfo, error) {
	return nil, errRefused
}

// previewCampaign is the example campaign the example customer (one order) is in.
const previewCampaign = "welcome"

var iframeRE = regexp.MustCompile(`<iframe class="email"[^>]*\ssandbox src="([^"]*)"`)

func TestPreviewByEmailShowsWhatDryrunPreviewPrints(t *testing.T) {
	b := setupPreview(t)
	want, err := dryrun.Preview(context.Background(), b.deliverer, previewCampaign, customerID, b.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want.Subject == "" || want.HTML == "" {
		t.Fatalf("the example customer gets no email to compare: %+v", want)
	}
	c := b.client(t)
	b.login(t, c, "olga")
	for _, q := range []string{customerID, strings.ToUpper(customerEmail)} {
		status, body := b.get(t, c, "/console/campaigns/"+previewCampaign+"/preview?"+url.Values{"customer": {q}}.Encode())
		if status != http.StatusOK {
			t.Fatalf("preview of %s: %d\n%s", q, status, body)
		}
		contains(t, body, html.EscapeString(want.Subject), want.Channel, want.SendAt.UTC().Format("2006-01-02 15:04 UTC"))
		for _, r := range want.Reasons {
			contains(t, body, html.EscapeString(r))
		}
		m := iframeRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no sandboxed iframe in the page")
		}
		resp, err := c.Get(b.srv.URL + html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, resp)
		resp.Body.Close()
		if got != want.HTML {
			t.Errorf("the iframe shows another email than dryrun.Preview:\n%s\nwant\n%s", got, want.HTML)
		}
		// The email's own policy: its inline styles and images, no script, framed only here.
		csp := resp.Header.Get("Content-Security-Policy")
		for _, w := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "sandbox", "frame-ancestors 'self'"} {
			if !strings.Contains(csp, w) {
				t.Errorf("the email's CSP %q lacks %q", csp, w)
			}
		}
		if strings.Contains(csp, "script-src") {
			t.Errorf("the email's CSP allows scripts: %q", csp)
		}
	}
}

func TestPreviewOfAnUnknownAddressSaysSo(t *testing.T) {
	b := setupPreview(t)
	c := b.client(t)
	b.login(t, c, "olga")
	status, body := b.get(t, c, "/console/campaigns/"+previewCampaign+"/preview?customer=nobody%40example.com")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	contains(t, body, "No customer with this id or address.")
}

func TestSimulateIsForEditorsOnly(t *testing.T) {
	b := setupPreview(t)
	cases := []struct {
		user       string
		wantForm   bool
		wantStatus int
	}{
		{"olga", false, http.StatusForbidden},
		{"maryam", true, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			c := b.client(t)
			b.login(t, c, tc.user)
			_, body := b.get(t, c, "/console/campaigns/"+previewCampaign+"/preview")
			if got := strings.Contains(body, `action="/console/campaigns/`+previewCampaign+`/simulate"`); got != tc.wantForm {
				t.Errorf("simulate form shown = %v, want %v", got, tc.wantForm)
			}
			resp := b.post(t, c, "/console/campaigns/"+previewCampaign+"/simulate", url.Values{"csrf": {csrf(t, body)}})
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("simulate as %s: %d, want %d", tc.user, resp.StatusCode, tc.wantStatus)
			}
		})
	}
}

func TestSimulateShowsTheSimulationOfDryrun(t *testing.T) {
	b := setupPreview(t)
	want, err := dryrun.Simulate(context.Background(), b.deliverer, b.store, previewCampaign, b.now, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := b.client(t)
	b.login(t, c, "maryam")
	_, body := b.get(t, c, "/console/campaigns/"+previewCampaign+"/preview")
	resp, err := c.PostForm(b.srv.URL+"/console/campaigns/"+previewCampaign+"/simulate", url.Values{"csrf": {csrf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simulate: %d\n%s", resp.StatusCode, page)
	}
	contains(t, page, `<dd class="customers">`+itoa(want.Customers)+`</dd>`, `<dd class="would-send">`+itoa(want.WouldSend)+`</dd>`)
	for reason := range want.Skipped {
		contains(t, page, reason)
	}
}

func TestSimulateThatRunsOutOfTimeSaysSo(t *testing.T) {
	b := setupPreview(t, func(c *console.Config) { c.SimulateTimeout = time.Nanosecond })
	c := b.client(t)
	b.login(t, c, "maryam")
	_, body := b.get(t, c, "/console/campaigns/"+previewCampaign+"/preview")
	resp, err := c.PostForm(b.srv.URL+"/console/campaigns/"+previewCampaign+"/simulate", url.Values{"csrf": {csrf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	contains(t, readAll(t, resp), "did not finish within 1ns", "rapport simulate "+previewCampaign)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var sb strings.Builder
	if _, err := io.Copy(&sb, resp.Body); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
