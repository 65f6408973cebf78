package dryrun

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// Simulation is the dry run of one occurrence over the whole audience: what `rapport
// simulate` prints. Nothing is claimed, granted, rendered or sent.
type Simulation struct {
	Campaign   string `json:"campaign"`
	Occurrence string `json:"occurrence"`
	// Customers is how many customers were looked at; WouldSend how many would get the message.
	Customers int64 `json:"customers"`
	WouldSend int64 `json:"would_send"`
	Holdout   int64 `json:"holdout"`
	// Skipped counts by reason the customers who would get nothing (holdout apart).
	Skipped  map[string]int64 `json:"skipped"`
	Variants map[string]int64 `json:"variants"`
	Channels map[string]int64 `json:"channels"`
	Rewards  map[string]int64 `json:"rewards"`
	// WouldExceed counts, per budgeted reward, the customers who would have got it had its
	// budget not run out during the run: their decisions fell to the next reward (or none).
	WouldExceed map[string]int64 `json:"would_exceed"`
	// Spend is the reward spend of the messages that would go out, per unit: "points",
	// a currency ("EUR"), "coupons_percent" (coupons worth a share of an order: counted, not
	// priced), "perks".
	Spend map[string]float64 `json:"reward_spend"`
	// Hours counts send times by UTC hour, "2027-03-21T10".
	Hours map[string]int64 `json:"hours_utc"`
	// ConditionErrors says which conditions the condition_error skips come from and why,
	// the most frequent first.
	ConditionErrors []ConditionError `json:"condition_errors,omitempty"`
	conds           conditionErrors
	// Note says how the occurrence was chosen when it is not simply the first at or after
	// --at (empty occurrences skipped, or none with customers found).
	Note string `json:"note,omitempty"`
}

// populatedSample bounds the profiles read to find the next occurrence with customers in it.
// Every profile of the sample is held in memory and classified for each candidate
// occurrence; the index is spread by a hash of the id, so the first customers of it are a
// fair sample, and an occurrence that has any customer in a base of this size has one in the
// sample too, but for the rarest (a holiday kept by a handful of customers of a million).
const populatedSample = 20000

// nextPopulated returns the occurrence a simulation at `at` looks at: the first at or after
// at (schedule.OccurrenceAt) that has customers in it, as preview shows each customer's next
// one. A holiday or date campaign has an occurrence every day, and most days nobody keeps the
// holiday: simulating the first one would report the whole audience as no_holiday.
func nextPopulated(ctx context.Context, d *delivery.Deliverer, store schedule.AudienceStore, camp *config.Campaign, at time.Time, pageSize int) (schedule.Occurrence, string, error) {
	cfg := d.Config()
	first, err := schedule.OccurrenceAt(camp, cfg.Policy.DefaultTimezone, at)
	if err != nil {
		return schedule.Occurrence{}, "", err
	}
	profs, err := someProfiles(ctx, store, pageSize, populatedSample)
	if err != nil {
		return schedule.Occurrence{}, "", fmt.Errorf("simulate %s: %w", camp.ID, err)
	}
	if len(profs) == 0 {
		return first, "", nil
	}
	// NextPopulated looks at occurrences that fire after its argument: just before the first
	// one's fire time, so that it is the first candidate.
	o, _, err := schedule.NextPopulated(ctx, d.Catalog(), camp, cfg.Policy.DefaultTimezone, cfg.Predictor, profs, first.Fire.Add(-time.Nanosecond))
	if err != nil {
		return first, fmt.Sprintf("no occurrence from %s on has customers in it (%v): simulating %s", first.Key, err, first.Key), nil
	}
	if o.Key != first.Key {
		return o, fmt.Sprintf("the occurrences from %s to %s have no customers in them: simulating %s, the first that has", first.Key, o.Key, o.Key), nil
	}
	return o, "", nil
}

// someProfiles reads the first max profiles of the index (math.MaxInt: the whole base).
func someProfiles(ctx context.Context, store schedule.AudienceStore, pageSize, max int) ([]*customers.Profile, error) {
	var out []*customers.Profile
	after := ""
	for len(out) < max {
		ids, next, err := store.Page(ctx, after, min(pageSize, max-len(out)))
		if err != nil || len(ids) == 0 {
			return out, err
		}
		profs, err := store.GetMany(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range profs {
			if p != nil {
				out = append(out, p)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return out, nil
}

// Simulate runs an occurrence of a campaign the way the fan-out and the batches would, with
// the decision of each customer as of their send time, without writing anything. For a
// scheduled campaign the occurrence is the first whose time (for local ones, the wall-clock
// time) is at or after `at` and that has customers in it (nextPopulated); a triggered campaign is decided for every customer as if their
// latest matching event arrived at `at`.
func Simulate(ctx context.Context, d *delivery.Deliverer, store schedule.AudienceStore, campaignID string, at time.Time, pageSize int) (*Simulation, error) {
	cfg := d.Config()
	cat := d.Catalog()
	camp := cat.Set.Campaign(campaignID)
	if camp == nil {
		return nil, fmt.Errorf("simulate: no campaign %q", campaignID)
	}
	if pageSize <= 0 {
		pageSize = 1000
	}
	sim := &Simulation{Campaign: camp.ID, Occurrence: "triggered at " + at.UTC().Format(time.RFC3339), Skipped: map[string]int64{},
		Variants: map[string]int64{}, Channels: map[string]int64{}, Rewards: map[string]int64{}, WouldExceed: map[string]int64{}, Spend: map[string]float64{}, Hours: map[string]int64{}}
	var whole *schedule.Whole
	if !camp.Triggered() {
		o, note, err := nextPopulated(ctx, d, store, camp, at, pageSize)
		if err != nil {
			return nil, err
		}
		sim.Occurrence, sim.Note = o.Key, note
		if whole, err = schedule.NewWhole(cat, camp, o, cfg.Policy.DefaultTimezone, math.MaxInt64, cfg.Predictor); err != nil {
			return nil, err
		}
	}
	budgets, err := newCountdown(ctx, cfg.Rewards, camp)
	if err != nil {
		return nil, fmt.Errorf("simulate %s: %w", camp.ID, err)
	}
	left := budgets.left
	after := ""
	for {
		ids, next, err := store.Page(ctx, after, pageSize)
		if err != nil {
			return nil, fmt.Errorf("simulate %s: %w", camp.ID, err)
		}
		profs, err := store.GetMany(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("simulate %s: %w", camp.ID, err)
		}
		for _, prof := range profs {
			if prof == nil {
				continue
			}
			sim.Customers++
			sp := &tasks.SendPayload{Campaign: camp.ID, Customer: prof.ID}
			var in decide.Input
			if whole != nil {
				when, skip, why, err := whole.Explain(ctx, prof, at)
				if err != nil {
					return nil, err
				}
				if skip != "" {
					sim.Skipped[skip]++
					if skip == string(decide.SkipConditionFail) {
						sim.conds.add(why)
					}
					continue
				}
				sp.Occurrence, sp.Due = sim.Occurrence, when
				in = d.Input(cat, camp, sp, prof, left, when)
			} else {
				if err := delivery.FillPredictions(ctx, cfg.Predictor, prof, at); err != nil {
					return nil, err
				}
				ev, _ := latestEvent(camp.Trigger.Event, prof, at)
				sp.Occurrence, sp.Due = "simulate", at.Add(camp.Trigger.Delay.D())
				in = d.Input(cat, camp, sp, prof, left, at)
				in.Event = ev
			}
			if err := d.FillLearning(ctx, &in); err != nil {
				return nil, err
			}
			dec := decide.Decide(in)
			if !sim.add(dec) {
				continue
			}
			budgets.spend(dec.Reward)
			if budgets.exhausted() {
				// What this customer would have got with no budget run out: counted when it
				// is a reward whose budget did.
				in.RewardsLeft = nil
				if r := decide.Decide(in).Reward; r != nil && budgets.refuses(r.ID) && (dec.Reward == nil || dec.Reward.ID != r.ID) {
					sim.WouldExceed[r.ID]++
				}
			}
		}
		if next == "" || len(ids) == 0 {
			sim.ConditionErrors = sim.conds.sorted()
			return sim, nil
		}
		after = next
	}
}

// add counts a decision; it reports whether the message would go out.
func (s *Simulation) add(dec decide.Decision) bool {
	switch {
	case dec.Holdout && dec.Skip == decide.SkipHoldout:
		s.Holdout++
		return false
	case !dec.Eligible:
		s.Skipped[string(dec.Skip)]++
		if dec.Skip == decide.SkipConditionFail {
			s.conds.add(lastReason(dec))
		}
		return false
	}
	s.WouldSend++
	s.Variants[dec.Variant.ID]++
	s.Channels[dec.Channel]++
	s.Hours[dec.SendAt.UTC().Format("2006-01-02T15")]++
	if r := dec.Reward; r != nil {
		s.Rewards[r.ID]++
		unit, amount := spendOf(r)
		s.Spend[unit] += amount
	}
	return true
}

// spendOf prices one reward: points and fixed-amount coupons by their value, anything else
// counted once under its kind.
func spendOf(r *config.Reward) (string, float64) {
	switch r.Kind {
	case "points":
		n, _ := strconv.Atoi(strings.TrimSpace(r.Value))
		return "points", float64(n)
	case "coupon":
		c, err := config.ParseCoupon(r.Value)
		switch {
		case err != nil || c.Percent > 0:
			return "coupons_percent", 1
		case c.Currency == "":
			return "order_currency", c.Amount
		}
		return c.Currency, c.Amount
	}
	return r.Kind + "s", 1
}

// countdown is the simulation's copy of the remaining budgets: spent as decisions go, so that
// the decisions past a budget fall to the next reward as they would in the real run, where
// every grant spends. It starts from what the ledger has spent already.
type countdown struct {
	// left is the RewardsLeft of the decisions; false once a budget has no room.
	left map[string]bool
	// count and amount are the grants and value left per budgeted reward; -1: no limit.
	count  map[string]int
	amount map[string]float64
	value  map[string]float64 // the budget value of one grant (config.Reward.FaceValue)
	spent  bool               // some budget ran out
}

// spentReader is what a countdown reads of the reward ledger (rewards.Ledger).
type spentReader interface {
	Spent(ctx context.Context, campaign, reward string) (count int, amount float64, err error)
}

func newCountdown(ctx context.Context, ledger spentReader, camp *config.Campaign) (*countdown, error) {
	c := &countdown{left: map[string]bool{}, count: map[string]int{}, amount: map[string]float64{}, value: map[string]float64{}}
	for i := range camp.Rewards {
		r := &camp.Rewards[i]
		if r.Budget == nil || (r.Budget.Count == 0 && r.Budget.Amount == 0) {
			continue
		}
		n, amount, err := ledger.Spent(ctx, camp.ID, r.ID)
		if err != nil {
			return nil, err
		}
		value, _, _ := r.FaceValue() // what an amount budget counts (config.Reward.FaceValue); lint refuses one without a face value
		c.count[r.ID], c.amount[r.ID], c.value[r.ID] = -1, -1, value
		if r.Budget.Count > 0 {
			c.count[r.ID] = max(r.Budget.Count-n, 0)
		}
		if r.Budget.Amount > 0 {
			c.amount[r.ID] = max(r.Budget.Amount-amount, 0)
		}
		c.update(r.ID)
	}
	return c, nil
}

// update sets whether reward id has room for one more grant, as rewards.Ledger.Left does.
func (c *countdown) update(id string) {
	room := (c.count[id] < 0 || c.count[id] > 0) && (c.amount[id] < 0 || c.value[id] <= c.amount[id])
	c.left[id] = room
	if !room {
		c.spent = true
	}
}

// spend takes one grant of r from its budget.
func (c *countdown) spend(r *config.Reward) {
	if r == nil {
		return
	}
	if _, ok := c.left[r.ID]; !ok {
		return
	}
	if c.count[r.ID] > 0 {
		c.count[r.ID]--
	}
	if c.amount[r.ID] >= 0 {
		c.amount[r.ID] -= c.value[r.ID]
	}
	c.update(r.ID)
}

// exhausted reports whether some budget has run out.
func (c *countdown) exhausted() bool { return c.spent }

// refuses reports whether reward id's budget has no room.
func (c *countdown) refuses(id string) bool {
	room, ok := c.left[id]
	return ok && !room
}
