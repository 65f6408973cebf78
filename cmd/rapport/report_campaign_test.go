package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/results"
)

// seedCampaignResults counts, for campaign "spring", 10 treated customers of whom 4 buy and
// 10 held out of whom 1 buys, each order 25 EUR, on sentAt's day.
func seedCampaignResults(t *testing.T, r *testenv.Redis, sentAt time.Time) {
	t.Helper()
	s, err := results.New(r.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 20 {
		id, arm, metric := fmt.Sprintf("c-%d", i), results.Treatment, results.Sent
		if i >= 10 {
			arm, metric = results.Holdout, results.Held
		}
		if err := s.Record(ctx, []results.Event{{Campaign: "spring", Variant: "a", Channel: "email", Arm: arm, Metric: metric, At: sentAt}},
			[]results.Touch{{Customer: id, Campaign: "spring", Variant: "a", Channel: "email", Arm: arm, At: sentAt}}); err != nil {
			t.Fatal(err)
		}
		if i < 4 || i == 10 {
			if _, err := s.Attribute(ctx, results.Order{Customer: id, OrderID: "o-" + id, At: sentAt.Add(time.Hour), Amount: 25, Currency: "EUR"}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

const springCampaign = `id: spring
trigger: {schedule: {cron: "0 10 1 3 *"}}
holdout: 50%
variants:
  - id: a
    email: {subject: Spring, html: spring.html}
`

func TestReportCampaignPrintsTheFunnelAndTheUplift(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{"campaigns/spring.yaml": springCampaign, "templates/spring.html": "<p>Spring</p>"})
	sentAt := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	seedCampaignResults(t, r, sentAt)

	code, out, errOut := runCmd("report", "--campaign", "spring", "--config", cfg, "--from", "2027-03-01", "--to", "2027-03-02", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var rep results.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Funnel.Sent != 10 || rep.Treatment.Converters != 4 || rep.Holdout.Converters != 1 || rep.From != "2027-03-01" {
		t.Errorf("report %+v", rep)
	}
	if got := rep.Uplift.ConversionRate.Absolute.Estimate; got < 0.3-1e-9 || got > 0.3+1e-9 {
		t.Errorf("uplift %v, want 0.3", got)
	}

	code, out, errOut = runCmd("report", "--config", cfg, "--campaign", "spring")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("rapport report --campaign spring:\n%s", out)
	for _, want := range []string{"Campaign spring, its whole life.", "variant a", "treatment", "40.00%", "100.00 EUR", "+30.00 ["} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runCmd("report", "campaigns", "--config", cfg)
	if code != 0 || !strings.Contains(out, "spring") || !strings.Contains(out, "100.00 EUR") {
		t.Errorf("report campaigns: exit %d\n%s%s", code, out, errOut)
	}

	if code, _, errOut = runCmd("report", "--config", cfg, "--campaign", "nope"); code == 0 || !strings.Contains(errOut, `no campaign "nope"`) {
		t.Errorf("unknown campaign: exit %d, %s", code, errOut)
	}
}

func TestReportCampaignShowsEachVariantsShareAndChanceOfBeingBest(t *testing.T) {
	r := testenv.NewRedis(t)
	campaign := strings.Replace(springCampaign, "holdout: 50%\n", "holdout: 50%\nselect: learn\n", 1) +
		"  - id: b\n    email: {subject: Spring too, html: spring.html}\n"
	cfg := configWith(t, r, map[string]string{"campaigns/spring.yaml": campaign, "templates/spring.html": "<p>Spring</p>"})
	seedCampaignResults(t, r, time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC))

	code, out, errOut := runCmd("report", "--campaign", "spring", "--config", cfg, "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		results.Report
		Learning api.VariantsReport `json:"learning"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	l := rep.Learning
	if rep.Funnel.Sent != 10 || l.Select != "learn" || len(l.Variants) != 2 || l.Variants[0].Variant != "a" || l.Variants[0].Sends != 10 {
		t.Fatalf("report %+v, learning %+v", rep.Report, l)
	}
	for _, v := range l.Variants {
		if v.Share == nil || *v.Share <= 0 || v.ProbBest <= 0 {
			t.Errorf("variant %s: share %v, P(best) %v; want both", v.Variant, v.Share, v.ProbBest)
		}
	}

	code, out, errOut = runCmd("report", "--config", cfg, "--campaign", "spring")
	if code != 0 || !strings.Contains(out, "select: learn") || !strings.Contains(out, "P(best)") {
		t.Errorf("text report: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("rapport report --campaign spring:\n%s", out)
}
