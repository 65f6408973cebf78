package rewards

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
)

// codeAlphabet has no character a customer could misread when typing a code from a message:
// no 0/O, no 1/I/L, no U (read as V). 31 symbols: 10 of them carry 49.5 bits.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

const codeLength = 10

// couponGrace keeps an expired coupon on record, so that a late try is refused as expired.
const couponGrace = 90 * 24 * time.Hour

// Code derives a unique, unguessable coupon code: the reward id in capitals, then 10
// characters of a keyed HMAC of (campaign, reward, customer, occurrence) in codeAlphabet. The
// same grant always yields the same code, so a preview shows the code the send carries; the
// code is then stored once with its grant (couponKey), and what a shop checks is the stored
// record, not the derivation: changing the secret leaves the codes already granted valid.
func (l *Ledger) Code(campaign, reward, customer, occurrence string) string {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte(campaign + "\x00" + reward + "\x00" + customer + "\x00" + occurrence))
	sum := m.Sum(nil)
	// 64 bits give 10 symbols of 31 (31^10 < 2^50) with a bias below 2^-14 on the first.
	n := binary.BigEndian.Uint64(sum[:8])
	b := make([]byte, 0, 13+codeLength)
	prefix := strings.ToUpper(strings.ReplaceAll(reward, "-", ""))
	if len(prefix) > 12 {
		prefix = prefix[:12]
	}
	b = append(b, prefix...)
	b = append(b, '-')
	for range codeLength {
		b = append(b, codeAlphabet[n%uint64(len(codeAlphabet))])
		n /= uint64(len(codeAlphabet))
	}
	return string(b)
}

// NormalizeCode is a code as a customer may type it: spaces trimmed, in capitals.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// KEYS[1] -> rp:{cp:CODE}
// ARGV[1..10] -> owner, campaign, reward, occurrence, value, max, currency, min, expires, granted
// ARGV[11] -> lifetime in seconds (0: none)
// Returns 1 when stored now, 0 when the code was already on record (a retried grant: the
// first record stands).
var storeCouponScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "owner", ARGV[1], "campaign", ARGV[2], "reward", ARGV[3], "occurrence", ARGV[4],
  "value", ARGV[5], "max", ARGV[6], "currency", ARGV[7], "min", ARGV[8], "expires", ARGV[9], "granted", ARGV[10])
if tonumber(ARGV[11]) > 0 then redis.call("EXPIRE", KEYS[1], ARGV[11]) end
return 1
`)

// storeCoupon writes a coupon's record once, with its owner's index entry (one round trip).
func (l *Ledger) storeCoupon(ctx context.Context, campaign string, r *config.Reward, g *Grant, customer, occurrence string, now time.Time) error {
	c, err := config.ParseCoupon(r.Value)
	if err != nil {
		return fmt.Errorf("store coupon of reward %s of %s: %w", r.ID, campaign, err)
	}
	// A percentage coupon has the currency of its max_value or min_order, when they name one.
	maxValue, minOrder, currency := "", "", c.Currency
	if v, cur, ok := parseAmount(r.MaxValue); ok {
		maxValue, currency = strconv.FormatFloat(v, 'f', -1, 64), cmp.Or(currency, cur)
	}
	if v, cur, ok := r.MinOrderAmount(); ok {
		minOrder, currency = strconv.FormatFloat(v, 'f', -1, 64), cmp.Or(currency, cur)
	}
	var expires, ttl int64
	if !g.ExpiresAt.IsZero() {
		expires = g.ExpiresAt.Unix()
		ttl = int64((g.ExpiresAt.Sub(now) + couponGrace) / time.Second)
	}
	pipe := l.rdb.Pipeline()
	storeCouponScript.Eval(ctx, pipe, []string{couponKey(g.Code)},
		customer, campaign, r.ID, occurrence, r.Value, maxValue, currency, minOrder, expires, now.Unix(), ttl)
	pipe.SAdd(ctx, couponIndexKey(customer), g.Code)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store coupon of reward %s of %s: %w", r.ID, campaign, err)
	}
	return nil
}

// forgetCoupon deletes the record of a refunded coupon: its message was not sent, so the
// code must not work. A retry that sends it stores it again.
func (l *Ledger) forgetCoupon(ctx context.Context, code, customer string) error {
	pipe := l.rdb.Pipeline()
	pipe.Del(ctx, couponKey(code))
	pipe.SRem(ctx, couponIndexKey(customer), code)
	_, err := pipe.Exec(ctx)
	return err
}

// Why a coupon is refused (Check.Reason).
const (
	ReasonUnknown      = "unknown"       // no such code (or refunded: never sent)
	ReasonNotYours     = "not_yours"     // granted to another customer
	ReasonUsed         = "used"          // redeemed already, by another order
	ReasonExpired      = "expired"       // past its expiry
	ReasonBelowMinimum = "below_minimum" // the order total is below min_order
	ReasonCurrency     = "currency"      // an amount coupon in another currency than the order
)

// Check is the answer about one code for one order: Valid, or why not; what it takes off
// this order (Value, in Currency: the coupon's, else the order's).
type Check struct {
	Valid    bool    `json:"valid"`
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	// Campaign and Reward name the grant when the code is known.
	Campaign string `json:"campaign,omitempty"`
	Reward   string `json:"reward,omitempty"`
}

// Order is an order that presents a coupon code.
type Order struct {
	Code     string
	Customer string
	// ID is the order id; a redemption replayed by the same order is valid again (and
	// counted once).
	ID       string
	Total    float64
	Currency string
	At       time.Time
}

// KEYS[1] -> rp:{cp:CODE}
// ARGV[1] -> customer, ARGV[2] -> order id, ARGV[3] -> total, ARGV[4] -> order currency,
// ARGV[5] -> now (Unix seconds), ARGV[6] -> "redeem" to mark it used, "check" to only look
// Returns {reason, campaign, reward, value, max, currency, newly}: reason "ok" or one of the
// Reason* codes; newly "1" when this call redeemed it.
var redeemScript = redis.NewScript(`
local h = redis.call("HMGET", KEYS[1], "owner", "campaign", "reward", "value", "max", "currency", "min", "expires", "redeemed", "order")
if not h[1] then return {"unknown", "", "", "", "", "", "0"} end
local function answer(reason, newly) return {reason, h[2], h[3], h[4], h[5], h[6], newly} end
if h[1] ~= ARGV[1] then return answer("not_yours", "0") end
if h[9] then
  if ARGV[2] ~= "" and h[10] == ARGV[2] then return answer("ok", "0") end
  return answer("used", "0")
end
if tonumber(h[8]) > 0 and tonumber(ARGV[5]) >= tonumber(h[8]) then return answer("expired", "0") end
if h[6] ~= "" and ARGV[4] ~= "" and h[6] ~= ARGV[4] then return answer("currency", "0") end
if h[7] ~= "" and tonumber(ARGV[3]) < tonumber(h[7]) then return answer("below_minimum", "0") end
if ARGV[6] ~= "redeem" then return answer("ok", "0") end
redis.call("HSET", KEYS[1], "redeemed", ARGV[5], "order", ARGV[2], "total", ARGV[3])
return answer("ok", "1")
`)

// Validate checks a code for an order at checkout, changing nothing (POST
// /v1/coupons/validate).
func (l *Ledger) Validate(ctx context.Context, o Order) (Check, error) {
	c, _, err := l.check(ctx, o, "check")
	return c, err
}

// Redeem uses a code for an order (an Order Completed with properties.coupon): once, by
// its owner, before it expires, on an order of at least its minimum. A refusal of one of
// Rapport's codes is recorded with its reason (refusedKey, and refused:REASON in the
// campaign's statistics); a code Rapport never granted is only answered unknown. A
// redemption is counted in the campaign's statistics once, however often the order is
// replayed.
func (l *Ledger) Redeem(ctx context.Context, o Order) (Check, error) {
	c, newly, err := l.check(ctx, o, "redeem")
	if err != nil {
		return c, err
	}
	pipe := l.rdb.Pipeline()
	switch {
	case c.Reason == ReasonUnknown:
		// Not a code of Rapport's (the shop's own promotion codes go through orders too):
		// nothing to refuse or record.
		return c, nil
	case !c.Valid:
		rec, _ := json.Marshal(Refusal{At: o.At.UTC(), Code: NormalizeCode(o.Code), Customer: o.Customer, Order: o.ID, Reason: c.Reason})
		pipe.LPush(ctx, refusedKey, rec)
		pipe.LTrim(ctx, refusedKey, 0, refusedKeep-1)
		if c.Campaign != "" {
			pipe.HIncrBy(ctx, statsKey(c.Campaign), "refused:"+c.Reason, 1)
		}
	case newly:
		pipe.HIncrBy(ctx, statsKey(c.Campaign), "redeemed:"+c.Reward, 1)
		pipe.HIncrByFloat(ctx, statsKey(c.Campaign), "discount:"+c.Reward+":"+c.Currency, c.Value)
	default:
		return c, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return c, fmt.Errorf("record the redemption of a coupon of %s: %w", c.Campaign, err)
	}
	return c, nil
}

// Refusal is one refused redemption, as kept in refusedKey.
type Refusal struct {
	At       time.Time `json:"at"`
	Code     string    `json:"code"`
	Customer string    `json:"customer"`
	Order    string    `json:"order,omitempty"`
	Reason   string    `json:"reason"`
}

// Refusals returns the last n refused redemptions, newest first.
func (l *Ledger) Refusals(ctx context.Context, n int) ([]Refusal, error) {
	raw, err := l.rdb.LRange(ctx, refusedKey, 0, int64(n)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("read refused redemptions: %w", err)
	}
	out := make([]Refusal, 0, len(raw))
	for _, s := range raw {
		var r Refusal
		if err := json.Unmarshal([]byte(s), &r); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func (l *Ledger) check(ctx context.Context, o Order, mode string) (Check, bool, error) {
	code := NormalizeCode(o.Code)
	if code == "" || o.Customer == "" {
		return Check{Reason: ReasonUnknown}, false, nil
	}
	if math.IsNaN(o.Total) || math.IsInf(o.Total, 0) || o.Total < 0 {
		return Check{}, false, errors.New("order total must be a number at least 0")
	}
	res, err := redeemScript.Run(ctx, l.rdb, []string{couponKey(code)}, o.Customer, o.ID,
		strconv.FormatFloat(o.Total, 'f', -1, 64), strings.ToUpper(o.Currency), o.At.Unix(), mode).StringSlice()
	if err != nil {
		return Check{}, false, fmt.Errorf("check coupon: %w", err)
	}
	if len(res) != 7 {
		return Check{}, false, fmt.Errorf("check coupon: %d answers, want 7", len(res))
	}
	c := Check{Reason: res[0], Campaign: res[1], Reward: res[2], Currency: res[5]}
	if c.Currency == "" {
		c.Currency = strings.ToUpper(o.Currency)
	}
	if c.Reason != "ok" {
		return c, false, nil
	}
	c.Valid, c.Reason = true, ""
	c.Value = discountOn(res[3], res[4], o.Total)
	return c, res[6] == "1", nil
}

// discountOn is what a coupon of value (and max_value most) takes off an order of total:
// never more than the total.
func discountOn(value, most string, total float64) float64 {
	c, err := config.ParseCoupon(value)
	if err != nil {
		return 0
	}
	v := c.Amount
	if c.Percent > 0 {
		v = math.Round(float64(c.Percent)*total*100) / 100
		if m, err := strconv.ParseFloat(most, 64); err == nil && m < v {
			v = m
		}
	}
	return math.Min(v, total)
}

// parseAmount reads "30" or "30 EUR" (a reward's max_value).
func parseAmount(s string) (float64, string, bool) {
	if strings.TrimSpace(s) == "" {
		return 0, "", false
	}
	c, err := config.ParseCoupon(s)
	if err != nil || c.Percent > 0 {
		return 0, "", false
	}
	return c.Amount, c.Currency, true
}
