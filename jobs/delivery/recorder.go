package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
)

// sendsRecorder is what a sendRecorder needs of the customer store beyond Profiles:
// customers.Store records a group of sends in two pipelined round trips, each send's delivery
// outcome (SendOf.Outcome) written over its claim in the same Lua call as the send. The store
// must be on the Redis of the Claims: the claim and the profile share the customer's hash tag.
type sendsRecorder interface {
	RecordSends(ctx context.Context, sends []customers.SendOf) []error
}

// sentRecord is one message that went out, waiting to be written down.
type sentRecord struct {
	key, token, value string
	ttl               time.Duration
	customer          string
	send              decide.Send
	read              *customers.Profile
	done              chan struct{}
}

// sendRecorder writes down sends by group commit: a sender whose message went out hands its
// record over; if no other sender is writing, it writes every record handed over until then
// (each delivery outcome and profile send in one Lua call, all in one pipeline), then the
// records that arrived meanwhile, until none is left; otherwise it waits until its record is
// written. A Deliverer shares one between all its sends in flight, so a round trip
// carries the records of every send that finished while the previous one was on the wire,
// and a record is still written as soon as its message is out, not at the end of a chunk: a
// crash leaves no more messages unrecorded than one at a time did.
type sendRecorder struct {
	d        *Deliverer
	mu       sync.Mutex
	pending  []*sentRecord
	flushing bool
}

// record writes r down, alone or with the records of other senders, and returns when it is
// written. Failures are logged: the messages are out, so nothing may make them retry.
func (sr *sendRecorder) record(ctx context.Context, r *sentRecord) {
	r.done = make(chan struct{})
	sr.mu.Lock()
	sr.pending = append(sr.pending, r)
	if sr.flushing {
		sr.mu.Unlock()
		<-r.done
		return
	}
	sr.flushing = true
	for len(sr.pending) > 0 {
		group := sr.pending
		sr.pending = nil
		sr.mu.Unlock()
		sr.flush(ctx, group)
		for _, g := range group {
			close(g.done)
		}
		sr.mu.Lock()
	}
	sr.flushing = false
	sr.mu.Unlock()
}

// flush writes a group: each outcome over its claim together with the send on the profile.
func (sr *sendRecorder) flush(ctx context.Context, group []*sentRecord) {
	d := sr.d
	many, ok := d.cfg.Profiles.(sendsRecorder)
	if !ok {
		sr.flushApart(ctx, group)
		return
	}
	sends := make([]customers.SendOf, len(group))
	for i, r := range group {
		sends[i] = customers.SendOf{ID: r.customer, Send: r.send, Read: r.read, Outcome: &customers.KeyWrite{
			Key: r.key, Expect: claimValue(r.token), Value: r.value, TTL: r.ttl}}
	}
	for i, err := range many.RecordSends(ctx, sends) {
		switch {
		case errors.Is(err, customers.ErrKeyChanged):
			// The claim expired and another worker took it (or wrote its outcome): the
			// message may have gone out twice. The send is on the profile all the same.
			d.cfg.Log.Error("record delivery", zap.Error(fmt.Errorf("record outcome %s: claim lost to another worker: %w", group[i].key, err)))
		case err != nil:
			d.cfg.Log.Error("record send on customer", zap.Error(err))
		}
	}
}

// flushApart writes a group on a customer store that cannot write the outcomes with the sends:
// the outcomes over their claims in one pipeline, then the sends one by one.
func (sr *sendRecorder) flushApart(ctx context.Context, group []*sentRecord) {
	d := sr.d
	keys := make([]string, len(group))
	tokens := make([]string, len(group))
	values := make([]string, len(group))
	ttls := make([]time.Duration, len(group))
	for i, r := range group {
		keys[i], tokens[i], values[i], ttls[i] = r.key, r.token, r.value, r.ttl
	}
	for _, err := range d.cfg.Claims.FinishMany(ctx, keys, tokens, values, ttls) {
		if err != nil {
			d.cfg.Log.Error("record delivery", zap.Error(err))
		}
	}
	for _, r := range group {
		if err := d.cfg.Profiles.RecordSend(ctx, r.customer, r.send); err != nil {
			d.cfg.Log.Error("record send on customer", zap.Error(err))
		}
	}
}
