// Package dryrun shows what Rapport would do without doing it, on the same decision and
// delivery code as the worker: preview (one customer, one campaign), simulate (one occurrence
// over the whole audience) and the demo's player (one occurrence played now, through the real
// handlers, with its clock set to the occurrence's date).
package dryrun

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// Previewed is what `rapport preview --json` prints: the decision and the rendered message for
// one customer, computed exactly as the worker would, without claiming, granting or sending.
type Previewed struct {
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
func Preview(ctx context.Context, d *delivery.Deliverer, campaignID, customerID string, at time.Time, ev *decide.Event) (*Previewed, error) {
	cfg := d.Config()
	cat := d.Catalog()
	camp := cat.Set.Campaign(campaignID)
	if camp == nil {
		return nil, fmt.Errorf("preview: no campaign %q", campaignID)
	}
	prof, err := cfg.Profiles.Get(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("preview %s for customer %s: %w", campaignID, customerID, err)
	}
	if err := delivery.FillPredictions(ctx, cfg.Predictor, prof, at); err != nil {
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
		key, when, skip, why := schedule.NextOccurrence(cat, camp, &prof.Customer, at, cfg.Policy.DefaultTimezone)
		reasons = append(reasons, why)
		if skip != "" {
			return &Previewed{Campaign: camp.ID, Customer: customerID, Skip: skip, Reasons: reasons}, nil
		}
		occ, due = key, when
	}
	left, err := cfg.Rewards.Left(ctx, camp)
	if err != nil {
		return nil, err
	}
	if ev != nil {
		occ = ev.ID
	}
	in := d.Input(cat, camp, &tasks.SendPayload{Campaign: camp.ID, Customer: customerID, Occurrence: occ, Due: due}, prof, left, at)
	in.Event = ev
	dec := decide.Decide(in)
	out := &Previewed{Campaign: camp.ID, Customer: customerID, Eligible: dec.Eligible, Skip: string(dec.Skip),
		Holdout: dec.Holdout, Channel: dec.Channel, Reasons: append(reasons, dec.Reasons...)}
	if dec.Variant == nil || dec.Channel == "" {
		return out, nil
	}
	out.Variant = dec.Variant.ID
	sendAt := dec.SendAt.UTC()
	out.SendAt = &sendAt
	data := d.TemplateData(in, dec, nil)
	if r := dec.Reward; r != nil {
		grant := d.PreviewGrant(camp.ID, r, customerID, occ, sendAt)
		out.Reward = &PreviewReward{ID: r.ID, Kind: r.Kind, Value: r.Value, Code: grant.Code, Text: r.Text}
		data = d.TemplateData(in, dec, grant)
	}
	msg, err := cat.Templates.Render(dec.Variant, dec.Channel, dec.Locale, dec.Location, data)
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
