package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
)

// BatchPayload is the payload of a TypeBatch task: one occurrence, due at one instant, for a
// page of customers. Ids only: profiles are read when the batch runs, so it sends to the
// customer as they are then, and a queued batch costs a few bytes per customer.
type BatchPayload struct {
	Campaign   string    `json:"c"`
	Occurrence string    `json:"o"`
	Due        time.Time `json:"d"`
	IDs        []string  `json:"u"`
}

// taskID is deterministic in the batch's content, so a fan-out page enqueued twice (a retried
// fan-out, a second scheduler) makes one task; it also names the batch's offset in the run.
func (b *BatchPayload) taskID() string {
	return "batch:" + b.Campaign + ":" + b.Occurrence + ":" + shortHash(strconv.FormatInt(b.Due.Unix(), 10)+"\x00"+strings.Join(b.IDs, "\x00"))
}

// sendTimeout bounds the sends of one chunk once the task is cancelled; below claimLease, so
// a claim never expires under a send still running.
const sendTimeout = 90 * time.Second

// Batcher delivers batches: it reads the profiles of a chunk of the batch in one pipeline,
// then decides, claims, renders and sends for each customer with Deliverer's code, a few at a
// time, and records the chunk's outcome counters and offset in the run in one script call.
//
// A crash in the middle: asynq retries the batch, which resumes after the last recorded
// chunk; customers of the interrupted chunk who were already sent find their claim and are
// counted from it, the others are sent. Nobody is skipped, nobody gets two messages.
type Batcher struct {
	Deliverer *Deliverer
	Profiles  interface {
		GetMany(ctx context.Context, ids []string) ([]*customers.Profile, error)
	}
	RDB redis.UniversalClient
	// Chunk is how many customers are read and recorded at once. Default 50.
	Chunk int
	// Parallel is how many sends of a chunk run at once. Default 8.
	Parallel int
	Log      *zap.Logger

	// rec writes down the sends of every batch this Batcher runs, so that the records of all
	// the batches in flight share round trips (recorder).
	rec *sendRecorder
}

// recorderMu guards the lazy creation of Batcher.rec.
var recorderMu sync.Mutex

// recorder returns the Batcher's shared sendRecorder. One per Batcher rather than one per
// chunk: with 32 batches of 8 sends in flight, a chunk's own group commit gathered one or two
// records per round trip; shared, a round trip carries the records of every send that finished
// while the previous one was on the wire.
func (b *Batcher) recorder() *sendRecorder {
	recorderMu.Lock()
	defer recorderMu.Unlock()
	if b.rec == nil || b.rec.d != b.Deliverer {
		b.rec = &sendRecorder{d: b.Deliverer}
	}
	return b.rec
}

// ProcessTask implements asynq.Handler.
func (b *Batcher) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p BatchPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Campaign == "" || p.Occurrence == "" {
		return fmt.Errorf("decode batch payload: %v: %w", err, asynq.SkipRetry)
	}
	return b.Run(ctx, &p)
}

// Run delivers a batch, resuming after its last recorded chunk.
func (b *Batcher) Run(ctx context.Context, p *BatchPayload) error {
	chunk, par := b.Chunk, b.Parallel
	if chunk <= 0 {
		chunk = 50
	}
	if par <= 0 {
		par = 8
	}
	log := b.Log
	if log == nil {
		log = zap.NewNop()
	}
	d := b.Deliverer
	rk, field := runKey(p.Campaign, p.Occurrence), runBatch+p.taskID()
	off, err := b.RDB.HGet(ctx, rk, field).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("batch of %s %s: read offset: %w", p.Campaign, p.Occurrence, err)
	}
	cat := d.Catalog.Load()
	camp := cat.Set.Campaign(p.Campaign)
	var left map[string]bool
	if camp != nil {
		if left, err = d.Rewards.Left(ctx, camp); err != nil {
			return err
		}
	}
	for off < len(p.IDs) {
		end := min(off+chunk, len(p.IDs))
		ids := p.IDs[off:end]
		counts := map[string]int64{runProcessed: int64(len(ids))}
		if camp == nil {
			counts[runSkipped+"campaign_removed"] = int64(len(ids))
		} else if err := b.chunk(ctx, cat, p, ids, left, par, counts); err != nil {
			return err
		}
		now := d.Now().UTC().Format(time.RFC3339)
		args := counterArgs([]any{field, end, runTTL.Milliseconds(), now}, counts)
		res, err := chunkScript.Run(context.WithoutCancel(ctx), b.RDB, []string{rk}, args...).Int()
		if err != nil {
			return fmt.Errorf("batch of %s %s: record progress: %w", p.Campaign, p.Occurrence, err)
		}
		if res == 1 {
			logRunComplete(ctx, b.RDB, log, p.Campaign, p.Occurrence)
		}
		off = end
	}
	return nil
}

// chunk delivers to a few customers at a time and counts their outcomes. Any error (a
// temporary provider failure, a claim held by a handler still sending) fails the chunk: it is
// not recorded, and the retry counts the customers already done from their claims.
func (b *Batcher) chunk(ctx context.Context, cat *Catalog, p *BatchPayload, ids []string, left map[string]bool, par int, counts map[string]int64) error {
	d := b.Deliverer
	camp := cat.Set.Campaign(p.Campaign)
	profs, err := b.Profiles.GetMany(ctx, ids)
	if err != nil {
		return fmt.Errorf("batch of %s %s: %w", p.Campaign, p.Occurrence, err)
	}
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	// Sends in flight are not cancelled with the task: a message whose SMTP DATA is on the
	// wire when asynq cancels the handler (shutdown) may be accepted by the server anyway,
	// and a cancelled send releases its claim, so the retry would send it a second time.
	// Cancelling stops new sends; those under way finish and record their outcome.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	count := func(sp *SendPayload, prof *customers.Profile, out Outcome, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			first = cmp.Or(first, err)
			return
		}
		counts[outcomeCounter(out, prof, p)]++
		if d.Observe != nil {
			d.Observe(sp, out)
		}
	}
	// Decide for everybody, then take the claims of those to send to in one pipeline: the
	// claim is still taken before the message goes out, but costs a round trip per chunk
	// rather than per customer.
	type todo struct {
		sp   *SendPayload
		prof *customers.Profile
		c    *claimable
	}
	var sends []todo
	for i, prof := range profs {
		if ctx.Err() != nil {
			first = cmp.Or(first, ctx.Err())
			break
		}
		if prof == nil {
			counts[runSkipped+"customer_deleted"]++
			continue
		}
		sp := &SendPayload{Campaign: p.Campaign, Customer: ids[i], Occurrence: p.Occurrence, Due: p.Due}
		c, out, err := d.prepare(sendCtx, cat, camp, sp, prof, left)
		if c == nil {
			count(sp, prof, out, err)
			continue
		}
		sends = append(sends, todo{sp: sp, prof: prof, c: c})
	}
	keys, tokens := make([]string, len(sends)), make([]string, len(sends))
	for i, s := range sends {
		keys[i], tokens[i] = s.c.key, s.c.token
	}
	oks, priors, errs := d.Claims.TakeMany(sendCtx, keys, tokens)
	rec := b.recorder()
	// par senders, each taking the next customer of the chunk: a goroutine per send would
	// grow a fresh stack through template execution and go-mail for every message.
	next := make(chan int)
	for range min(par, len(sends)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := sends[i]
				if ctx.Err() != nil {
					// Cancelled (shutdown) before this message went out: free its claim for the retry.
					if oks[i] {
						if err := d.Claims.Release(sendCtx, s.c.key, s.c.token); err != nil {
							d.Log.Error("release claim", zap.Error(err))
						}
					}
					mu.Lock()
					first = cmp.Or(first, ctx.Err())
					mu.Unlock()
					continue
				}
				out, err := d.deliverTaken(sendCtx, cat, s.c, oks[i], priors[i], errs[i], rec)
				count(s.sp, s.prof, out, err)
			}
		}()
	}
	for i := range sends {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return fmt.Errorf("batch of %s %s: %w", p.Campaign, p.Occurrence, first)
	}
	return nil
}

// outcomeCounter maps a delivery outcome onto a run counter. A customer an interrupted attempt
// of this batch already handled is counted by what that attempt did: from the outcome its
// claim recorded (a duplicate), or from the send on the profile (decide's repeat step).
func outcomeCounter(out Outcome, prof *customers.Profile, p *BatchPayload) string {
	state, reason := out.State, out.Reason
	if state == stateSkipped && reason == string(decide.SkipRepeat) && sentInOccurrence(prof, p) {
		// decide saw this occurrence's send on the profile: an interrupted attempt of this
		// batch sent it.
		return runSent
	}
	if state == "duplicate" {
		parts := strings.SplitN(out.Reason, "|", 3)
		state = parts[0]
		reason = ""
		if len(parts) > 1 {
			reason = parts[1]
		}
	}
	switch state {
	case stateSent:
		return runSent
	case stateHoldout:
		return runHoldout
	case "deferred":
		return runDeferred
	case stateSkipped:
		if reason == "" {
			reason = "unknown"
		}
		return runSkipped + reason
	}
	return runSkipped + "duplicate"
}

func sentInOccurrence(prof *customers.Profile, p *BatchPayload) bool {
	return slices.ContainsFunc(prof.Sends, func(s decide.Send) bool {
		return s.Campaign == p.Campaign && s.Occurrence == p.Occurrence
	})
}

// logRunComplete writes the one log line of a finished occurrence, with its counters.
func logRunComplete(ctx context.Context, rdb redis.UniversalClient, log *zap.Logger, campaign, occ string) {
	h, err := rdb.HGetAll(context.WithoutCancel(ctx), runKey(campaign, occ)).Result()
	if err != nil {
		log.Warn("run complete; progress unreadable", zap.String("campaign", campaign), zap.String("occurrence", occ), zap.Error(err))
		return
	}
	r := runOf(campaign, occ, h)
	log.Info("run complete", zap.String("campaign", campaign), zap.String("occurrence", occ), zap.Int64("seen", r.Seen),
		zap.Int64("queued", r.Queued), zap.Int64("sent", r.Sent), zap.Int64("holdout", r.Holdout),
		zap.Int64("deferred", r.Deferred), zap.Any("skipped", r.Skipped))
}
