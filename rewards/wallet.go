package rewards

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// HeldCoupon is a coupon granted to a customer, as GET /v1/customers/{id} shows it.
type HeldCoupon struct {
	Code     string `json:"code"`
	Campaign string `json:"campaign"`
	Reward   string `json:"reward"`
	Value    string `json:"value"`
	Currency string `json:"currency,omitempty"`
	// GrantedAt is when the delivery granted it; ExpiresAt zero when it does not expire.
	GrantedAt time.Time `json:"granted_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// RedeemedAt and Order are set once an order used it.
	RedeemedAt time.Time `json:"redeemed_at,omitzero"`
	Order      string    `json:"order,omitempty"`
}

// Wallet is what a customer holds: their points, with the latest entries, and their coupons,
// newest first (at most walletCoupons).
type Wallet struct {
	Points  Points       `json:"points"`
	Coupons []HeldCoupon `json:"coupons"`
}

// walletCoupons bounds the coupons a wallet shows: a customer of many years may have been
// granted hundreds, and a profile page needs the recent ones.
const walletCoupons = 50

// Wallet reads a customer's points and coupons in two round trips: the balance, its entries
// and the coupon index share the customer's hash tag {c:ID} (one pipeline, one Cluster node);
// each coupon lives under its own code's tag, so the coupons come in a second pipeline. An
// expired coupon whose record Redis dropped is not shown.
func (l *Ledger) Wallet(ctx context.Context, customer string) (Wallet, error) {
	pipe := l.rdb.Pipeline()
	bal := pipe.Get(ctx, pointsKey(customer))
	log := pipe.LRange(ctx, pointsLogKey(customer), 0, pointsKeep-1)
	codes := pipe.SMembers(ctx, couponIndexKey(customer))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Wallet{}, fmt.Errorf("read the wallet of customer %s: %w", customer, err)
	}
	w := Wallet{Points: pointsOf(bal, log), Coupons: []HeldCoupon{}}
	if len(codes.Val()) == 0 {
		return w, nil
	}
	pipe = l.rdb.Pipeline()
	reads := make([]*redis.SliceCmd, len(codes.Val()))
	for i, code := range codes.Val() {
		reads[i] = pipe.HMGet(ctx, couponKey(code), "campaign", "reward", "value", "currency", "granted", "expires", "redeemed", "order")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return Wallet{}, fmt.Errorf("read the coupons of customer %s: %w", customer, err)
	}
	for i, code := range codes.Val() {
		v := reads[i].Val()
		if len(v) < 8 || v[0] == nil {
			continue // expired and dropped
		}
		str := func(k int) string { s, _ := v[k].(string); return s }
		unix := func(k int) time.Time {
			if n, err := strconv.ParseInt(str(k), 10, 64); err == nil && n > 0 {
				return time.Unix(n, 0).UTC()
			}
			return time.Time{}
		}
		w.Coupons = append(w.Coupons, HeldCoupon{Code: code, Campaign: str(0), Reward: str(1), Value: str(2), Currency: str(3),
			GrantedAt: unix(4), ExpiresAt: unix(5), RedeemedAt: unix(6), Order: str(7)})
	}
	slices.SortFunc(w.Coupons, func(a, b HeldCoupon) int {
		return cmp.Or(b.GrantedAt.Compare(a.GrantedAt), cmp.Compare(a.Code, b.Code))
	})
	if len(w.Coupons) > walletCoupons {
		w.Coupons = w.Coupons[:walletCoupons]
	}
	return w, nil
}

// QueueBalance queues the read of a customer's points balance on pipe, for a caller that
// already makes a round trip to keys of the customer's hash tag {c:ID} (the delivery's
// claim); the returned function gives the balance once pipe has run (0 when none), or the
// read's error.
func (l *Ledger) QueueBalance(ctx context.Context, pipe redis.Pipeliner, customer string) func() (int64, error) {
	cmd := pipe.Get(ctx, pointsKey(customer))
	return func() (int64, error) {
		s, err := cmd.Result()
		switch {
		case errors.Is(err, redis.Nil):
			return 0, nil
		case err != nil:
			return 0, fmt.Errorf("read the points of customer %s: %w", customer, err)
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		return n, nil
	}
}

// pointsOf decodes the balance and entries read by Points and Wallet.
func pointsOf(bal *redis.StringCmd, log *redis.StringSliceCmd) Points {
	var p Points
	if s, err := bal.Result(); err == nil {
		p.Balance, _ = strconv.ParseInt(s, 10, 64)
	}
	p.Entries = make([]PointsEntry, 0, len(log.Val()))
	for _, s := range log.Val() {
		var e PointsEntry
		if err := json.Unmarshal([]byte(s), &e); err == nil {
			p.Entries = append(p.Entries, e)
		}
	}
	return p
}
