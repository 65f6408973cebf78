package rewards

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
)

// ErrCampaignExhausted is returned (wrapping ErrExhausted) when the campaign's budget across
// its rewards has no room for a grant.
var ErrCampaignExhausted = errors.New("campaign reward budget exhausted")

// GrantIn grants reward r of campaign c as Grant does, and spends the campaign's budget
// (budget: on the campaign, across its rewards) too. The two budgets live in different
// Redis slots (one per reward, one per campaign), so no single script can take both on a
// Cluster: the reward's is taken first, then the campaign's, and the reward's is given back
// when the campaign's has no room. Each take is atomic and idempotent per grant, so neither
// budget is ever overspent; two grants racing for the last room of both may both be refused
// where one could have had it (an underspend by at most the grants in flight, never an
// overspend).
func (l *Ledger) GrantIn(ctx context.Context, c *config.Campaign, r *config.Reward, customer, occurrence string, now time.Time) (*Grant, error) {
	g, err := l.Grant(ctx, c.ID, r, customer, occurrence, now)
	if err != nil || !hasBudget(c.Budget) || !countsAgainstCampaign(r) {
		return g, err
	}
	value, _ := Amount(r)
	res, err := grantScript.Run(ctx, l.rdb, []string{campaignBudgetKey(c.ID)}, grantField(customer, occurrence),
		c.Budget.Count, c.Budget.Amount, strconv.FormatFloat(value, 'f', -1, 64)).Int()
	if err == nil && res != 0 {
		return g, nil
	}
	if rerr := l.Refund(ctx, c.ID, r, customer, occurrence); rerr != nil {
		return nil, fmt.Errorf("grant reward %s of %s: campaign budget: %v (and refund the reward: %w)", r.ID, c.ID, err, rerr)
	}
	if err != nil {
		return nil, fmt.Errorf("grant reward %s of %s: campaign budget: %w", r.ID, c.ID, err)
	}
	return nil, fmt.Errorf("grant reward %s of %s: %w: %w", r.ID, c.ID, ErrCampaignExhausted, ErrExhausted)
}

// RefundIn returns what GrantIn took: the reward's budget, its coupon and the campaign's
// budget.
func (l *Ledger) RefundIn(ctx context.Context, c *config.Campaign, r *config.Reward, customer, occurrence string) error {
	if err := l.Refund(ctx, c.ID, r, customer, occurrence); err != nil {
		return err
	}
	if !hasBudget(c.Budget) || !countsAgainstCampaign(r) {
		return nil
	}
	if err := refundScript.Run(ctx, l.rdb, []string{campaignBudgetKey(c.ID)}, grantField(customer, occurrence)).Err(); err != nil {
		return fmt.Errorf("refund reward %s of %s: campaign budget: %w", r.ID, c.ID, err)
	}
	return nil
}

func grantField(customer, occurrence string) string { return "g:" + customer + "\x00" + occurrence }

// Delivered writes down a grant whose message went out: it counts the send in the campaign's
// statistics and credits points to the customer's balance. The delivery path calls it once
// per message sent (under the delivery's claim); a points credit is idempotent per (campaign,
// occurrence) anyway.
func (l *Ledger) Delivered(ctx context.Context, campaign, customer, occurrence string, g *Grant, at time.Time) error {
	if g == nil {
		return nil
	}
	if g.Kind == "points" {
		n, err := strconv.ParseInt(strings.TrimSpace(g.Value), 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("credit points of reward %s of %s: value %q is not a positive whole number", g.ID, campaign, g.Value)
		}
		credited, err := l.Credit(ctx, customer, PointsEntry{At: at, Points: n, Campaign: campaign, Reward: g.ID, Occurrence: occurrence})
		if err != nil || !credited {
			return err
		}
	}
	if err := l.rdb.HIncrBy(ctx, statsKey(campaign), "sent:"+g.ID, 1).Err(); err != nil {
		return fmt.Errorf("count reward %s of %s: %w", g.ID, campaign, err)
	}
	return nil
}

// RewardStats is what one reward of a campaign has given, for the report and the console.
type RewardStats struct {
	Reward string `json:"reward"`
	Kind   string `json:"kind"`
	// Sent counts the messages sent with it (Delivered).
	Sent int64 `json:"sent"`
	// Granted and Amount are what its own budget has given (net of refunds; a grant whose
	// outcome is unknown stays counted); zero without a budget.
	Granted int     `json:"granted"`
	Amount  float64 `json:"amount"`
	// Unit is the unit of Amount and of the budget's amount: a currency, "" for the order's,
	// or "points".
	Unit   string         `json:"unit,omitempty"`
	Budget *config.Budget `json:"budget,omitempty"`
	// Redeemed counts the coupons redeemed; Discount what they took off, per currency (money
	// is never added across currencies).
	Redeemed int64              `json:"redeemed"`
	Discount map[string]float64 `json:"discount,omitempty"`
}

// CampaignStats is what a campaign's rewards have given, against its budgets.
type CampaignStats struct {
	Rewards []RewardStats `json:"rewards"`
	// Budget is the campaign's own budget across its rewards; Granted and Amount what it has
	// given.
	Budget  *config.Budget `json:"budget,omitempty"`
	Granted int            `json:"granted"`
	Amount  float64        `json:"amount"`
	// Refused counts the redemptions refused, by reason.
	Refused map[string]int64 `json:"refused,omitempty"`
}

// Stats reads what the campaign's rewards have given: per reward, messages sent with it,
// budget spent, coupons redeemed; and the campaign's budget. One round trip.
func (l *Ledger) Stats(ctx context.Context, c *config.Campaign) (CampaignStats, error) {
	pipe := l.rdb.Pipeline()
	stats := pipe.HGetAll(ctx, statsKey(c.ID))
	budgets := make([]any, len(c.Rewards))
	for i := range c.Rewards {
		if hasBudget(c.Rewards[i].Budget) {
			budgets[i] = pipe.HMGet(ctx, budgetKey(c.ID, c.Rewards[i].ID), "n", "amount")
		}
	}
	campaign := pipe.HMGet(ctx, campaignBudgetKey(c.ID), "n", "amount")
	if _, err := pipe.Exec(ctx); err != nil {
		return CampaignStats{}, fmt.Errorf("read the reward statistics of %s: %w", c.ID, err)
	}
	fields := stats.Val()
	out := CampaignStats{Budget: c.Budget}
	out.Granted, out.Amount = spentOf(campaign.Val())
	for i := range c.Rewards {
		r := &c.Rewards[i]
		s := RewardStats{Reward: r.ID, Kind: r.Kind, Budget: r.Budget}
		_, s.Unit, _ = r.FaceValue()
		s.Sent, _ = strconv.ParseInt(fields["sent:"+r.ID], 10, 64)
		s.Redeemed, _ = strconv.ParseInt(fields["redeemed:"+r.ID], 10, 64)
		if cmd, ok := budgets[i].(interface{ Val() []any }); ok {
			s.Granted, s.Amount = spentOf(cmd.Val())
		}
		prefix := "discount:" + r.ID + ":"
		for k, v := range fields {
			if cur, ok := strings.CutPrefix(k, prefix); ok {
				if s.Discount == nil {
					s.Discount = map[string]float64{}
				}
				s.Discount[cur], _ = strconv.ParseFloat(v, 64)
			}
		}
		out.Rewards = append(out.Rewards, s)
	}
	for k, v := range fields {
		if reason, ok := strings.CutPrefix(k, "refused:"); ok {
			if out.Refused == nil {
				out.Refused = map[string]int64{}
			}
			out.Refused[reason], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return out, nil
}
