// Package rewards grants the rewards a decision picks: unique coupon codes and budgets that are
// never overspent, whatever the concurrency. A grant is idempotent per (campaign, reward,
// customer, occurrence), so a retried delivery offers the same code and spends nothing twice.
package rewards

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
)

// ErrExhausted is returned when a reward's budget has no room left.
var ErrExhausted = errors.New("reward budget exhausted")

// ErrNoFaceValue is returned for a reward with an amount budget whose grants have no face
// value (config.Reward.FaceValue): the budget could not count them, so nothing is granted
// rather than granting without a cap. The loader refuses such a campaign; this guards a
// Reward built by hand.
var ErrNoFaceValue = errors.New("amount budget on a reward without a face value")

// Grant is a reward given to one customer for one occurrence.
type Grant struct {
	ID        string
	Kind      string
	Value     string
	Code      string
	Text      string
	ExpiresAt time.Time
}

// Ledger issues grants and keeps budgets in Redis.
type Ledger struct {
	rdb    redis.UniversalClient
	secret []byte
}

// NewLedger returns a ledger; secret makes coupon codes unguessable.
func NewLedger(rdb redis.UniversalClient, secret string) *Ledger {
	return &Ledger{rdb: rdb, secret: []byte(secret)}
}

// budgetKey holds one budgeted reward of one campaign (hash, no expiry):
// field "n" -> grants so far, field "amount" -> face value granted so far (Amount),
// field "g:<grant key>" -> value of one grant, so a repeated grant is recognised and refunds
// are exact. Its size is bounded by the budget's count.
func budgetKey(campaign, reward string) string {
	return "rp:{rw:" + campaign + ":" + reward + "}:budget"
}

// KEYS[1] -> rp:{rw:CAMPAIGN:REWARD}:budget
// ARGV[1] -> grant field "g:..."
// ARGV[2] -> count limit (0: none)
// ARGV[3] -> amount limit (0: none)
// ARGV[4] -> value of this grant (for amount budgets)
// Returns 1 when granted now, 2 when this grant already existed, 0 when the budget is exhausted.
var grantScript = redis.NewScript(`
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 then return 2 end
local n = tonumber(redis.call("HGET", KEYS[1], "n") or "0")
local amount = tonumber(redis.call("HGET", KEYS[1], "amount") or "0")
local v = tonumber(ARGV[4])
if tonumber(ARGV[2]) > 0 and n + 1 > tonumber(ARGV[2]) then return 0 end
if tonumber(ARGV[3]) > 0 and amount + v > tonumber(ARGV[3]) then return 0 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[4], "n", n + 1, "amount", amount + v)
return 1
`)

// KEYS[1] -> rp:{rw:CAMPAIGN:REWARD}:budget
// ARGV[1] -> grant field
// Returns 1 when the grant was refunded, 0 when there was none.
var refundScript = redis.NewScript(`
local v = redis.call("HGET", KEYS[1], ARGV[1])
if not v then return 0 end
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("HINCRBY", KEYS[1], "n", -1)
redis.call("HINCRBYFLOAT", KEYS[1], "amount", -tonumber(v))
return 1
`)

// Grant gives reward r of campaign to customer for occurrence. Unbudgeted rewards that do not
// expire need no Redis: their code is derived from the secret. now sets the expiry of the
// first attempt; a retry gets the expiry the first attempt wrote down (expiry.go).
func (l *Ledger) Grant(ctx context.Context, campaign string, r *config.Reward, customer, occurrence string, now time.Time) (*Grant, error) {
	g := &Grant{ID: r.ID, Kind: r.Kind, Value: r.Value, Text: r.Text}
	if r.Kind == "coupon" {
		g.Code = l.Code(campaign, r.ID, customer, occurrence)
	}
	created := false
	if r.Expires > 0 {
		var err error
		if g.ExpiresAt, created, err = l.expiry(ctx, campaign, r, customer, occurrence, now); err != nil {
			return nil, err
		}
	}
	if r.Budget == nil || (r.Budget.Count == 0 && r.Budget.Amount == 0) {
		return l.stored(ctx, campaign, r, g, customer, occurrence, now)
	}
	value, ok := Amount(r)
	if !ok && r.Budget.Amount > 0 {
		return nil, fmt.Errorf("grant reward %s of %s: %w", r.ID, campaign, ErrNoFaceValue)
	}
	field := "g:" + customer + "\x00" + occurrence
	res, err := grantScript.Run(ctx, l.rdb, []string{budgetKey(campaign, r.ID)},
		field, r.Budget.Count, r.Budget.Amount, strconv.FormatFloat(value, 'f', -1, 64)).Int()
	if err != nil {
		return nil, fmt.Errorf("grant reward %s of %s: %w", r.ID, campaign, err)
	}
	if res == 0 {
		if created {
			if err := l.forgetExpiry(ctx, campaign, r.ID, customer, occurrence); err != nil {
				return nil, fmt.Errorf("grant reward %s of %s: %w (and forget its expiry: %v)", r.ID, campaign, ErrExhausted, err)
			}
		}
		return nil, fmt.Errorf("grant reward %s of %s: %w", r.ID, campaign, ErrExhausted)
	}
	return l.stored(ctx, campaign, r, g, customer, occurrence, now)
}

// stored writes down the coupon of a grant (once: a retry keeps the first record).
func (l *Ledger) stored(ctx context.Context, campaign string, r *config.Reward, g *Grant, customer, occurrence string, now time.Time) (*Grant, error) {
	if g.Code == "" {
		return g, nil
	}
	if err := l.storeCoupon(ctx, campaign, r, g, customer, occurrence, now); err != nil {
		return nil, err
	}
	return g, nil
}

// Refund returns a grant's share of the budget, for a message that could not be delivered,
// and voids its coupon code.
func (l *Ledger) Refund(ctx context.Context, campaign string, r *config.Reward, customer, occurrence string) error {
	if r.Kind == "coupon" {
		if err := l.forgetCoupon(ctx, l.Code(campaign, r.ID, customer, occurrence), customer); err != nil {
			return fmt.Errorf("refund reward %s of %s: %w", r.ID, campaign, err)
		}
	}
	if r.Budget == nil {
		return nil
	}
	field := "g:" + customer + "\x00" + occurrence
	if err := refundScript.Run(ctx, l.rdb, []string{budgetKey(campaign, r.ID)}, field).Err(); err != nil {
		return fmt.Errorf("refund reward %s of %s: %w", r.ID, campaign, err)
	}
	return nil
}

// Spent returns how many grants and how much value a budgeted reward has given.
func (l *Ledger) Spent(ctx context.Context, campaign, reward string) (count int, amount float64, err error) {
	vals, err := l.rdb.HMGet(ctx, budgetKey(campaign, reward), "n", "amount").Result()
	if err != nil {
		return 0, 0, fmt.Errorf("read budget of %s/%s: %w", campaign, reward, err)
	}
	if s, ok := vals[0].(string); ok {
		count, _ = strconv.Atoi(s)
	}
	if s, ok := vals[1].(string); ok {
		amount, _ = strconv.ParseFloat(s, 64)
	}
	return count, amount, nil
}

// Left reports, per reward of the campaign with a budget (its own or the campaign's),
// whether it still has room; decisions use it to avoid offering what is known to be gone.
// The grant itself stays the atomic check. One round trip for every budget of the campaign.
func (l *Ledger) Left(ctx context.Context, c *config.Campaign) (map[string]bool, error) {
	left := map[string]bool{}
	pipe := l.rdb.Pipeline()
	reads := make([]*redis.SliceCmd, len(c.Rewards))
	for i := range c.Rewards {
		if r := &c.Rewards[i]; hasBudget(r.Budget) {
			reads[i] = pipe.HMGet(ctx, budgetKey(c.ID, r.ID), "n", "amount")
		}
	}
	var campaign *redis.SliceCmd
	if hasBudget(c.Budget) {
		campaign = pipe.HMGet(ctx, campaignBudgetKey(c.ID), "n", "amount")
	}
	if len(pipe.Cmds()) == 0 {
		return left, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read the budgets of %s: %w", c.ID, err)
	}
	for i := range c.Rewards {
		r := &c.Rewards[i]
		value, ok := Amount(r)
		if reads[i] != nil {
			n, amount := spentOf(reads[i].Val())
			left[r.ID] = (r.Budget.Count == 0 || n < r.Budget.Count) &&
				(r.Budget.Amount == 0 || (ok && amount+value <= r.Budget.Amount))
		}
		if campaign != nil && countsAgainstCampaign(r) {
			n, amount := spentOf(campaign.Val())
			room := (c.Budget.Count == 0 || n < c.Budget.Count) &&
				(c.Budget.Amount == 0 || (ok && amount+value <= c.Budget.Amount))
			if prior, seen := left[r.ID]; seen {
				room = room && prior
			}
			left[r.ID] = room
		}
	}
	return left, nil
}

func hasBudget(b *config.Budget) bool { return b != nil && (b.Count > 0 || b.Amount > 0) }

// countsAgainstCampaign: every reward but none spends the campaign's budget.
func countsAgainstCampaign(r *config.Reward) bool { return r.Kind != "none" }

func spentOf(vals []any) (n int, amount float64) {
	if s, ok := vals[0].(string); ok {
		n, _ = strconv.Atoi(s)
	}
	if s, ok := vals[1].(string); ok {
		amount, _ = strconv.ParseFloat(s, 64)
	}
	return n, amount
}

// Amount is what one grant of r counts against an amount budget: its face value
// (config.Reward.FaceValue), in the unit the reward's value is written in. A "10%" coupon
// counts its max_value, not 10; ok is false for a reward without a face value (a perk
// without an amount, a percentage coupon without max_value), which an amount budget cannot
// cap.
func Amount(r *config.Reward) (value float64, ok bool) {
	value, _, ok = r.FaceValue()
	return value, ok
}
