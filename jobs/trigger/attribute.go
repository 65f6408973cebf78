package trigger

import (
	"context"
	"fmt"
	"sync"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/results"
)

// attribute credits the goal events among results (an order, or whatever event a campaign's
// goal names) to the campaigns that touched their customer (results.Store.Attribute). It runs
// for duplicates too: the order's marker, written by the same script that credits it, makes a
// second attribution a no-op, and attributing again is what repairs an attempt that failed
// after the event was applied (the client's retry is then a duplicate).
func (in *Ingester) attribute(ctx context.Context, cat *delivery.Catalog, rs []customers.Result) error {
	if in.cfg.Results == nil {
		return nil
	}
	goals := map[string]bool{}
	for _, c := range cat.Set.Campaigns {
		goals[c.GoalOf().Event] = true
	}
	var orders []results.Order
	for i := range rs {
		ev := &rs[i].Event
		if ev.Type != customers.TypeTrack || !goals[ev.Event] {
			continue
		}
		amount, cur, ok := customers.OrderValue(ev.Properties)
		if !ok {
			amount, cur = 0, ""
		}
		// Key is the event's identity ("o:<order_id>", else "m:<messageId>"): an order retried
		// by the shop with a new messageId is still one order.
		orders = append(orders, results.Order{Customer: ev.UserID, OrderID: rs[i].Key, At: ev.Timestamp,
			Amount: amount, Currency: cur, Event: ev.Event})
	}
	if len(orders) == 0 {
		return nil
	}
	// One script call per order, a few at once: they are on different customers' slots.
	sem := make(chan struct{}, enqueueParallelism)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, o := range orders {
		wg.Add(1)
		sem <- struct{}{}
		go func(o results.Order) {
			defer func() { <-sem; wg.Done() }()
			if _, err := in.cfg.Results.Attribute(ctx, o); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("attribute %s of customer %s: %w", o.Event, o.Customer, err)
				}
				mu.Unlock()
			}
		}(o)
	}
	wg.Wait()
	return first
}
