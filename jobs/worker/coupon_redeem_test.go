package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// thanksCoupon thanks every order with a coupon for the next one.
var thanksCoupon = map[string]string{
	"campaigns/thanks.yaml": `
id: thanks
trigger: {event: Order Completed}
repeat: once
variants:
  - id: a
    email: {subject: "Thanks", html: thanks.html}
rewards:
  - {id: next-10, kind: coupon, value: 10%, max_value: 30 EUR, min_order: 50 EUR, expires: 30d}
`,
	"templates/thanks.html": `<p>Thanks! Your code: {{.Reward.Code}}</p>`,
}

// TestCouponSentIsValidatedAndRedeemedOnce follows a coupon from the message that carries
// it to the shop's checkout (POST /v1/coupons/validate) and the order that uses it (an Order
// Completed with properties.coupon): valid for its owner, refused for someone else, below
// its minimum, once used and once expired; the refused redemption is recorded.
func TestCouponSentIsValidatedAndRedeemedOnce(t *testing.T) {
	b := setup(t, thanksCoupon, "")
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	b.clock.Set(start)
	for _, id := range []string{"ana", "bo"} {
		b.identify(id, map[string]any{"email": id + "@example.com", "consent": map[string]any{"email": true}})
		b.order(id, "first-"+id, 40)
	}
	b.settle()
	codes := map[string]string{}
	for _, m := range b.smtp.Wait(t, 2, 10*time.Second) {
		_, code, _ := strings.Cut(m.Text, "Your code: ")
		codes[strings.SplitN(m.To[0], "@", 2)[0]] = strings.TrimSpace(code)
	}
	ana := codes["ana"]
	if !strings.HasPrefix(ana, "NEXT10-") || codes["bo"] == "" || codes["bo"] == ana {
		t.Fatalf("codes sent %v", codes)
	}
	validate := func(code, user string, total float64) map[string]any {
		t.Helper()
		status, out := b.post("/v1/coupons/validate", map[string]any{"code": code, "userId": user, "total": total})
		if status != 200 {
			t.Fatalf("validate: %d %v", status, out)
		}
		return out
	}
	for _, tc := range []struct {
		name, code, user string
		total            float64
		want             string
	}{
		{"valid", ana, "ana", 100, "valid 10 EUR"},
		{"valid as typed", strings.ToLower(ana), "ana", 400, "valid 30 EUR"},
		{"someone else's", ana, "bo", 100, "not_yours"},
		{"below the minimum order", ana, "ana", 49, "below_minimum"},
		{"unknown", "NEXT10-2345678923", "ana", 100, "unknown"},
	} {
		if got := checkText(validate(tc.code, tc.user, tc.total)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if status, out := b.post("/v1/coupons/validate", map[string]any{"code": ana, "userId": "ana"}); status != 400 || out["field"] != "total" {
		t.Errorf("no total: %d %v, want 400 naming total", status, out)
	}

	// The order that uses it redeems it; a second order cannot.
	useCoupon := func(order string) {
		t.Helper()
		status, out := b.post("/v1/track", map[string]any{"userId": "ana", "event": "Order Completed", "messageId": order,
			"timestamp":  b.clock.Now().Format(time.RFC3339Nano),
			"properties": map[string]any{"total": 120, "currency": "EUR", "order_id": order, "coupon": ana}})
		if status != 200 {
			t.Fatalf("order %s: %d %v", order, status, out)
		}
	}
	useCoupon("second")
	useCoupon("second") // the shop's webhook retried: still one redemption
	if got := checkText(validate(ana, "ana", 100)); got != "used" {
		t.Errorf("after the order: %s, want used", got)
	}
	useCoupon("third")
	refused, err := b.ledger.Refusals(context.Background(), 10)
	if err != nil || len(refused) != 1 || refused[0].Order != "third" || refused[0].Reason != "used" || refused[0].Customer != "ana" {
		t.Errorf("refusals %+v %v, want the third order's, used", refused, err)
	}

	b.clock.Set(start.Add(31 * 24 * time.Hour))
	if got := checkText(validate(codes["bo"], "bo", 100)); got != "expired" {
		t.Errorf("31 days later: %s, want expired", got)
	}
	b.settle()
}

func checkText(out map[string]any) string {
	if out["valid"] == true {
		return fmt.Sprint("valid ", out["value"], " ", out["currency"])
	}
	return fmt.Sprint(out["reason"])
}
