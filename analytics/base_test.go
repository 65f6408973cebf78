package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func profile(orders int, revenue float64, currency string, eng map[string]decide.Engagement) *customers.Profile {
	p := &customers.Profile{}
	p.Summary = decide.Summary{Orders: orders, Revenue: revenue, Currency: currency}
	p.Engagement = eng
	return p
}

func TestBaseCountsMediansPerCurrencyEngagementAndHours(t *testing.T) {
	at19 := [24]int{}
	at19[19] = 5
	at8 := [24]int{}
	at8[8] = 2
	cases := []struct {
		name         string
		profiles     []*customers.Profile
		medianOrders float64
		medianEUR    float64
		medianJPY    float64
		emailRate    float64
		bestHour     int
	}{
		{name: "empty base", bestHour: -1},
		{
			name: "buyers in two currencies, engagement on two channels",
			profiles: []*customers.Profile{
				profile(1, 10, "EUR", map[string]decide.Engagement{"email": {Received: 10, Engaged: 2, Hours: at19}}),
				profile(3, 30, "EUR", map[string]decide.Engagement{"email": {Received: 10, Engaged: 4, Hours: at8}}),
				profile(5, 90, "EUR", nil),
				profile(2, 5000, "JPY", map[string]decide.Engagement{"sms": {Received: 4, Engaged: 1}}),
				profile(0, 0, "", nil), // a subscriber who never bought
			},
			medianOrders: 2, medianEUR: 30, medianJPY: 5000, emailRate: 0.3, bestHour: 19,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := NewBaseStats(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), nil)
			for _, p := range tc.profiles {
				bs.Add(p)
			}
			b := bs.Base()
			if b.Customers != len(tc.profiles) {
				t.Errorf("customers = %d, want %d", b.Customers, len(tc.profiles))
			}
			if b.MedianOrders != tc.medianOrders {
				t.Errorf("median orders = %v, want %v", b.MedianOrders, tc.medianOrders)
			}
			if got := b.MedianRevenue["EUR"]; got != tc.medianEUR {
				t.Errorf("median EUR revenue = %v, want %v", got, tc.medianEUR)
			}
			if got := b.MedianRevenue["JPY"]; got != tc.medianJPY {
				t.Errorf("median JPY revenue = %v, want %v (never mixed with EUR)", got, tc.medianJPY)
			}
			if got := b.Engagement["email"].Rate(); got != tc.emailRate {
				t.Errorf("email rate = %v, want %v", got, tc.emailRate)
			}
			if got := b.BestHour(); got != tc.bestHour {
				t.Errorf("best hour = %d, want %d", got, tc.bestHour)
			}
		})
	}
}

func TestPublishedBaseIsReadBackAndCached(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c := NewBaseCache(rdb, time.Minute, clock)
	if b, err := c.Current(ctx); err != nil || b != nil {
		t.Fatalf("before any refit: %v, %v; want nil, nil", b, err)
	}
	want := &Base{AsOf: now, Customers: 3, Buyers: 2, MedianOrders: 2, Hours: [24]int64{19: 4}}
	if err := PublishBase(ctx, rdb, want); err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Current(ctx); b != nil {
		t.Fatalf("within max age the cache answers: got %+v, want the cached nil", b)
	}
	now = now.Add(2 * time.Minute)
	b, err := c.Current(ctx)
	if err != nil || b == nil || b.Customers != 3 || b.BestHour() != 19 {
		t.Fatalf("after max age: %+v, %v; want the published base", b, err)
	}
}

func TestRefusedFitStillPublishesTheBase(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	ctx := context.Background()
	store := customers.NewStore(rdb, customers.Options{})
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var events []customers.Event
	for i, id := range []string{"a", "b"} {
		events = append(events, customers.Event{Type: customers.TypeTrack, Event: customers.OrderCompleted, UserID: id,
			MessageID: "o-" + id, Timestamp: at, ReceivedAt: at,
			Properties: map[string]any{"order_id": "o-" + id, "total": float64(10 * (i + 1)), "currency": "EUR"}})
	}
	if _, err := store.Apply(ctx, events); err != nil {
		t.Fatal(err)
	}
	r := &Refitter{Customers: store, Models: NewModels(rdb, ModelsOptions{})}
	if _, err := r.Refit(ctx, at.AddDate(0, 1, 0)); err == nil {
		t.Fatal("a fit on two customers was accepted; the test needs a refused one")
	}
	b, err := LoadBase(ctx, rdb)
	if err != nil || b == nil {
		t.Fatalf("base after a refused fit: %v, %v; want it published", b, err)
	}
	if b.Buyers != 2 || b.MedianRevenue["EUR"] != 10 {
		t.Errorf("base = %+v, want 2 buyers with a median of 10 EUR", b)
	}
	if m, _ := NewBaseCache(rdb, 0, nil).Medians(ctx); m == nil || m.Currency != "EUR" || m.MedianRevenue != 10 || m.MedianOrders != 1 {
		t.Errorf("medians for the reward policy = %+v, want 1 order and 10 EUR", m)
	}
}
