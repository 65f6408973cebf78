package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/campaignstate"
	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
)

// campaignBundle is a console with the campaign state and results stores on their own Redis
// (the console reads each through its interface, whatever instance holds it).
type campaignBundle struct {
	*bundle
	rdb     *redis.Client
	states  *campaignstate.Store
	results *results.Store
}

func setupCampaigns(t *testing.T) *campaignBundle {
	t.Helper()
	rdb := testenv.NewRedis(t).Client
	rs, err := results.New(rdb, 0)
	if err != nil {
		t.Fatal(err)
	}
	cb := &campaignBundle{rdb: rdb, states: campaignstate.NewStore(rdb, campaignstate.Options{}), results: rs}
	cb.bundle = setup(t, func(c *console.Config) {
		c.Pauser, c.Results, c.Rewards = cb.states, cb.results, rewards.NewLedger(rdb, "secret")
		c.Runs = &schedule.Runs{RDB: rdb, Catalog: c.Catalog}
	})
	return cb
}

// seedFunnel writes the counters of thank-you two days before b.now: what delivery, the
// webhooks and the trigger would have counted.
func (cb *campaignBundle) seedFunnel(t *testing.T) {
	t.Helper()
	at := cb.now.AddDate(0, 0, -2)
	ev := func(m results.Metric, arm results.Arm, ch, variant string, n int64, day int) results.Event {
		return results.Event{Campaign: cb.campaign, Metric: m, Arm: arm, Channel: ch, Variant: variant, N: n, At: at.AddDate(0, 0, day)}
	}
	tr, ho := results.Treatment, results.Holdout
	if err := cb.results.Add(context.Background(),
		ev(results.Eligible, tr, "email", "gold", 40, 0), ev(results.Sent, tr, "email", "gold", 28, 0), ev(results.Sent, tr, "sms", "default", 8, 1),
		ev(results.Eligible, tr, "sms", "default", 10, 1), ev(results.Eligible, ho, "email", "gold", 5, 0), ev(results.Held, ho, "email", "gold", 5, 0),
		ev(results.Delivered, tr, "email", "gold", 25, 0), ev(results.Opened, tr, "email", "gold", 12, 0),
		ev(results.Clicked, tr, "email", "gold", 6, 1), ev(results.Conversions, tr, "email", "gold", 3, 1),
		ev(results.Customers, tr, "email", "gold", 36, 0), ev(results.Converters, tr, "email", "gold", 3, 1),
		ev(results.Customers, ho, "email", "gold", 5, 0),
	); err != nil {
		t.Fatal(err)
	}
}

func TestViewerSeesTheStateButNoSwitchAndAForgedPostIsForbidden(t *testing.T) {
	t.Parallel()
	cb := setupCampaigns(t)
	c := cb.client(t)
	cb.login(t, c, "olga")
	for _, p := range []string{"/console/", "/console/campaigns/thank-you"} {
		_, body := cb.get(t, c, p)
		if strings.Contains(body, `class="switch"`) {
			t.Errorf("%s shows a viewer the pause switch", p)
		}
		contains(t, body, `<span class="state running">running</span>`)
	}
	_, body := cb.get(t, c, "/console/")
	resp := cb.post(t, c, "/console/campaigns/thank-you/pause", url.Values{"csrf": {csrf(t, body)}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer's pause with a valid CSRF token: %d, want 403", resp.StatusCode)
	}
	if paused, _, _, err := cb.states.State(context.Background(), "thank-you"); err != nil || paused {
		t.Errorf("after a viewer's forged pause the campaign is paused=%v (%v)", paused, err)
	}
}

func TestEditorPausesAndResumesInTheirName(t *testing.T) {
	t.Parallel()
	cb := setupCampaigns(t)
	c := cb.client(t)
	cb.login(t, c, "maryam")
	_, body := cb.get(t, c, "/console/")
	contains(t, body, `action="/console/campaigns/thank-you/pause"`)
	for _, tc := range []struct {
		action, next, to string
		paused           bool
	}{
		{"pause", "/console/", "/console/", true},
		{"resume", "https://evil.example/", "/console/campaigns/thank-you", false},
	} {
		resp := cb.post(t, c, "/console/campaigns/thank-you/"+tc.action, url.Values{"csrf": {csrf(t, body)}, "next": {tc.next}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.to {
			t.Errorf("%s: %d to %q, want 303 to %q", tc.action, resp.StatusCode, resp.Header.Get("Location"), tc.to)
		}
		paused, by, at, err := cb.states.State(context.Background(), "thank-you")
		if err != nil || paused != tc.paused {
			t.Fatalf("after %s: paused=%v (%v)", tc.action, paused, err)
		}
		if paused && (by != "maryam" || at.IsZero()) {
			t.Errorf("paused by %q at %v, want maryam", by, at)
		}
		if paused {
			_, page := cb.get(t, c, "/console/")
			contains(t, page, `<span class="state paused">paused</span> <span class="hint">by <bdi>maryam</bdi>`,
				`action="/console/campaigns/thank-you/resume"`)
		}
	}
	if resp := cb.post(t, c, "/console/campaigns/nope/pause", url.Values{"csrf": {csrf(t, body)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("pause of an unknown campaign: %d", resp.StatusCode)
	}
}

func TestCampaignPageSaysTheUpliftInPlainWords(t *testing.T) {
	t.Parallel()
	cb := setupCampaigns(t)
	cb.seedFunnel(t)
	c := cb.client(t)
	cb.login(t, c, "olga")
	_, body := cb.get(t, c, "/console/campaigns/thank-you")
	contains(t, body, "From the report of 2026-01-31–2026-03-01",
		// 3/36 against 0/5: +8.3 points, an interval too wide to exclude zero.
		"&#43;8.3 points (95% CI -0.7 to 17.4): not significant yet",
		`data-metric="eligible" data-value="55"`, `data-metric="sent" data-value="36"`, `data-metric="conversions" data-value="3"`,
		`class="chart stacked"`, "No decision yet.")
	_, body = cb.get(t, c, "/console/")
	contains(t, body, `<td class="num sent7" data-value="36">36</td>`)
	if code, _ := cb.get(t, c, "/console/campaigns/thank-you?from=2026-03-01&to=2026-02-01"); code != http.StatusBadRequest {
		t.Errorf("a period that ends before it starts: %d", code)
	}
}

// The examples' thank-you reads customer.tier, which rapport.yaml does not declare: lint
// warns about it, and so does the list, until the trait is known.
func TestLintWarningsOfTheLoadedFilesAreListed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		traits []string
		warned bool
	}{{"unknown trait", nil, true}, {"trait of the customers CSV", []string{"tier"}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, func(c *console.Config) { c.Traits = tc.traits })
			c := b.client(t)
			b.login(t, c, "olga")
			_, body := b.get(t, c, "/console/")
			if got := strings.Contains(body, "warning: customer.tier"); got != tc.warned {
				t.Errorf("warning shown = %v, want %v", got, tc.warned)
			}
		})
	}
}

// Rewards show what they gave against their budgets (nothing yet: 0 of 1,000 grants), and a
// scheduled campaign its runs.
func TestCampaignPageShowsRewardSpendAgainstBudgetAndScheduledRuns(t *testing.T) {
	t.Parallel()
	cb := setupCampaigns(t)
	c := cb.client(t)
	cb.login(t, c, "olga")
	_, body := cb.get(t, c, "/console/campaigns/thank-you")
	contains(t, body, "<th>Sent with it</th>", `<td class="num">0 of 1,000</td>`)
	if strings.Contains(body, "Scheduled runs") {
		t.Error("a triggered campaign shows scheduled runs")
	}
	_, body = cb.get(t, c, "/console/campaigns/win-back")
	contains(t, body, "<h2>Scheduled runs</h2>", "No run yet.")
}
