package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/predict"
)

// TypeRefit refits the customer-base models on the whole base and publishes them.
const TypeRefit = "rapport:refit"

// RefitPayload is the payload of a TypeRefit task.
type RefitPayload struct {
	// AsOf is the fit date: the refit occurrence of config predict.refit.
	AsOf time.Time `json:"as_of"`
}

// refitRetention keeps a finished refit task, and so its id, for two days: every scheduler
// that enqueues the same occurrence within that time gets ErrTaskIDConflict instead of a
// second fit.
const refitRetention = 48 * time.Hour

// refitTimeout bounds one refit: reading a million customers and fitting takes about a
// minute; asynq's default of 30 minutes would be enough, this leaves room for larger bases.
const refitTimeout = 2 * time.Hour

// RefitTaskID is the deterministic asynq TaskID of the refit as of asOf, e.g.
// "refit:2026-03-14T03:00Z". Every scheduler computes the same occurrence from the same cron,
// so several schedulers enqueueing it produce one task. The id carries the time of day, not
// only the date, so that a cron firing more often than daily still refits at each occurrence.
func RefitTaskID(asOf time.Time) string {
	return "refit:" + asOf.UTC().Format("2006-01-02T15:04Z07:00")
}

// EnqueueRefit enqueues the refit as of asOf on the low queue. enqueued is false when the
// same occurrence was already enqueued (by this or another scheduler) within the last two
// days, which is not an error.
func EnqueueRefit(ctx context.Context, e Enqueuer, asOf time.Time) (enqueued bool, err error) {
	body, err := json.Marshal(RefitPayload{AsOf: asOf.UTC()})
	if err != nil {
		return false, err
	}
	_, err = e.EnqueueContext(ctx, asynq.NewTask(TypeRefit, body), asynq.TaskID(RefitTaskID(asOf)),
		asynq.Queue(QueueLow), asynq.Retention(refitRetention), asynq.Timeout(refitTimeout), asynq.MaxRetry(3))
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("enqueue refit as of %s: %w", asOf.UTC().Format(time.RFC3339), err)
	}
	return true, nil
}

// ProcessTask handles TypeRefit. A refused fit (no convergence, a base on which the models
// are not identified) is not retried: the same data give the same answer, the previous model
// stays published, and the next occurrence tries again on newer data.
func (r *Refitter) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p RefitPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.AsOf.IsZero() {
		return fmt.Errorf("decode refit payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	_, err := r.Refit(ctx, p.AsOf)
	if errors.Is(err, predict.ErrNotConverged) || errors.Is(err, predict.ErrInsufficientData) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}
