package delivery

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// sendTimeout bounds the sends of one DeliverMany once the task is cancelled; below
// claimLease, so a claim never expires under a send still running.
const sendTimeout = 90 * time.Second

// Delivered is one customer's result in DeliverMany.
type Delivered struct {
	Customer string
	// Profile is the customer as read before deciding; nil when the customer was deleted.
	Profile *customers.Profile
	Outcome Outcome
}

// DeliverMany delivers one occurrence of a campaign to a page of customers due at one
// instant: it reads their profiles and the reward budgets in one round trip each, decides for
// everybody, then claims Parallel customers in one pipeline and sends to them, chunk after
// chunk. Each outcome is recorded as its message goes out (group commit, shared with every send
// in flight). It returns the outcome of every customer it finished with, in no order.
//
// Any error (a temporary provider failure, a claim held by a handler still sending,
// cancellation) is returned with the outcomes finished before it: the caller retries the
// page, and customers already done find their claim (StateDuplicate) or their send on the
// profile. Sends under way when ctx is cancelled finish and are recorded; none starts after.
func (d *Deliverer) DeliverMany(ctx context.Context, p *tasks.BatchPayload) ([]Delivered, error) {
	cat := d.Catalog()
	camp := cat.Set.Campaign(p.Campaign)
	if camp == nil {
		out := make([]Delivered, len(p.IDs))
		for i, id := range p.IDs {
			out[i] = Delivered{Customer: id, Outcome: Outcome{State: StateSkipped, Reason: "campaign_removed"}}
		}
		return out, nil
	}
	if pause, err := d.pauseOf(ctx, camp.ID); err != nil || pause != nil {
		if err != nil {
			return nil, err
		}
		return d.skipPaused(ctx, camp, p, p.IDs, pause)
	}
	left, err := d.cfg.Rewards.Left(ctx, camp)
	if err != nil {
		return nil, err
	}
	profs, err := d.cfg.Profiles.GetMany(ctx, p.IDs)
	if err != nil {
		return nil, fmt.Errorf("deliver %s %s: %w", p.Campaign, p.Occurrence, err)
	}
	var (
		mu    sync.Mutex
		first error
		done  = make([]Delivered, 0, len(p.IDs))
	)
	// Sends in flight are not cancelled with the task: a message whose SMTP DATA is on the
	// wire when asynq cancels the handler (shutdown) may be accepted by the server anyway,
	// and a cancelled send releases its claim, so the retry would send it a second time.
	// Cancelling stops new sends; those under way finish and record their outcome.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	finish := func(sp *tasks.SendPayload, prof *customers.Profile, out Outcome, err error) {
		mu.Lock()
		defer mu.Unlock()
		d.cfg.Signals.done(sp, out, err)
		if err != nil {
			first = cmp.Or(first, err)
			return
		}
		done = append(done, Delivered{Customer: sp.Customer, Profile: prof, Outcome: out})
		if d.cfg.Observe != nil {
			d.cfg.Observe(sp, out)
		}
	}
	// Decide for everybody, then take the claims of those to send to in one pipeline: the
	// claim is still taken before the message goes out, but costs a round trip per page
	// rather than per customer.
	type todo struct {
		sp   *tasks.SendPayload
		prof *customers.Profile
		c    *claimable
	}
	var sends []todo
	counts := &resultsBatch{}
	for i, prof := range profs {
		if ctx.Err() != nil {
			first = cmp.Or(first, ctx.Err())
			break
		}
		if prof == nil {
			done = append(done, Delivered{Customer: p.IDs[i], Outcome: Outcome{State: StateSkipped, Reason: "customer_deleted"}})
			continue
		}
		sp := &tasks.SendPayload{Campaign: p.Campaign, Customer: p.IDs[i], Occurrence: p.Occurrence, Due: p.Due}
		c, out, err := d.prepare(sendCtx, cat, camp, sp, prof, left, counts)
		if c == nil {
			finish(sp, prof, out, err)
			continue
		}
		sends = append(sends, todo{sp: sp, prof: prof, c: c})
	}
	d.writeResults(sendCtx, counts)
	// The claims are taken a chunk of Parallel customers at a time, each chunk in one
	// pipeline, and the chunk is sent before the next is claimed: a claim taken to send means
	// "may be sending" (sendingClaimTTL), so a worker that dies leaves at most a chunk of
	// claims to settle as unknown, instead of a whole page. It costs a round trip per chunk
	// rather than per page, and a chunk waits for its slowest send.
	// Parallel senders, each taking the next customer: a goroutine per send would grow a
	// fresh stack through template execution and go-mail for every message (stack growth was
	// 4% of the worker's CPU; 0.3% with long-lived senders).
	type job struct {
		s     todo
		ok    bool
		prior string
		err   error
		wg    *sync.WaitGroup
	}
	next := make(chan job)
	var senders sync.WaitGroup
	for range min(d.cfg.Parallel, len(sends)) {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for j := range next {
				out, err := d.deliverTaken(sendCtx, cat, j.s.c, j.ok, j.prior, j.err)
				finish(j.s.sp, j.s.prof, out, err)
				j.wg.Done()
			}
		}()
	}
	for lo := 0; lo < len(sends); lo += d.cfg.Parallel {
		chunk := sends[lo:min(lo+d.cfg.Parallel, len(sends))]
		if ctx.Err() != nil {
			// Cancelled (shutdown): nothing more is claimed; the retry sends the rest.
			for _, s := range chunk {
				finish(s.sp, s.prof, Outcome{}, ctx.Err())
			}
			continue
		}
		// A pause takes effect at the next chunk, not at the next page: a page of a blast
		// takes seconds to send. Unpaused, the check is a lookup in a cached snapshot.
		if pause, err := d.pauseOf(sendCtx, camp.ID); err != nil || pause != nil {
			for _, s := range chunk {
				out, _, err := d.skipIfPaused(sendCtx, camp, s.sp)
				finish(s.sp, s.prof, out, err)
			}
			continue
		}
		keys, tokens := make([]string, len(chunk)), make([]string, len(chunk))
		for i, s := range chunk {
			keys[i], tokens[i] = s.c.key, s.c.token
		}
		oks, priors, errs := d.cfg.Claims.TakeManyReading(sendCtx, keys, tokens, func(i int, pipe redis.Pipeliner) {
			d.readPoints(sendCtx, chunk[i].c)(pipe)
		})
		var wg sync.WaitGroup
		wg.Add(len(chunk))
		for i, s := range chunk {
			next <- job{s: s, ok: oks[i], prior: priors[i], err: errs[i], wg: &wg}
		}
		wg.Wait()
	}
	close(next)
	senders.Wait()
	if first != nil {
		return done, fmt.Errorf("deliver %s %s: %w", p.Campaign, p.Occurrence, first)
	}
	return done, nil
}
