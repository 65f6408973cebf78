package customers

import (
	"testing"
	"time"
)

func TestAPurchaseAddsItsLocalHourToTheHistogram(t *testing.T) {
	b := setup(t)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // 13:30 in Tehran
	identify := Event{Type: TypeIdentify, UserID: "teh", MessageID: "i1", Timestamp: at.Add(-time.Hour),
		Traits: map[string]any{"timezone": "Asia/Tehran"}}
	order := orderEvent("teh", "o1", at, 20)
	order.Properties["order_id"] = "A-1"
	replay := orderEvent("teh", "o1-retry", at, 20) // the shop's retry: same order_id
	replay.Properties["order_id"] = "A-1"
	// No timezone trait: the offset the shop wrote the time in (+02:00: 12:00 local).
	shop := orderEvent("nozone", "o2", at.In(time.FixedZone("", 2*3600)), 5)
	b.apply(t, identify, order, replay, shop)

	for _, tc := range []struct {
		customer string
		hour     int
	}{{"teh", 13}, {"nozone", 12}} {
		p := b.get(t, tc.customer)
		e, ok := p.Engagement[PurchaseHours]
		if !ok {
			t.Fatalf("%s: no purchase hours in %v", tc.customer, p.Engagement)
		}
		for h, n := range e.Hours {
			want := 0
			if h == tc.hour {
				want = 1 // once, though the order came twice
			}
			if n != want {
				t.Fatalf("%s: hour %d counted %d, want %d (hours %v)", tc.customer, h, n, want, e.Hours)
			}
		}
		if e.BestHour() != tc.hour || p.Summary.Orders != 1 {
			t.Fatalf("%s: best hour %d, orders %d", tc.customer, e.BestHour(), p.Summary.Orders)
		}
	}
	// A customer who never bought shows no purchase hours.
	b.apply(t, Event{Type: TypeIdentify, UserID: "browser", MessageID: "i2", Timestamp: at, Traits: map[string]any{"firstName": "B"}})
	if _, ok := b.get(t, "browser").Engagement[PurchaseHours]; ok {
		t.Fatal("purchase hours without an order")
	}
}

func TestPurchaseHoursAreHalvedTogetherWhenOneIsFull(t *testing.T) {
	st := newState("x")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st.addPurchaseHour(at.Add(-6*time.Hour).UnixMilli(), at) // 03:00 once
	for range 17 {
		st.addPurchaseHour(at.UnixMilli(), at) // 09:00
	}
	again := newState("x")
	again.decodePurchaseHours(string(st.encodePurchaseHours()))
	if again.buyHours != st.buyHours || st.buyHours[9] != 9 || st.buyHours[3] != 0 {
		t.Fatalf("hours %v, read back %v; want 09:00 halved to 7 then 9, 03:00 halved to 0", st.buyHours, again.buyHours)
	}
}
