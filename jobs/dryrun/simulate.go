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
	// budget (its own or the campaign's budget: across its rewards) not run out during the
	// run: their decisions fell to the next reward (or none).
	WouldExceed map[string]int64 `json:"would_exceed"`
	// Spend is the reward spend of the messages that would go out, per unit: "points",
	// a currency ("EUR"), "coupons_percent" (coupons worth a share of an order: counted, not
	// priced), "perks".
	Spend map[string]float64 `json:"reward_spend"`
	// Hours counts send times by UTC hour, "2027-03-21T10"; LocalHours by the hour of the
	// day in each customer's own time zone, "19", where send_time: optimize shows its choices.
	Hours      map[string]int64 `json:"hours_utc"`
	LocalHours map[string]int64 `json:"hours_local"`
	// ChannelCost is what the messages that would go out cost per channel, in the unit of
	// email.cost_per_message and sms.cost_per_segment; an SMS costs its segments
	// (decide.SMSSegments of its rendered text), which SMSSegments adds up.
	ChannelCost map[string]float64 `json:"channel_cost"`
	SMSSegments int64              `json:"sms_segments"`
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
		Variants: map[string]int64{}, Channels: map[string]int64{}, Rewards: map[string]int64{}, WouldExceed: map[string]int64{}, Spend: map[string]float64{}, Hours: map[string]int64{},
		LocalHours: map[string]int64{}, ChannelCost: map[string]float64{}}
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
	r := &run{d: d, cat: cat, camp: camp, store: store, whole: whole, at: at, pageSize: pageSize, sim: sim, budgets: budgets}
	if err := r.all(ctx); err != nil {
		return nil, fmt.Errorf("simulate %s: %w", camp.ID, err)
	}
	sim.ConditionErrors = sim.conds.sorted()
	return sim, nil
}

// add counts a decision, and the SMS segments of its message when it goes out by SMS; it
// reports whether the message would go out.
func (s *Simulation) add(dec decide.Decision, segments int, policy decide.Policy) bool {
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
	loc := dec.Location
	if loc == nil {
		loc = time.UTC
	}
	s.LocalHours[localHours[dec.SendAt.In(loc).Hour()]]++
	switch dec.Channel {
	case decide.ChannelSMS:
		s.SMSSegments += int64(segments)
		s.ChannelCost[dec.Channel] += float64(segments) * policy.SMSCostPerSegment
	case decide.ChannelEmail:
		s.ChannelCost[dec.Channel] += policy.EmailCostPerMessage
	}
	if r := dec.Reward; r != nil {
		s.Rewards[r.ID]++
		unit, amount := spendOf(r)
		s.Spend[unit] += amount
	}
	return true
}

// localHours are the keys of Simulation.LocalHours, built once: "00" to "23".
var localHours = func() (h [24]string) {
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return h
}()

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
