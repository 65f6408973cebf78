package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// BatchConfig is what a Batcher is built from; Deliverer and RDB are required.
type BatchConfig struct {
	Deliverer *delivery.Deliverer
	RDB       redis.UniversalClient
	// Chunk is how many customers are delivered and recorded in the run at once. Default 50.
	Chunk int
	// Log defaults to a no-op logger.
	Log *zap.Logger
	// Signals, when set, receives a step after each recorded chunk (tests); nil in production.
	Signals *Signals
}

// Batcher handles batch tasks (TypeBatch): it delivers the batch's customers a chunk at a time
// with delivery.DeliverMany, and records each chunk's outcome counters and offset in the run
// in one script call.
//
// A crash in the middle: asynq retries the batch, which resumes after the last recorded
// chunk; customers of the interrupted chunk who were already sent find their claim and are
// counted from it, the others are sent. Nobody is skipped, nobody gets two messages.
type Batcher struct {
	cfg BatchConfig
}

// NewBatcher checks cfg and fills its defaults.
func NewBatcher(cfg BatchConfig) (*Batcher, error) {
	if cfg.Deliverer == nil || cfg.RDB == nil {
		return nil, errors.New("schedule: batcher needs a Deliverer and RDB")
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 50
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	return &Batcher{cfg: cfg}, nil
}

// ProcessTask implements asynq.Handler.
func (b *Batcher) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p tasks.BatchPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Campaign == "" || p.Occurrence == "" {
		return fmt.Errorf("decode batch payload: %v: %w", err, asynq.SkipRetry)
	}
	return b.Run(ctx, &p)
}

// Run delivers a batch, resuming after its last recorded chunk.
func (b *Batcher) Run(ctx context.Context, p *tasks.BatchPayload) error {
	d := b.cfg.Deliverer
	rk, field := runKey(p.Campaign, p.Occurrence), runBatch+p.TaskID()
	off, err := b.cfg.RDB.HGet(ctx, rk, field).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("batch of %s %s: read offset: %w", p.Campaign, p.Occurrence, err)
	}
	for off < len(p.IDs) {
		end := min(off+b.cfg.Chunk, len(p.IDs))
		chunk := &tasks.BatchPayload{Campaign: p.Campaign, Occurrence: p.Occurrence, Due: p.Due, IDs: p.IDs[off:end]}
		done, err := d.DeliverMany(ctx, chunk)
		if err != nil {
			// Not recorded: the retry counts the customers already done from their claims.
			return fmt.Errorf("batch of %s %s: %w", p.Campaign, p.Occurrence, err)
		}
		counts := map[string]int64{runProcessed: int64(len(chunk.IDs))}
		for _, r := range done {
			counts[outcomeCounter(r.Outcome, r.Profile, p)]++
		}
		now := d.Config().Now().UTC().Format(time.RFC3339)
		args := counterArgs([]any{field, end, runTTL.Milliseconds(), now}, counts)
		res, err := chunkScript.Run(context.WithoutCancel(ctx), b.cfg.RDB, []string{rk}, args...).Int()
		if err != nil {
			return fmt.Errorf("batch of %s %s: record progress: %w", p.Campaign, p.Occurrence, err)
		}
		if res == 1 {
			logRunComplete(ctx, b.cfg.RDB, b.cfg.Log, p.Campaign, p.Occurrence)
		}
		off = end
		b.cfg.Signals.chunkDone()
	}
	return nil
}

// outcomeCounter maps a delivery outcome onto a run counter. A customer an interrupted attempt
// of this batch already handled is counted by what that attempt did: from the outcome its
// claim recorded (a duplicate), or from the send on the profile (decide's repeat step).
func outcomeCounter(out delivery.Outcome, prof *customers.Profile, p *tasks.BatchPayload) string {
	state, reason := out.State, out.Reason
	if state == delivery.StateSkipped && reason == string(decide.SkipRepeat) && prof != nil && sentInOccurrence(prof, p) {
		// decide saw this occurrence's send on the profile: an interrupted attempt of this
		// batch sent it.
		return runSent
	}
	if state == delivery.StateDuplicate {
		state, reason = out.Prior.State, out.Prior.Reason
	}
	switch state {
	case delivery.StateSent:
		return runSent
	case delivery.StateHoldout:
		return runHoldout
	case delivery.StateDeferred:
		return runDeferred
	case delivery.StateUnknown:
		return runUnknown
	case delivery.StateSkipped:
		if reason == "" {
			reason = "unknown"
		}
		return runSkipped + reason
	}
	return runSkipped + "duplicate"
}

func sentInOccurrence(prof *customers.Profile, p *tasks.BatchPayload) bool {
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
		zap.Int64("deferred", r.Deferred), zap.Int64("outcome_unknown", r.Unknown), zap.Any("skipped", r.Skipped))
}
