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
	var (
		prof    *customers.Profile
		reasons []string
		err     error
	)
	if camp.Triggered() && ev != nil {
		// The send reads the profile after the event was applied to it (ingest applies, then
		// enqueues): preview decides on a copy with the event applied, or its order would be
		// counted once less than in the message that goes out.
		prof, ev, reasons, err = withEvent(ctx, cfg.Profiles, customerID, ev, at)
	} else {
		prof, err = cfg.Profiles.Get(ctx, customerID)
	}
	if err != nil {
		return nil, fmt.Errorf("preview %s for customer %s: %w", campaignID, customerID, err)
	}
	if err := delivery.FillPredictions(ctx, cfg.Predictor, prof, at); err != nil {
		return nil, fmt.Errorf("preview %s: %w", campaignID, err)
	}
	due := at
	if camp.Triggered() {
		if ev == nil {
			ev, reasons = latestEvent(camp.Trigger.Event, prof, at)
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
		occ = customers.OccurrenceOf(ev.Name, ev.ID, ev.Properties) // as jobs/trigger keys the send
	}
	in := d.Input(cat, camp, &tasks.SendPayload{Campaign: camp.ID, Customer: customerID, Occurrence: occ, Due: due}, prof, left, at)
	in.Event = ev
	if err := d.FillLearning(ctx, &in); err != nil {
		return nil, err
	}
	dec := decide.Decide(in)
	out := &Previewed{Campaign: camp.ID, Customer: customerID, Eligible: dec.Eligible, Skip: string(dec.Skip),
		Holdout: dec.Holdout, Channel: dec.Channel, Reasons: append(reasons, dec.Reasons...)}
	if dec.Variant == nil || dec.Channel == "" {
		return out, nil
	}
	out.Variant = dec.Variant.ID
	sendAt := dec.SendAt.UTC()
	out.SendAt = &sendAt
	// The message is rendered when it is sent: a delayed or deferred send sees its send time
	// as {{.Now}}, and so does its preview.
	in.Now = sendAt
	data := d.TemplateData(in, dec, nil)
	if r := dec.Reward; r != nil {
		grant := d.PreviewGrant(camp.ID, r, customerID, occ, sendAt)
		out.Reward = &PreviewReward{ID: r.ID, Kind: r.Kind, Value: r.Value, Code: grant.Code, Text: r.Text}
		data = d.TemplateData(in, dec, grant)
	}
	// The balance as the send reads it (before this message's own reward), so that a
	// template showing {{.Customer.Points}} previews what it will send.
	pts, err := d.Config().Rewards.Points(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("preview %s for customer %s: %w", campaignID, customerID, err)
	}
	data.Customer.Points = pts.Balance
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

// EventApplier is the customer store as preview needs it for an event given on the command
// line: the profile as the send will read it, the event applied (customers.Store.WhatIf).
type EventApplier interface {
	WhatIf(ctx context.Context, ev customers.Event) (customers.Result, error)
}

// previewMessageID stands for the messageId of an event given without one.
const previewMessageID = "preview"

// withEvent returns the customer's profile with ev applied in memory, and ev as the worker
// will see it (validated, an order's total filled in), with what preview should say about it.
func withEvent(ctx context.Context, store delivery.Profiles, customerID string, ev *decide.Event, at time.Time) (*customers.Profile, *decide.Event, []string, error) {
	ap, ok := store.(EventApplier)
	if !ok {
		return nil, nil, nil, fmt.Errorf("the customer store cannot apply an event in memory (%T has no WhatIf)", store)
	}
	var reasons []string
	e := *ev
	if e.Timestamp.IsZero() {
		e.Timestamp = at
	}
	if e.ID == "" {
		// The API gives an event without messageId a random one, which the coupon code of a
		// triggered send is derived from: preview cannot know it, and says so.
		e.ID = previewMessageID
		reasons = append(reasons, "the event has no messageId: the API will give it a random one, so a coupon code sent for it differs from the one shown; give messageId to see the code it will carry")
	}
	res, err := ap.WhatIf(ctx, customers.Event{Type: customers.TypeTrack, MessageID: e.ID, UserID: customerID,
		Event: e.Name, Properties: e.Properties, Timestamp: e.Timestamp, ReceivedAt: at})
	if err != nil {
		return nil, nil, nil, err
	}
	e.Properties, e.Timestamp = res.Event.Properties, res.Event.Timestamp
	if res.Duplicate {
		reasons = append(reasons, "the event was applied before (same messageId or order_id): deciding on the profile as stored")
	} else {
		reasons = append(reasons, "the event is applied to a copy of the profile, as the send will see it")
	}
	return res.Profile, &e, reasons, nil
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
