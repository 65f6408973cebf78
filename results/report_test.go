package results

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestReportSplitsTreatmentAndHoldoutOverTheDaysAsked(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t, Attribution{}), context.Background()
	// 100 treated customers over two days, 20 of whom buy 10 EUR; 100 held out, 10 of whom buy.
	for i := range 200 {
		arm, at := Treatment, sentAt.Add(time.Duration(i%2)*24*time.Hour)
		if i >= 100 {
			arm = Holdout
		}
		id := fmt.Sprintf("c-%d", i)
		metric := Sent
		if arm == Holdout {
			metric = Held
		}
		if err := s.Record(ctx, []Event{{Campaign: "spring", Variant: "a", Channel: "email", Arm: arm, Metric: metric, At: at}},
			[]Touch{{Customer: id, Campaign: "spring", Variant: "a", Channel: "email", Arm: arm, At: at}}); err != nil {
			t.Fatal(err)
		}
		if i%100 < 20 && (arm == Treatment || i%100 < 10) {
			if _, err := s.Attribute(ctx, Order{Customer: id, OrderID: "o", At: at.Add(time.Hour), Amount: 10, Currency: "EUR"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, err := s.Report(ctx, "spring", sentAt, sentAt.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.Treatment.Customers != 100 || r.Holdout.Customers != 100 || r.Treatment.Converters != 20 || r.Holdout.Converters != 10 {
		t.Fatalf("treatment %+v holdout %+v", r.Treatment, r.Holdout)
	}
	if r.Funnel.Sent != 100 || r.Funnel.Held != 100 || r.Funnel.Conversions != 20 {
		t.Errorf("funnel = %+v, want 100 sent, 100 held, 20 conversions (treatment only)", r.Funnel)
	}
	if got := r.Uplift.ConversionRate.Absolute.Estimate; !near(got, 0.1, 1e-12) {
		t.Errorf("absolute uplift = %v, want 0.1", got)
	}
	if got := r.Treatment.RevenuePerCustomer["EUR"]; got != 2 {
		t.Errorf("revenue per treated customer = %v, want 2", got)
	}
	if len(r.Uplift.RevenuePerCustomer) != 1 || !near(r.Uplift.RevenuePerCustomer[0].Absolute.Estimate, 1, 1e-9) {
		t.Errorf("revenue uplift = %+v, want 1 EUR per customer", r.Uplift.RevenuePerCustomer)
	}
	// Only the first day: half of the treated customers.
	one, err := s.Report(ctx, "spring", sentAt, sentAt)
	if err != nil {
		t.Fatal(err)
	}
	if one.Treatment.Customers != 50 || one.From != "2026-12-01" || one.To != "2026-12-01" {
		t.Errorf("one day: customers %d from %s to %s", one.Treatment.Customers, one.From, one.To)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"conversion_rate":`, `"revenue_per_customer":`, `"unsubscribed":`, `"relative":`, `"significant":`} {
		if !strings.Contains(string(b), name) {
			t.Errorf("JSON lacks %s: %s", name, b)
		}
	}
	if _, err := s.Report(ctx, "spring", sentAt, sentAt.Add(-48*time.Hour)); err == nil {
		t.Error("from after to: no error")
	}
}
