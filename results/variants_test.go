package results

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestVariantStatsCountTreatmentSendsConversionsAndClicksAndAreCached(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	s, err := New(rdb, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	add := func(events ...Event) {
		t.Helper()
		if err := s.Add(ctx, events...); err != nil {
			t.Fatal(err)
		}
	}
	add(Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Sent, At: at, N: 100},
		Event{Campaign: "c", Variant: "a", Channel: "sms", Metric: Sent, At: at, N: 20},
		Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Clicked, At: at, N: 7},
		Event{Campaign: "c", Variant: "b", Channel: "email", Metric: Sent, At: at, N: 50},
		Event{Campaign: "c", Variant: "b", Channel: "email", Metric: Conversions, At: at, N: 4},
		// The holdout's would-be variant is no send of it.
		Event{Campaign: "c", Variant: "b", Arm: Holdout, Metric: Held, At: at, N: 30})
	now := at
	cache := NewVariantCache(s, time.Second, func() time.Time { return now })
	got, err := cache.VariantStats(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]decide.VariantStats{"a": {Sends: 120, Clicks: 7}, "b": {Sends: 50, Conversions: 4}}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("variant %s = %+v, want %+v", id, got[id], w)
		}
	}
	add(Event{Campaign: "c", Variant: "b", Channel: "email", Metric: Sent, At: at, N: 10})
	if got, _ := cache.VariantStats(ctx, "c"); got["b"].Sends != 50 {
		t.Errorf("within max age: b sends = %d, want the cached 50", got["b"].Sends)
	}
	now = now.Add(2 * time.Second)
	if got, _ := cache.VariantStats(ctx, "c"); got["b"].Sends != 60 {
		t.Errorf("after max age: b sends = %d, want 60", got["b"].Sends)
	}
}
