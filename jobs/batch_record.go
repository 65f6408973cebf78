package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
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
// written. A Batcher shares one between all its batches (Batcher.recorder), so a round trip
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
	many, ok := d.Profiles.(sendsRecorder)
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
			d.Log.Error("record delivery", zap.Error(fmt.Errorf("record outcome %s: claim lost to another worker: %w", group[i].key, err)))
		case err != nil:
			d.Log.Error("record send on customer", zap.Error(err))
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
	for _, err := range d.Claims.FinishMany(ctx, keys, tokens, values, ttls) {
		if err != nil {
			d.Log.Error("record delivery", zap.Error(err))
		}
	}
	for _, r := range group {
		if err := d.Profiles.RecordSend(ctx, r.customer, r.send); err != nil {
			d.Log.Error("record send on customer", zap.Error(err))
		}
	}
}

// TakeMany is Take for many claims in one pipelined round trip (the keys may be in different
// Cluster slots: go-redis splits the pipeline by slot). It returns, per key, what Take would.
func (c *Claims) TakeMany(ctx context.Context, keys, tokens []string) (oks []bool, priors []string, errs []error) {
	oks, priors, errs = make([]bool, len(keys)), make([]string, len(keys)), make([]error, len(keys))
	if len(keys) == 0 {
		return
	}
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.StatusCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.SetArgs(ctx, k, claimValue(tokens[i]), takeArgs)
	}
	_, _ = pipe.Exec(ctx) // every command's answer is looked at below
	for i, cmd := range cmds {
		prior, err := cmd.Result()
		if err != nil && !isRedisError(err) {
			// A broken connection: nothing or the claim itself was written; Take is
			// idempotent for our token.
			oks[i], priors[i], errs[i] = c.Take(ctx, keys[i], tokens[i])
			continue
		}
		oks[i], priors[i], errs[i] = c.taken(ctx, keys[i], tokens[i], prior, err)
	}
	return
}

// FinishMany is Finish for many claims in one pipelined round trip; one error per key.
func (c *Claims) FinishMany(ctx context.Context, keys, tokens, values []string, ttls []time.Duration) []error {
	errs := make([]error, len(keys))
	if len(keys) == 0 {
		return errs
	}
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.EvalSha(ctx, finishScript.Hash(), []string{k}, tokens[i], values[i], ttls[i].Milliseconds())
	}
	_, _ = pipe.Exec(ctx)
	for i, cmd := range cmds {
		n, err := cmd.Int()
		switch {
		case err != nil && (redis.HasErrorPrefix(err, "NOSCRIPT") || !isRedisError(err)):
			errs[i] = c.Finish(ctx, keys[i], tokens[i], values[i], ttls[i])
		case err != nil:
			errs[i] = fmt.Errorf("record outcome %s: %w", keys[i], err)
		case n == 0:
			errs[i] = fmt.Errorf("record outcome %s: claim lost to another worker", keys[i])
		}
	}
	return errs
}

// isRedisError reports whether err is an error reply of the server (rather than a network
// failure, after which the command may not have run).
func isRedisError(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}
