package rewards

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestCouponValidateAndRedeem(t *testing.T) {
	ctx := context.Background()
	l := NewLedger(testenv.NewRedis(t).Client, "s")
	granted := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	pct := &config.Reward{ID: "ten-off", Kind: "coupon", Value: "10%", MaxValue: "30 EUR", MinOrder: "50 EUR", Expires: config.Duration(30 * 24 * time.Hour)}
	five := &config.Reward{ID: "five", Kind: "coupon", Value: "5"}
	grant := func(r *config.Reward, customer string) string {
		g, err := l.Grant(ctx, "spring", r, customer, "o1", granted)
		if err != nil {
			t.Fatal(err)
		}
		return g.Code
	}
	mine, theirs, used, small := grant(pct, "ana"), grant(pct, "bo"), grant(five, "ana"), grant(five, "cy")
	if _, err := l.Redeem(ctx, Order{Code: used, Customer: "ana", ID: "order-1", Total: 20, At: granted.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	during, after := granted.Add(24*time.Hour), granted.Add(31*24*time.Hour)
	tests := []struct {
		name string
		o    Order
		want Check
	}{
		{"valid: 10% of 120 EUR", Order{Code: mine, Customer: "ana", Total: 120, Currency: "EUR", At: during},
			Check{Valid: true, Value: 12, Currency: "EUR", Campaign: "spring", Reward: "ten-off"}},
		{"valid, typed in lower case: capped by max_value", Order{Code: " " + strings.ToLower(mine), Customer: "ana", Total: 1000, At: during},
			Check{Valid: true, Value: 30, Currency: "EUR", Campaign: "spring", Reward: "ten-off"}},
		{"an amount coupon takes the order's currency", Order{Code: small, Customer: "cy", Total: 3, Currency: "usd", At: after},
			Check{Valid: true, Value: 3, Currency: "USD", Campaign: "spring", Reward: "five"}},
		{"someone else's", Order{Code: theirs, Customer: "ana", Total: 120, At: during},
			Check{Reason: ReasonNotYours, Currency: "EUR", Campaign: "spring", Reward: "ten-off"}},
		{"reused", Order{Code: used, Customer: "ana", ID: "order-2", Total: 20, At: during},
			Check{Reason: ReasonUsed, Campaign: "spring", Reward: "five"}},
		{"the same order again is still valid", Order{Code: used, Customer: "ana", ID: "order-1", Total: 20, At: during},
			Check{Valid: true, Value: 5, Campaign: "spring", Reward: "five"}},
		{"expired", Order{Code: mine, Customer: "ana", Total: 120, At: after},
			Check{Reason: ReasonExpired, Currency: "EUR", Campaign: "spring", Reward: "ten-off"}},
		{"below the minimum order", Order{Code: mine, Customer: "ana", Total: 49.99, At: during},
			Check{Reason: ReasonBelowMinimum, Currency: "EUR", Campaign: "spring", Reward: "ten-off"}},
		{"an order in another currency", Order{Code: mine, Customer: "ana", Total: 120, Currency: "USD", At: during},
			Check{Reason: ReasonCurrency, Currency: "EUR", Campaign: "spring", Reward: "ten-off"}},
		{"unknown", Order{Code: "TENOFF-2345678923", Customer: "ana", Total: 120, At: during}, Check{Reason: ReasonUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.Validate(ctx, tt.o)
			if err != nil || got != tt.want {
				t.Fatalf("Validate = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}

	// Redeem refuses as Validate does, and records every refusal with its reason.
	for _, o := range []Order{
		{Code: theirs, Customer: "ana", ID: "order-3", Total: 120, At: during},
		{Code: used, Customer: "ana", ID: "order-4", Total: 20, At: during},
		{Code: mine, Customer: "ana", ID: "order-5", Total: 120, At: after},
		{Code: mine, Customer: "ana", ID: "order-6", Total: 10, At: during},
	} {
		if c, err := l.Redeem(ctx, o); err != nil || c.Valid {
			t.Fatalf("Redeem(%+v) = %+v, %v; want refused", o, c, err)
		}
	}
	if c, err := l.Redeem(ctx, Order{Code: mine, Customer: "ana", ID: "order-7", Total: 80, At: during}); err != nil || !c.Valid || c.Value != 8 {
		t.Fatalf("first use: %+v, %v", c, err)
	}
	if c, _ := l.Redeem(ctx, Order{Code: mine, Customer: "ana", ID: "order-8", Total: 80, At: during}); c.Valid || c.Reason != ReasonUsed {
		t.Fatalf("second use: %+v, want used", c)
	}
	refused, err := l.Refusals(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range refused {
		reasons = append(reasons, r.Order+":"+r.Reason)
	}
	if got := strings.Join(reasons, " "); got != "order-8:used order-6:below_minimum order-5:expired order-4:used order-3:not_yours" {
		t.Errorf("refusals recorded: %s", got)
	}
	stats, err := l.Stats(ctx, &config.Campaign{ID: "spring", Rewards: []config.Reward{*pct, *five}})
	if err != nil {
		t.Fatal(err)
	}
	if s := stats.Rewards[0]; s.Redeemed != 1 || s.Discount["EUR"] != 8 {
		t.Errorf("ten-off stats %+v, want 1 redeemed for 8 EUR", s)
	}
	if s := stats.Rewards[1]; s.Redeemed != 1 || s.Discount[""] != 5 {
		t.Errorf("five stats %+v, want 1 redeemed (counted once though replayed) for 5", s)
	}
	if stats.Refused[ReasonUsed] != 2 || stats.Refused[ReasonNotYours] != 1 || stats.Refused[ReasonExpired] != 1 || stats.Refused[ReasonBelowMinimum] != 1 {
		t.Errorf("refused %v", stats.Refused)
	}
}

func TestCouponIsStoredOnceAndVoidedByARefund(t *testing.T) {
	ctx := context.Background()
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	reward := &config.Reward{ID: "ten-off", Kind: "coupon", Value: "10%", Expires: config.Duration(24 * time.Hour)}
	first := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	g1, err := l.Grant(ctx, "c", reward, "ana", "o1", first)
	if err != nil {
		t.Fatal(err)
	}
	// A retry an hour later, with another secret (a rotation between the attempts), keeps
	// the first record: the stored expiry, the same owner.
	if _, err := NewLedger(r.Client, "s").Grant(ctx, "c", reward, "ana", "o1", first.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	exp, _ := r.Client.HGet(ctx, couponKey(g1.Code), "expires").Int64()
	if exp != first.Add(24*time.Hour).Unix() {
		t.Fatalf("stored expiry %d, want the first grant's %d", exp, first.Add(24*time.Hour).Unix())
	}
	if err := l.Refund(ctx, "c", reward, "ana", "o1"); err != nil {
		t.Fatal(err)
	}
	if c, _ := l.Validate(ctx, Order{Code: g1.Code, Customer: "ana", Total: 10, At: first}); c.Reason != ReasonUnknown {
		t.Fatalf("a refunded coupon validates as %+v, want unknown", c)
	}
}

func TestCodesHaveNoAmbiguousCharacters(t *testing.T) {
	l := NewLedger(nil, "s")
	for i := range 2000 {
		code := l.Code("camp", "gift", string(rune('a'+i%26))+strings.Repeat("x", i%7), "o")
		_, random, _ := strings.Cut(code, "-")
		if len(random) != codeLength || strings.ContainsAny(random, "0O1IlLU") {
			t.Fatalf("code %s: random part %q has an ambiguous character or the wrong length", code, random)
		}
	}
}

func TestTheShopsOwnCodesAreNotRecordedAsRefused(t *testing.T) {
	ctx := context.Background()
	l := NewLedger(testenv.NewRedis(t).Client, "s")
	c, err := l.Redeem(ctx, Order{Code: "SUMMER20", Customer: "ana", ID: "o1", Total: 50, At: time.Now()})
	if err != nil || c.Valid || c.Reason != ReasonUnknown {
		t.Fatalf("Redeem = %+v, %v; want unknown", c, err)
	}
	if refused, _ := l.Refusals(ctx, 10); len(refused) != 0 {
		t.Fatalf("refusals %+v, want none for a code that is not Rapport's", refused)
	}
}
