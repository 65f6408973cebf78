package results

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

func newStore(t *testing.T, a Attribution) *Store {
	t.Helper()
	s, err := New(testenv.NewRedis(t).Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s.WithAttribution(a)
}

var sentAt = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestPurchaseWithinTheGoalCountsAndAfterItDoesNot(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		after     time.Duration
		wantConv  int64
		wantSpent float64
	}{
		{"2 days after the send: a conversion with its revenue", 2 * 24 * time.Hour, 1, 42.5},
		{"6 days after the send: outside the 5-day goal", 6 * 24 * time.Hour, 0, 0},
		{"before the send: not caused by it", -time.Hour, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, ctx := newStore(t, Attribution{}), context.Background()
			if err := s.Touch(ctx, Touch{Customer: "jane", Campaign: "spring", Variant: "a", Channel: "email", At: sentAt}); err != nil {
				t.Fatal(err)
			}
			at := sentAt.Add(tt.after)
			if _, err := s.Attribute(ctx, Order{Customer: "jane", OrderID: "o-1", At: at, Amount: 42.5, Currency: "EUR"}); err != nil {
				t.Fatal(err)
			}
			r, err := s.Report(ctx, "spring", time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Treatment.Customers != 1 {
				t.Errorf("customers = %d, want 1", r.Treatment.Customers)
			}
			if r.Funnel.Conversions != tt.wantConv || r.Treatment.Converters != tt.wantConv {
				t.Errorf("conversions %d converters %d, want %d", r.Funnel.Conversions, r.Treatment.Converters, tt.wantConv)
			}
			if got := r.Funnel.Revenue["EUR"]; got != tt.wantSpent {
				t.Errorf("revenue = %v EUR, want %v", got, tt.wantSpent)
			}
			if tt.wantConv > 0 && (len(r.Variants) != 1 || r.Variants[0].Variant != "a" || r.Variants[0].Funnel.Revenue["EUR"] != 42.5) {
				t.Errorf("variants = %+v, want a with the revenue", r.Variants)
			}
		})
	}
}

func TestOneOrderIsNeverCountedTwice(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t, Attribution{}), context.Background()
	if err := s.Touch(ctx, Touch{Customer: "jane", Campaign: "spring", Variant: "a", Channel: "email", At: sentAt}); err != nil {
		t.Fatal(err)
	}
	o := Order{Customer: "jane", OrderID: "o-1", At: sentAt.Add(time.Hour), Amount: 10, Currency: "EUR"}
	for i, want := range []int{1, 0, 0} { // the order, a re-ingestion, a retried call
		credits, err := s.Attribute(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(credits) != want {
			t.Errorf("attempt %d credited %d campaigns, want %d", i, len(credits), want)
		}
	}
	// A second order of the same customer counts as a conversion, not as a converter, and
	// its revenue squares with the first: (10+30)² for one customer.
	if _, err := s.Attribute(ctx, Order{Customer: "jane", OrderID: "o-2", At: sentAt.Add(2 * time.Hour), Amount: 30, Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Report(ctx, "spring", sentAt, sentAt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Funnel.Conversions != 2 || r.Treatment.Converters != 1 || r.Funnel.Revenue["EUR"] != 40 {
		t.Errorf("conversions %d converters %d revenue %v, want 2, 1, 40", r.Funnel.Conversions, r.Treatment.Converters, r.Funnel.Revenue)
	}
	rev2 := s.rdb.HGet(ctx, dayKey("spring", sentAt), "rev2|t|email|a|EUR").Val()
	if rev2 != "1600" {
		t.Errorf("sum of squares = %s, want 1600", rev2)
	}
}

func TestTouchesCountEachCustomerOncePerCampaign(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t, Attribution{}), context.Background()
	for i := range 3 {
		if err := s.Touch(ctx,
			Touch{Customer: "jane", Campaign: "weekly", Variant: "a", Channel: "email", At: sentAt.Add(time.Duration(i) * 7 * 24 * time.Hour)},
			Touch{Customer: "omid", Campaign: "weekly", Arm: Holdout, Variant: "a", Channel: "email", At: sentAt},
		); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Lifetime(ctx, "weekly")
	if err != nil {
		t.Fatal(err)
	}
	if c.Sum(Customers, Treatment) != 1 || c.Sum(Customers, Holdout) != 1 {
		t.Errorf("customers treatment %d holdout %d, want 1 and 1", c.Sum(Customers, Treatment), c.Sum(Customers, Holdout))
	}
}

func TestAttributionCreditsEachCampaignsChosenTouch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		firstTouch  bool
		wantVariant string
	}{
		{"last touch", false, "b"},
		{"first touch", true, "a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, ctx := newStore(t, Attribution{FirstTouch: tt.firstTouch}), context.Background()
			if err := s.Touch(ctx,
				Touch{Customer: "jane", Campaign: "spring", Variant: "a", Channel: "email", At: sentAt},
				Touch{Customer: "jane", Campaign: "spring", Variant: "b", Channel: "sms", At: sentAt.Add(24 * time.Hour)},
				Touch{Customer: "jane", Campaign: "birthday", Arm: Holdout, Variant: "x", Channel: "email", At: sentAt, Within: time.Hour},
				Touch{Customer: "jane", Campaign: "signup", Variant: "w", Channel: "email", At: sentAt, Goal: "Subscribed"},
			); err != nil {
				t.Fatal(err)
			}
			credits, err := s.Attribute(ctx, Order{Customer: "jane", OrderID: "o-1", At: sentAt.Add(48 * time.Hour), Amount: 5})
			if err != nil {
				t.Fatal(err)
			}
			// birthday's goal is 1h: too late; signup's goal is another event.
			if len(credits) != 1 || credits[0].Campaign != "spring" || credits[0].Variant != tt.wantVariant {
				t.Fatalf("credits = %+v, want spring's variant %s only", credits, tt.wantVariant)
			}
			if credits[0].Currency != NoCurrency || credits[0].Amount != 5 {
				t.Errorf("revenue %v %s, want 5 %s (no currency, no base)", credits[0].Amount, credits[0].Currency, NoCurrency)
			}
		})
	}
}

func TestRevenueIsConvertedIntoTheBaseCurrencyOrLeftOut(t *testing.T) {
	t.Parallel()
	a := Attribution{Base: "EUR", Rates: map[string]float64{"RUB": 0.0102}}
	for _, tt := range []struct {
		cur    string
		amount float64
		want   float64
		money  bool
	}{
		{"RUB", 1000, 10.2, true},
		{"EUR", 7, 7, true},
		{"", 7, 7, true},
		{"USD", 7, 0, false}, // no rate: never converted 1:1
	} {
		cur, got, ok := a.convert(tt.cur, tt.amount)
		if ok != tt.money || got != tt.want || (ok && cur != "EUR") {
			t.Errorf("convert(%q, %v) = %s %v %v, want EUR %v %v", tt.cur, tt.amount, cur, got, ok, tt.want, tt.money)
		}
	}
}

func TestTouchAfterAScriptFlushStillCounts(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t, Attribution{}), context.Background()
	if err := s.Touch(ctx, Touch{Customer: "jane", Campaign: "c", At: sentAt}); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, Touch{Customer: "omid", Campaign: "c", At: sentAt}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Lifetime(ctx, "c"); c.Sum(Customers, Treatment) != 2 {
		t.Errorf("customers = %d, want 2", c.Sum(Customers, Treatment))
	}
}
