package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/rewards"
)

// Preview is what `rapport preview --json` prints: the decision and the rendered message for
// one customer, computed exactly as the worker would, without claiming, granting or sending.
type Preview struct {
	Campaign string         `json:"campaign"`
	Customer string         `json:"customer"`
	Eligible bool           `json:"eligible"`
	Skip     string         `json:"skip,omitempty"`
	Holdout  bool           `json:"holdout"`
	Variant  string         `json:"variant,omitempty"`
	Reward   *PreviewReward `json:"reward"`
	Channel  string         `json:"channel,omitempty"`
	SendAt   *time.Time     `json:"send_at"`
	Subject  string         `json:"subject,omitempty"`
	Text     string         `json:"text,omitempty"`
	HTML     string         `json:"html,omitempty"`
	Reasons  []string       `json:"reasons"`
}

// PreviewReward is the reward of a preview.
type PreviewReward struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Code  string `json:"code"`
	Text  string `json:"text"`
}

// Preview decides and renders campaign for customer as if the event arrived at `at` (triggered
// campaigns), or for the customer's next occurrence at or after `at` (scheduled campaigns). ev
// nil means the customer's latest order, rebuilt from the purchase summary (events themselves
// are not stored).
func (d *Deliverer) Preview(ctx context.Context, campaignID, customerID string, at time.Time, ev *decide.Event) (*Preview, error) {
	cat := d.Catalog.Load()
	camp := cat.Set.Campaign(campaignID)
	if camp == nil {
		return nil, fmt.Errorf("preview: no campaign %q", campaignID)
	}
	prof, err := d.Profiles.Get(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("preview %s for customer %s: %w", campaignID, customerID, err)
	}
	if err := fillPredictions(ctx, d.Predictor, prof, at); err != nil {
		return nil, fmt.Errorf("preview %s: %w", campaignID, err)
	}
	var reasons []string
	due := at
	if camp.Triggered() {
		if ev == nil {
			ev, reasons = latestEvent(camp.Trigger.Event, prof, at)
		}
		if ev.Timestamp.IsZero() {
			ev.Timestamp = at
		}
		if ev.ID == "" {
			ev.ID = "preview"
		}
		due = ev.Timestamp.Add(camp.Trigger.Delay.D())
	}
	occ := "preview"
	if !camp.Triggered() {
		// A scheduled campaign: this customer's next occurrence at or after `at`.
		key, when, skip, why := nextOccurrence(cat, camp, &prof.Customer, at, d.Policy.DefaultTimezone)
		reasons = append(reasons, why)
		if skip != "" {
			return &Preview{Campaign: camp.ID, Customer: customerID, Skip: skip, Reasons: reasons}, nil
		}
		occ, due = key, when
	}
	left, err := d.Rewards.Left(ctx, camp)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		occ = ev.ID
	}
	in := decide.Input{Campaign: camp, Customer: &prof.Customer, Event: ev, Occurrence: occ, Due: due, Now: at,
		Policy: d.Policy, Segment: cat.Segment(camp), RewardsLeft: left}
	dec := decide.Decide(in)
	out := &Preview{Campaign: camp.ID, Customer: customerID, Eligible: dec.Eligible, Skip: string(dec.Skip),
		Holdout: dec.Holdout, Channel: dec.Channel, Reasons: append(reasons, dec.Reasons...)}
	if dec.Variant == nil || dec.Channel == "" {
		return out, nil
	}
	out.Variant = dec.Variant.ID
	sendAt := dec.SendAt.UTC()
	out.SendAt = &sendAt
	var grant *rewards.Grant
	if r := dec.Reward; r != nil {
		grant = &rewards.Grant{ID: r.ID, Kind: r.Kind, Value: r.Value, Text: r.Text}
		if r.Kind == "coupon" {
			grant.Code = d.Rewards.Code(camp.ID, r.ID, customerID, occ)
		}
		if r.Expires > 0 {
			grant.ExpiresAt = sendAt.Add(r.Expires.D())
		}
		out.Reward = &PreviewReward{ID: r.ID, Kind: r.Kind, Value: r.Value, Code: grant.Code, Text: r.Text}
	}
	msg, err := cat.Templates.Render(dec.Variant, dec.Channel, dec.Locale, dec.Location, d.templateData(in, dec, grant))
	if err != nil {
		return nil, fmt.Errorf("preview %s for customer %s: %w", campaignID, customerID, err)
	}
	out.Subject, out.Text, out.HTML = msg.Subject, msg.Text, msg.HTML
	if dec.Channel == "sms" {
		out.Text = msg.SMS
	}
	return out, nil
}

// latestEvent rebuilds the customer's latest order as an "Order Completed" event.
func latestEvent(name string, p *customers.Profile, at time.Time) (*decide.Event, []string) {
	s := p.Customer.Summary
	if name == "Order Completed" && s.Orders > 0 {
		props := map[string]any{"total": s.LastOrderTotal, "revenue": s.LastOrderTotal}
		if s.Currency != "" {
			props["currency"] = s.Currency
		}
		if s.LastCoupon != "" {
			props["coupon"] = s.LastCoupon
		}
		return &decide.Event{ID: "preview", Name: name, Properties: props, Timestamp: at},
			[]string{fmt.Sprintf("no --event given: using the customer's latest order (total %.2f)", s.LastOrderTotal)}
	}
	return &decide.Event{ID: "preview", Name: name, Properties: map[string]any{}, Timestamp: at},
		[]string{"no --event given and no matching event on the profile: deciding on an empty event"}
}
