package delivery

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/results"
)

// resultsBatch gathers the campaign counters and touches (results) of several deliveries, so
// that a page of DeliverMany writes them in one Results.Record (two round trips) rather than
// one per customer: at a 50% holdout a page of 1,000 would otherwise cost 500 more.
type resultsBatch struct {
	mu      sync.Mutex
	events  []results.Event
	touches []results.Touch
	// decisions feed each campaign's recent-decisions list (the console's sample), written
	// in the same pipeline as the counters.
	decisions []results.Decision
}

func (b *resultsBatch) add(events []results.Event, touches []results.Touch, ds ...results.Decision) {
	b.mu.Lock()
	b.events = append(b.events, events...)
	b.touches = append(b.touches, touches...)
	b.decisions = append(b.decisions, ds...)
	b.mu.Unlock()
}

// writeResults writes a batch. Counters are measurements, not state a send depends on: a
// failure is logged and never makes a task retry (a retry would find the delivery recorded
// and count nothing anyway).
func (d *Deliverer) writeResults(ctx context.Context, b *resultsBatch) {
	if d.cfg.Results == nil || b == nil || (len(b.events) == 0 && len(b.touches) == 0) {
		return
	}
	if err := d.cfg.Results.RecordDecisions(ctx, b.events, b.touches, b.decisions); err != nil {
		d.cfg.Log.Error("count campaign results", zap.Error(err))
	}
}

// countNotSent counts a decision that sent nothing, once (the caller counts only when its
// record was written, so a retried task counts nothing more): eligible and held with a touch
// at the moment the customer would have been sent for the control group, eligible and skipped
// for a customer of the audience who got nothing for another reason, nothing for a customer
// outside the audience. into, when set, gathers instead of writing.
func (d *Deliverer) countNotSent(ctx context.Context, into *resultsBatch, camp *config.Campaign, p *tasks.SendPayload, dec decide.Decision, at time.Time) {
	if d.cfg.Results == nil {
		return
	}
	switch dec.Skip {
	case decide.SkipWhere, decide.SkipAudience, decide.SkipSegment, decide.SkipRepeat, decide.SkipInvalidInput:
		return
	}
	arm := results.Treatment
	if dec.Holdout {
		arm = results.Holdout
	}
	variant := ""
	if dec.Variant != nil {
		variant = dec.Variant.ID
	}
	ev := results.Event{Campaign: camp.ID, Variant: variant, Channel: dec.Channel, Arm: arm, At: at}
	eligible, what := ev, ev
	eligible.Metric, what.Metric = results.Eligible, results.Skipped
	var touches []results.Touch
	if dec.Holdout && dec.Skip == decide.SkipHoldout {
		what.Metric = results.Held
		when := dec.SendAt
		if when.IsZero() {
			when = at
		}
		g := camp.GoalOf()
		touches = append(touches, results.Touch{Customer: p.Customer, Campaign: camp.ID, Variant: variant, Channel: dec.Channel,
			Arm: results.Holdout, At: when, Goal: g.Event, Within: g.Within.D()})
	}
	b := into
	if b == nil {
		b = &resultsBatch{}
	}
	state := StateSkipped
	if dec.Holdout {
		state = StateHoldout
	}
	b.add([]results.Event{eligible, what}, touches, results.Decision{Campaign: camp.ID, At: at, Customer: p.Customer,
		State: string(state), Variant: variant, Channel: dec.Channel, Reasons: dec.Reasons})
	if into == nil {
		d.writeResults(ctx, b)
	}
}

// countSent counts the sends of a group the recorder wrote (errs[i] nil), in one Record.
func (d *Deliverer) countSent(ctx context.Context, group []*sentRecord, errs []error) {
	if d.cfg.Results == nil {
		return
	}
	b := &resultsBatch{}
	for i, r := range group {
		if errs != nil && errs[i] != nil {
			continue
		}
		s := r.send
		ev := results.Event{Campaign: s.Campaign, Variant: s.Variant, Channel: s.Channel, Arm: results.Treatment, At: s.At}
		eligible, sent := ev, ev
		eligible.Metric, sent.Metric = results.Eligible, results.Sent
		b.events = append(b.events, eligible, sent)
		// The reasons travel in the encoded record only; decoding it costs far less than the
		// round trip this batch already makes.
		var reasons []string
		if rec, err := DecodeRecord(r.value); err == nil {
			reasons = rec.Reasons
		}
		b.decisions = append(b.decisions, results.Decision{Campaign: s.Campaign, At: s.At, Customer: r.customer,
			State: string(StateSent), Variant: s.Variant, Channel: s.Channel, Reasons: reasons})
		b.touches = append(b.touches, results.Touch{Customer: r.customer, Campaign: s.Campaign, Variant: s.Variant, Channel: s.Channel,
			Arm: results.Treatment, At: s.At, Goal: r.goal.Event, Within: r.goal.Within.D()})
	}
	d.writeResults(ctx, b)
}
