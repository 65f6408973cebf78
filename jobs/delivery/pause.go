package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// Pauses tells whether a campaign is paused (campaignstate.Store). Paused is called before
// every send and every page of a batch, so it must answer without a round trip most of the
// time: campaignstate.Store answers from a per-process snapshot renewed once a second.
// It answers with plain values rather than campaignstate's type so that delivery, on the
// path of every send, does not depend on the package that serves the switch.
type Pauses interface {
	PausedBy(ctx context.Context, campaign string) (by string, at time.Time, paused bool, err error)
}

// Pause is a campaign's emergency stop: who pulled it and when.
type Pause struct {
	By string
	At time.Time
}

// Reason is the text a skipped send carries: "campaign paused by NAME at TIME".
func (p Pause) Reason() string {
	return "campaign paused by " + p.By + " at " + p.At.UTC().Format(time.RFC3339)
}

// SkipPaused is the skip reason of a send whose campaign was paused when it came due. It is
// delivery's, not decide's: it says nothing about the customer, who is neither decided for nor
// claimed. The send is not deferred: a marketer who pulls the emergency stop expects what was
// pending not to go out when the campaign is resumed (the record's reason says who paused it
// and when).
const SkipPaused decide.SkipReason = "paused"

// pauseOf returns the pause in force on campaign, nil when it runs or Pauses is not set.
func (d *Deliverer) pauseOf(ctx context.Context, campaign string) (*Pause, error) {
	return PauseOf(ctx, d.cfg.Pauses, campaign)
}

// PauseOf asks ps whether campaign is paused: nil when it runs or ps is nil.
func PauseOf(ctx context.Context, ps Pauses, campaign string) (*Pause, error) {
	if ps == nil {
		return nil, nil
	}
	by, at, paused, err := ps.PausedBy(ctx, campaign)
	if err != nil {
		return nil, fmt.Errorf("pause state of %s: %w", campaign, err)
	}
	if !paused {
		return nil, nil
	}
	return &Pause{By: by, At: at}, nil
}

// skipIfPaused records the send as skipped when camp is paused: stop is true when the caller
// must stop there with (out, err).
func (d *Deliverer) skipIfPaused(ctx context.Context, camp *config.Campaign, p *tasks.SendPayload) (out Outcome, stop bool, err error) {
	pause, err := d.pauseOf(ctx, camp.ID)
	if err != nil || pause == nil {
		return Outcome{}, err != nil, err
	}
	out, err = d.recordNotSent(ctx, camp, p, decide.Decision{Skip: SkipPaused, Reasons: []string{pause.Reason()}}, nil)
	return out, true, err
}

// skipPaused records the customers of a batch as skipped because camp is paused, in one
// pipeline: a paused blast skips its pages at the cost of a round trip each. Each record is
// written only where the occurrence has none (SET NX GET): a customer an interrupted attempt
// already sent to keeps that record, and is reported as a duplicate of it.
func (d *Deliverer) skipPaused(ctx context.Context, camp *config.Campaign, p *tasks.BatchPayload, ids []string, pause *Pause) ([]Delivered, error) {
	rec := Record{State: StateSkipped, Reason: string(SkipPaused), Reasons: []string{pause.Reason()}, At: d.cfg.Now()}
	val, ttl := rec.Encode(), recordTTL(camp)
	pipe := d.cfg.Claims.rdb.Pipeline()
	cmds := make([]*redis.StatusCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.SetArgs(ctx, deliveryKey(id, camp.ID, p.Occurrence), val, redis.SetArgs{Mode: "NX", Get: true, TTL: ttl})
	}
	_, _ = pipe.Exec(ctx) // each command's answer is read below: redis.Nil means "written"
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("record skips of paused %s %s: %w", camp.ID, p.Occurrence, err)
		}
	}
	out := make([]Delivered, len(ids))
	skipped := 0
	for i, id := range ids {
		o := Outcome{State: StateSkipped, Reason: string(SkipPaused), Reasons: rec.Reasons}
		if prior, err := cmds[i].Result(); err == nil {
			r, _ := DecodeRecord(prior)
			o = Outcome{State: StateDuplicate, Reason: string(r.State), Prior: r}
		} else {
			skipped++
		}
		out[i] = Delivered{Customer: id, Outcome: o}
		sp := &tasks.SendPayload{Campaign: camp.ID, Customer: id, Occurrence: p.Occurrence, Due: p.Due}
		d.cfg.Signals.done(sp, o, nil)
		if d.cfg.Observe != nil {
			d.cfg.Observe(sp, o)
		}
	}
	skipsTotal.WithLabelValues(camp.ID, string(SkipPaused)).Add(float64(skipped))
	return out, nil
}
