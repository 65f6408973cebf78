package customers

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// benchStore returns a store whose pool of customers already have ten traits each, enough
// of them that no customer gets more than about 30 orders however long the benchmark runs:
// the profiles stay the size of real ones.
func benchStore(b testing.TB, batches int) (*testBundle, func(batch, i int) string) {
	tb := setup(b)
	pools := batches/30 + 1
	id := func(batch, i int) string { return fmt.Sprintf("cust-%04d-%03d", batch%pools, i) }
	var events []Event
	for p := range pools {
		for i := range 100 {
			events = append(events, identify(id(p, i), "id", day(400), map[string]any{
				"email": fmt.Sprintf("c%d.%d@example.org", p, i), "phone": "+4930901820", "firstName": "Jane",
				"lastName": "Doe", "birthday": "1990-02-28", "createdAt": "2023-04-05T06:07:08Z",
				"address": map[string]any{"country": "DE"}, "timezone": "Europe/Berlin", "locale": "de-DE",
				"consent": map[string]any{"email": true},
			}))
		}
		if _, err := tb.store.Apply(tb.ctx, events); err != nil {
			b.Fatal(err)
		}
		events = events[:0]
	}
	return tb, id
}

func orderBatch(id func(batch, i int) string, batch int) []Event {
	events := make([]Event, 100)
	for i := range events {
		ev := orderEvent(id(batch, i), fmt.Sprintf("m-%d-%d", batch, i), day(300).Add(time.Duration(batch)*time.Hour), 19.99)
		ev.Properties["currency"] = "EUR"
		ev.Properties["order_id"] = fmt.Sprintf("o-%d-%d", batch, i)
		events[i] = ev
	}
	return events
}

// BenchmarkApplyBatch100 applies 100 Order Completed events over 100 customers per call, one
// call at a time: the latency-bound figure of one API connection.
func BenchmarkApplyBatch100(b *testing.B) {
	tb, id := benchStore(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for n := range b.N {
		if _, err := tb.store.Apply(tb.ctx, orderBatch(id, n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkApplyBatch100Parallel is the same with concurrent callers, as the API sees them.
func BenchmarkApplyBatch100Parallel(b *testing.B) {
	tb, id := benchStore(b, b.N)
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tb.store.Apply(tb.ctx, orderBatch(id, int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}
