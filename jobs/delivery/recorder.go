package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
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
	// until is when the claim's lease ends: the record is retried until then.
	until time.Time
	// goal is the campaign's, for the touch that conversions are attributed to.
	goal config.Goal
	done chan struct{}
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
// written. The message is out, so nothing may make its task retry: a record that cannot be
// written because Redis is unreachable (a network error, a restarting Redis) is written again,
// with backoff, until Redis answers or the claim's lease ends (retryRecords); other failures,
// and one still failing at the lease's end, are logged. A record never written leaves its
// sending claim, which the next taker settles as unknown: never sent twice. The handler
// waits here, so a shutdown (asynq waits for handlers up to its ShutdownTimeout) flushes
// every record of the messages already out.
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
	errs := many.RecordSends(ctx, sends)
	sr.retryRecords(ctx, group, errs, func(idx []int) []error {
		again := make([]customers.SendOf, len(idx))
		for k, i := range idx {
			again[k] = sends[i]
		}
		return many.RecordSends(ctx, again)
	})
	d.countSent(ctx, group, errs)
	for i, err := range errs {
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
	errs := d.cfg.Claims.FinishMany(ctx, keys, tokens, values, ttls)
	sr.retryRecords(ctx, group, errs, func(idx []int) []error {
		out := make([]error, len(idx))
		for k, i := range idx {
			out[k] = d.cfg.Claims.finish(ctx, keys[i], tokens[i], values[i], ttls[i])
		}
		return out
	})
	for _, err := range errs {
		if err != nil {
			d.cfg.Log.Error("record delivery", zap.Error(err))
		}
	}
	d.countSent(ctx, group, errs)
	for _, r := range group {
		if err := d.cfg.Profiles.RecordSend(ctx, r.customer, r.send); err != nil {
			d.cfg.Log.Error("record send on customer", zap.Error(err))
		}
	}
}

// Bounds of the retries of a record (retryRecords): the first wait, doubled up to the last.
const (
	recordRetryFirst = 50 * time.Millisecond
	recordRetryMax   = time.Second
)

// retryRecords writes again, with again(indices), the records of group whose errs are
// transient (Redis unreachable), until each is written or its claim's lease ends; errs is
// updated in place. Writing a record twice is harmless: the outcome's compare-and-set fails
// on a record already written (ErrKeyChanged, taken here as written by the first attempt),
// and recording the same send on the profile twice replaces it.
func (sr *sendRecorder) retryRecords(ctx context.Context, group []*sentRecord, errs []error, again func([]int) []error) {
	wait := recordRetryFirst
	for first := true; ; first = false {
		var idx []int
		for i, err := range errs {
			if !first && errors.Is(err, customers.ErrKeyChanged) {
				errs[i] = nil // our earlier attempt wrote it, its answer was lost
				continue
			}
			if err != nil && transient(err) && sr.d.cfg.Claims.now().Before(group[i].until) {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return
		}
		sr.d.cfg.Log.Warn("recording sent messages failed; retrying until Redis answers",
			zap.Int("records", len(idx)), zap.Duration("in", wait), zap.Error(errs[idx[0]]))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		wait = min(2*wait, recordRetryMax)
		for k, err := range again(idx) {
			errs[idx[k]] = err
		}
	}
}

// transient reports whether err may be Redis being unreachable for a while: a network error,
// a closed or timed-out connection pool, or a server still loading its data after a restart.
// A reply of the server (a script error, a refused key) is not.
func transient(err error) bool {
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return redis.HasErrorPrefix(err, "LOADING") || redis.HasErrorPrefix(err, "NOSCRIPT") ||
		redis.HasErrorPrefix(err, "TRYAGAIN") || redis.HasErrorPrefix(err, "CLUSTERDOWN") ||
		redis.HasErrorPrefix(err, "MASTERDOWN") || redis.HasErrorPrefix(err, "READONLY")
}
