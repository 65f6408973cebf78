// Package refit holds the refit of the customer-base models as a job: its task (enqueued with a
// deterministic id, handled by Handler on the low queue) and its daily schedule, which
// every scheduler process runs without a lease. The fit itself is analytics.Refitter.
package refit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/predict"
)

// refitRetention keeps a finished refit task, and so its id, for two days: every scheduler
// that enqueues the same occurrence within that time gets ErrTaskIDConflict instead of a
// second fit.
const refitRetention = 48 * time.Hour

// refitTimeout bounds one refit: reading a million customers and fitting takes about a
// minute; asynq's default of 30 minutes would be enough, this leaves room for larger bases.
const refitTimeout = 2 * time.Hour

// TaskID is the deterministic asynq TaskID of the refit as of asOf, e.g.
// "refit:2026-03-14T03:00Z". Every scheduler computes the same occurrence from the same cron,
// so several schedulers enqueueing it produce one task. The id carries the time of day, not
// only the date, so that a cron firing more often than daily still refits at each occurrence.
func TaskID(asOf time.Time) string {
	return "refit:" + asOf.UTC().Format("2006-01-02T15:04Z07:00")
}

// Enqueue enqueues the refit as of asOf on the low queue. enqueued is false when the
// same occurrence was already enqueued (by this or another scheduler) within the last two
// days, which is not an error.
func Enqueue(ctx context.Context, e tasks.Enqueuer, asOf time.Time) (enqueued bool, err error) {
	body, err := json.Marshal(tasks.RefitPayload{AsOf: asOf.UTC()})
	if err != nil {
		return false, err
	}
	_, err = e.EnqueueContext(ctx, asynq.NewTask(tasks.TypeRefit, body), asynq.TaskID(TaskID(asOf)),
		asynq.Queue(tasks.QueueLow), asynq.Retention(refitRetention), asynq.Timeout(refitTimeout), asynq.MaxRetry(3))
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("enqueue refit as of %s: %w", asOf.UTC().Format(time.RFC3339), err)
	}
	return true, nil
}

// Handler handles tasks.TypeRefit with an analytics.Refitter. A refused fit (no
// convergence, a base on which the models are not identified) is not retried: the same data
// give the same answer, the previous model stays published, and the next occurrence tries
// again on newer data.
type Handler struct {
	Refitter *analytics.Refitter
}

// ProcessTask implements asynq.Handler.
func (h Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p tasks.RefitPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.AsOf.IsZero() {
		return fmt.Errorf("decode refit payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	_, err := h.Refitter.Refit(ctx, p.AsOf)
	if errors.Is(err, predict.ErrNotConverged) || errors.Is(err, predict.ErrInsufficientData) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}
