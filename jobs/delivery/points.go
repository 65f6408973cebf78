package delivery

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// readPoints queues the read of the customer's points balance for c into the claim's
// pipeline: the balance key (rp:{c:ID}:pts) shares the claim's hash tag, so templates get
// .Customer.Points for no extra round trip, at the cost of one GET in Redis per send.
func (d *Deliverer) readPoints(ctx context.Context, c *claimable) func(redis.Pipeliner) {
	return func(pipe redis.Pipeliner) {
		c.points = d.cfg.Rewards.QueueBalance(ctx, pipe, c.in.Customer.ID)
	}
}

// pointsOf is the balance read with the claim. When that read failed (the connection broke
// and the claim was taken again alone) or was not made, the balance is read on its own: a
// message must not tell a customer they have no points because of a network error.
func (d *Deliverer) pointsOf(ctx context.Context, c *claimable) (int64, error) {
	if c.points != nil {
		if n, err := c.points(); err == nil {
			return n, nil
		}
	}
	p, err := d.cfg.Rewards.Points(ctx, c.in.Customer.ID)
	if err != nil {
		return 0, fmt.Errorf("send %s to customer %s: %w", c.in.Campaign.ID, c.in.Customer.ID, err)
	}
	return p.Balance, nil
}
