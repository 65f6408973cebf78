package worker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rapporthq/rapport/results"
)

// welcome is a triggered campaign with a 50% holdout and the default goal (an order within
// 5 days).
var welcome = map[string]string{
	"campaigns/welcome.yaml": `
id: welcome
trigger: {event: Signed Up}
holdout: 50%
repeat: once
variants:
  - id: hello
    email: {subject: "Welcome", html: welcome.html}
`,
	"templates/welcome.html": `<p>Welcome!</p>`,
}

// getReport reads GET /v1/campaigns/{id}/report.
func (b *bundle) getReport(id string) (int, results.Report) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.api.URL+"/v1/campaigns/"+id+"/report", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("GET report: %v", err)
	}
	defer resp.Body.Close()
	var r results.Report
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			b.t.Fatalf("decode report: %v", err)
		}
	}
	return resp.StatusCode, r
}

func TestReportShowsTheTreatmentAndHoldoutSplitOfACampaign(t *testing.T) {
	b := setup(t, welcome, "")
	const n = 40
	for i := range n {
		id := fmt.Sprintf("c-%d", i)
		b.identify(id, map[string]any{"email": id + "@example.com", "consent": map[string]any{"email": true}})
		if code, out := b.post("/v1/track", map[string]any{"userId": id, "event": "Signed Up", "messageId": "signup-" + id,
			"timestamp": b.clock.Now().Format(time.RFC3339Nano)}); code != 200 {
			t.Fatalf("track: %d %v", code, out)
		}
	}
	b.settle()
	sent := b.smtp.Count()
	if sent == 0 || sent == n {
		t.Fatalf("%d of %d sent: a 50%% holdout should keep some and send some", sent, n)
	}
	// Every customer buys once, a few minutes later; one order is sent twice by the shop.
	for i := range n {
		b.order(fmt.Sprintf("c-%d", i), fmt.Sprintf("order-%d", i), 10)
	}
	b.order("c-0", "order-0", 10)

	code, r := b.getReport("welcome")
	if code != http.StatusOK {
		t.Fatalf("GET report: %d", code)
	}
	if r.Treatment.Customers != int64(sent) || r.Holdout.Customers != int64(n-sent) {
		t.Errorf("customers: treatment %d holdout %d, want %d and %d", r.Treatment.Customers, r.Holdout.Customers, sent, n-sent)
	}
	if r.Funnel.Sent != int64(sent) || r.Funnel.Held != int64(n-sent) || r.Funnel.Eligible != n {
		t.Errorf("funnel %+v, want %d sent, %d held, %d eligible", r.Funnel, sent, n-sent, n)
	}
	if r.Treatment.Conversions != int64(sent) || r.Holdout.Conversions != int64(n-sent) {
		t.Errorf("conversions: treatment %d holdout %d, want one per customer (the replayed order counts once)",
			r.Treatment.Conversions, r.Holdout.Conversions)
	}
	if r.Treatment.Revenue["EUR"] != float64(10*sent) || r.Treatment.ConversionRate != 1 || r.Holdout.ConversionRate != 1 {
		t.Errorf("treatment %+v holdout %+v", r.Treatment, r.Holdout)
	}
	if got := r.Uplift.ConversionRate.Absolute.Estimate; got != 0 {
		t.Errorf("uplift %v, want 0 when everybody buys", got)
	}
	if len(r.Variants) != 1 || r.Variants[0].Variant != "hello" || r.Variants[0].Sends != int64(sent) {
		t.Errorf("variants = %+v", r.Variants)
	}
	if code, _ := b.getReport("nope"); code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d, want 404", code)
	}
}
