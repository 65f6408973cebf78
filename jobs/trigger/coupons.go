package trigger

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/rewards"
)

// Redeemer uses the coupon code an order presents (rewards.Ledger).
type Redeemer interface {
	Redeem(ctx context.Context, o rewards.Order) (rewards.Check, error)
}

// redeemCoupons redeems the coupon of every Order Completed among results that presents one
// (properties.coupon). Duplicates are redeemed too: a redemption is idempotent per order, and
// a client retrying after a failure here (the order applied, its coupon not yet marked used)
// must not leave the code usable a second time. A refused code (someone else's, used,
// expired, below its minimum) does not refuse the order: the shop has taken it; the ledger
// records the refusal and why.
func (in *Ingester) redeemCoupons(ctx context.Context, results []customers.Result) error {
	if in.cfg.Coupons == nil {
		return nil
	}
	for i := range results {
		ev := &results[i].Event
		code, total, currency, orderID, ok := customers.OrderCoupon(ev)
		if !ok || code == "" {
			continue
		}
		if orderID == "" {
			orderID = ev.MessageID
		}
		c, err := in.cfg.Coupons.Redeem(ctx, rewards.Order{Code: code, Customer: ev.UserID, ID: orderID,
			Total: total, Currency: currency, At: ev.Timestamp})
		if err != nil {
			return fmt.Errorf("redeem the coupon of order %s: %w", orderID, err)
		}
		if !c.Valid && c.Reason != rewards.ReasonUnknown {
			in.cfg.Log.Info("coupon refused", zap.String("campaign", c.Campaign), zap.String("reward", c.Reward),
				zap.String("reason", c.Reason))
		}
	}
	return nil
}
