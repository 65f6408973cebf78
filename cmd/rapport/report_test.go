package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
)

// reportAt is the instant of the seeded base's report.
var reportAt = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// seedLoyaltyBase stores a small base with one or more customers in every lifecycle stage
// (orders given in days before reportAt) and publishes a model at the CDNOW parameters
// (weeks), so that the expected report can be worked out by hand:
//
//	new1     10                          one order, 10 days old              new
//	act1     60                          one order, 60 days old              active
//	risk1    200                         one order, over 90 days             at_risk
//	lapsed1  400                         one order, over a year              lapsed
//	loyal1   100 70 40 10                every 30 days, on time, P(alive) .81 loyal
//	champ    52 45 ... 3 (8 weekly)      8 purchase days, on time            champion
//	risk2    120 100 80                  4 own gaps late, P(alive) .44       at_risk
//	gone     150 120                     4 own gaps late, P(alive) .44       at_risk
//	nobuy    —                           identified, never bought            (no orders)
func seedLoyaltyBase(t *testing.T, r *testenv.Redis) {
	t.Helper()
	store := customers.NewStore(r.Client, customers.Options{})
	champ := []int{}
	for d := 52; d >= 3; d -= 7 {
		champ = append(champ, d)
	}
	base := map[string][]int{
		"new1": {10}, "act1": {60}, "risk1": {200}, "lapsed1": {400}, "loyal1": {100, 70, 40, 10},
		"champ": champ, "risk2": {120, 100, 80}, "gone": {150, 120},
	}
	var events []customers.Event
	for id, days := range base {
		events = append(events, customers.Event{Type: "identify", UserID: id, MessageID: "id-" + id, Timestamp: reportAt, ReceivedAt: reportAt,
			Traits: map[string]any{"email": id + "@example.com", "firstName": id, "consent": map[string]any{"email": true}}})
		for k, ago := range days {
			oid := fmt.Sprintf("%s-%d", id, k)
			events = append(events, customers.Event{Type: "track", UserID: id, Event: "Order Completed", MessageID: oid,
				Timestamp: reportAt.AddDate(0, 0, -ago), ReceivedAt: reportAt, Properties: map[string]any{"total": 20.0 + float64(k), "order_id": oid}})
		}
	}
	events = append(events, customers.Event{Type: "identify", UserID: "nobuy", MessageID: "id-nobuy", Timestamp: reportAt, ReceivedAt: reportAt,
		Traits: map[string]any{"email": "nobuy@example.com"}})
	if _, err := store.Apply(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	m := &analytics.Model{AsOf: reportAt.AddDate(0, 0, -1), Unit: "weeks", Customers: 2357,
		BGNBD:      analytics.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, Converged: true},
		GammaGamma: analytics.GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44, Converged: true},
		RFM:        &analytics.RFMCuts{Recency: [4]float64{200, 100, 50, 10}, Frequency: [4]float64{1, 1, 2, 3}, Monetary: [4]float64{20, 30, 60, 100}},
		CLV:        analytics.CLVParams{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3}}
	if err := analytics.NewModels(r.Client, analytics.ModelsOptions{}).Publish(context.Background(), m, 10); err != nil {
		t.Fatal(err)
	}
}

func TestReportLoyaltyCountsStagesRepeatRateChurnAndValuableCustomersAtRisk(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{})
	seedLoyaltyBase(t, r)
	code, out, errOut := runCmd("report", "loyalty", "--config", cfg, "--at", reportAt.Format(time.RFC3339), "--period", "90d", "--top", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var rep analytics.LoyaltyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	stages := map[string]int{}
	for _, s := range rep.Stages {
		stages[s.Stage] = s.Customers
	}
	want := map[string]int{"new": 1, "active": 1, "loyal": 1, "champion": 1, "at_risk": 3, "lapsed": 1}
	if fmt.Sprint(stages) != fmt.Sprint(want) || rep.Customers != 8 || rep.NoOrders != 1 || rep.ModelAsOf == nil {
		t.Errorf("stages %v of %d customers (%d without orders), want %v of 8 (1)", stages, rep.Customers, rep.NoOrders, want)
	}
	if rep.RepeatRate != 0.5 {
		t.Errorf("repeat rate %v, want 4 of 8", rep.RepeatRate)
	}
	// Bought in the 90 days before the last 90: loyal1 (day 100), risk2 (120), gone (150,
	// 120); of them only gone has not bought since.
	if c := rep.Churn; c.Active != 3 || c.Lost != 1 || c.PeriodDays != 90 {
		t.Errorf("churn %+v, want 1 lost of 3", c)
	}
	n, share := 0, 0.0
	for i, d := range rep.CLVDeciles {
		n += d.Customers
		share += d.Share
		if d.Min > d.Max || (i > 0 && d.Max > rep.CLVDeciles[i-1].Min) {
			t.Errorf("decile %+v out of order", d)
		}
	}
	if n != 8 || share < 0.999999 || share > 1.000001 {
		t.Errorf("deciles hold %d customers and %.6f of the CLV, want 8 and all", n, share)
	}
	if len(rep.TopAtRisk) != 2 || rep.TopAtRisk[0].CLV < rep.TopAtRisk[1].CLV {
		t.Fatalf("top at risk %+v, want the 2 of highest CLV", rep.TopAtRisk)
	}
	for _, a := range rep.TopAtRisk {
		if a.ID != "risk1" && a.ID != "risk2" && a.ID != "gone" {
			t.Errorf("%s listed at risk", a.ID)
		}
	}
	if strings.Contains(out, "@") {
		t.Errorf("the report carries an email address:\n%s", out)
	}
	if code, text, errOut := runCmd("report", "loyalty", "--config", cfg, "--at", reportAt.Format(time.RFC3339)); code != 0 ||
		!strings.Contains(text, "at_risk") || !strings.Contains(text, "Churn over the last 90 days: 1 of the 3") {
		t.Errorf("text report: exit %d\n%s%s", code, text, errOut)
	}
}

// winBack uses the predictions in its audience and its template.
var winBack = map[string]string{
	"campaigns/win-back.yaml": `id: win-back
trigger: {schedule: {cron: "0 10 * * MON"}}
audience: {where: 'customer.lifecycle == "at_risk" && customer.p_alive < 0.5'}
channels: [email]
variants:
  - id: standard
    email: {subject: "We miss you", html: win-back.html}
`,
	"templates/win-back.html": `<p>{{with .Customer.Predicted}}stage {{.Lifecycle}}, P(alive) {{printf "%.2f" .PAlive}}{{end}}</p>`,
}

func TestPredictionsShowInPreviewAndInTheCustomerAPI(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, winBack)
	seedLoyaltyBase(t, r)
	code, out, errOut := runCmd("preview", "--config", cfg, "--campaign", "win-back", "--customer", "risk2",
		"--at", reportAt.Format(time.RFC3339), "--json")
	if code != 0 {
		t.Fatalf("preview: exit %d\n%s%s", code, out, errOut)
	}
	var p struct {
		Eligible bool
		HTML     string
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || !p.Eligible || !strings.Contains(p.HTML, "stage at_risk, P(alive) 0.44") {
		t.Errorf("preview %v:\n%s", err, out)
	}

	loaded, err := loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), loaded, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.apiHandler())
	defer srv.Close()
	// The API predicts as of the real now, months after the seeded orders: only the presence
	// of the predictions is certain.
	for id, want := range map[string]string{"loyal1": `"predictions":{"clv":`, "nobuy": `"predictions":null`} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/customers/"+id, nil)
		req.Header.Set("Authorization", "Bearer k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET customer %s: %d %s, want %s", id, resp.StatusCode, body, want)
		}
	}
}
