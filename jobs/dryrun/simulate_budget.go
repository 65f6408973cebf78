package dryrun

import (
	"context"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/rewards"
)

// countdown is the simulation's copy of the remaining budgets: spent as decisions go, so that
// the decisions past a budget fall to the next reward as they would in the real run, where
// every grant spends. It starts from what the ledger has spent already (rewards.Ledger.Stats)
// and counts both budgets a grant takes (rewards.Ledger.GrantIn): the reward's own and the
// campaign's across its rewards.
type countdown struct {
	// left is the RewardsLeft of the decisions; false once a budget has no room.
	left map[string]bool
	// own is what is left of each budgeted reward's own budget; campaign of the campaign's
	// (nil without one).
	own      map[string]*allowance
	campaign *allowance
	// value is the budget value of one grant (rewards.Amount); inCampaign whether a reward
	// spends the campaign's budget (every kind but none).
	value      map[string]float64
	inCampaign map[string]bool
	// runOuts counts the rewards whose room ran out, from the start of the simulation.
	runOuts int
}

// allowance is what is left of one budget; -1: no limit on that measure.
type allowance struct {
	count  int
	amount float64
}

func newAllowance(b *config.Budget, granted int, amount float64) *allowance {
	a := &allowance{count: -1, amount: -1}
	if b.Count > 0 {
		a.count = max(b.Count-granted, 0)
	}
	if b.Amount > 0 {
		a.amount = max(b.Amount-amount, 0)
	}
	return a
}

// room reports whether one grant of the given value fits, as rewards.Ledger.Left decides.
func (a *allowance) room(value float64) bool {
	return a == nil || ((a.count < 0 || a.count > 0) && (a.amount < 0 || value <= a.amount))
}

func (a *allowance) take(value float64) {
	if a == nil {
		return
	}
	if a.count > 0 {
		a.count--
	}
	if a.amount >= 0 {
		a.amount -= value
	}
}

// statsReader is what a countdown reads of the reward ledger (rewards.Ledger): one round
// trip for every budget of the campaign.
type statsReader interface {
	Stats(ctx context.Context, c *config.Campaign) (rewards.CampaignStats, error)
}

func hasBudget(b *config.Budget) bool { return b != nil && (b.Count > 0 || b.Amount > 0) }

func newCountdown(ctx context.Context, ledger statsReader, camp *config.Campaign) (*countdown, error) {
	c := &countdown{left: map[string]bool{}, own: map[string]*allowance{}, value: map[string]float64{}, inCampaign: map[string]bool{}}
	campaignBudget := hasBudget(camp.Budget)
	ownBudget := false
	for i := range camp.Rewards {
		ownBudget = ownBudget || hasBudget(camp.Rewards[i].Budget)
	}
	if !campaignBudget && !ownBudget {
		return c, nil
	}
	stats, err := ledger.Stats(ctx, camp)
	if err != nil {
		return nil, err
	}
	if campaignBudget {
		c.campaign = newAllowance(camp.Budget, stats.Granted, stats.Amount)
	}
	for i := range camp.Rewards {
		r := &camp.Rewards[i]
		// What an amount budget counts (rewards.Amount); lint refuses an amount budget over
		// a reward without a face value.
		c.value[r.ID], _ = rewards.Amount(r)
		c.inCampaign[r.ID] = campaignBudget && r.Kind != "none"
		if hasBudget(r.Budget) {
			var granted int
			var amount float64
			for _, s := range stats.Rewards {
				if s.Reward == r.ID {
					granted, amount = s.Granted, s.Amount
				}
			}
			c.own[r.ID] = newAllowance(r.Budget, granted, amount)
		}
	}
	c.update()
	return c, nil
}

// update sets whether each budgeted reward has room for one more grant, as
// rewards.Ledger.Left does: room in its own budget and in the campaign's.
func (c *countdown) update() {
	for id, v := range c.value {
		own, hasOwn := c.own[id]
		if !hasOwn && !c.inCampaign[id] {
			continue
		}
		room := own.room(v) && (!c.inCampaign[id] || c.campaign.room(v))
		if before, seen := c.left[id]; !room && (before || !seen) {
			c.runOuts++
		}
		c.left[id] = room
	}
}

// spend takes one grant of r from its budgets.
func (c *countdown) spend(r *config.Reward) {
	if r == nil {
		return
	}
	if _, ok := c.left[r.ID]; !ok {
		return
	}
	v := c.value[r.ID]
	c.own[r.ID].take(v)
	if c.inCampaign[r.ID] {
		c.campaign.take(v)
	}
	c.update()
}

// exhausted reports whether some budget has run out.
func (c *countdown) exhausted() bool { return c.runOuts > 0 }

// refuses reports whether reward id's budget (its own or the campaign's) has no room.
func (c *countdown) refuses(id string) bool {
	room, ok := c.left[id]
	return ok && !room
}
