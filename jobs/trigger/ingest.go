// Package trigger turns ingested events into send tasks: it applies each event to the
// customer's profile (customers), finds the campaigns the event triggers, evaluates their
// conditions, and enqueues one send per campaign with a deterministic task id.
package trigger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// Applier is what ingest needs of the customer store.
type Applier interface {
	Apply(ctx context.Context, events []customers.Event) ([]customers.Result, error)
	Get(ctx context.Context, id string) (*customers.Profile, error)
}

// Config is what an Ingester is built from; Catalog, Store and Enqueue are required.
type Config struct {
	Catalog *delivery.CatalogRef
	Store   Applier
	Enqueue tasks.Enqueuer
	// MaxAge: an event older than this updates the profile but triggers nothing (a backfill,
	// an import, a late replay). Default 24h.
	MaxAge time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log defaults to a no-op logger.
	Log *zap.Logger
	// Predictor fills the customer's predictions for trigger conditions; nil: none.
	Predictor delivery.Predictor
}

// Ingester applies events to profiles and enqueues the sends they trigger. It is immutable
// once built (New).
type Ingester struct {
	cfg Config
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Ingester, error) {
	if cfg.Catalog == nil || cfg.Store == nil || cfg.Enqueue == nil {
		return nil, errors.New("trigger: ingester needs Catalog, Store and Enqueue")
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	return &Ingester{cfg: cfg}, nil
}

// enqueueParallelism bounds concurrent enqueues per request: asynq enqueues one task per round
// trip, so a batch of 100 orders triggering two campaigns each would otherwise wait on 200
// sequential round trips.
const enqueueParallelism = 16

// Ingest applies events and enqueues triggered sends; it returns only once both are in Redis.
// Duplicates (a messageId seen before) change nothing on the profile, but when they carry
// their own timestamp their triggers are enqueued again: if a previous attempt stored the event
// and failed before enqueuing, the client's retry must still trigger. The deterministic TaskID
// and the delivery record (which outlives the dedupe window) make this harmless when the first
// attempt did enqueue.
func (in *Ingester) Ingest(ctx context.Context, events []customers.Event) ([]customers.Result, error) {
	results, err := in.cfg.Store.Apply(ctx, events)
	if err != nil {
		return nil, err
	}
	now := in.cfg.Now()
	cat := in.cfg.Catalog.Load()
	var tasks []pendingTask
	for i := range results {
		r := &results[i]
		outcome := "applied"
		if r.Duplicate {
			outcome = "duplicate"
		}
		eventsTotal.WithLabelValues(r.Event.Type, outcome).Inc()
		if r.Event.Type != "track" {
			continue
		}
		camps := cat.Triggered(r.Event.Event)
		if len(camps) == 0 {
			continue
		}
		if r.Duplicate && r.Event.Timestamp.Equal(r.Event.ReceivedAt) {
			// A duplicate without its own timestamp cannot be dated: it may be a replay of an
			// order from long ago whose delivery record has expired. Only duplicates that
			// carry their time re-enqueue their triggers.
			continue
		}
		if now.Sub(r.Event.Timestamp) > in.cfg.MaxAge {
			for _, c := range camps {
				triggersTotal.WithLabelValues(c.ID, "too_old").Inc()
			}
			continue
		}
		prof := r.Profile
		if prof == nil {
			if prof, err = in.cfg.Store.Get(ctx, r.Event.UserID); err != nil {
				return nil, fmt.Errorf("load customer %s for triggers: %w", r.Event.UserID, err)
			}
		}
		if err := delivery.FillPredictions(ctx, in.cfg.Predictor, prof, now); err != nil {
			return nil, err
		}
		ev := &decide.Event{ID: r.Event.MessageID, Name: r.Event.Event, Properties: r.Event.Properties, Timestamp: r.Event.Timestamp}
		env := decide.Env(&prof.Customer, ev, now)
		for _, c := range camps {
			ok, err := c.Trigger.Where.Eval(env)
			if err != nil {
				// expr's error text may quote customer values, so only the condition is logged.
				in.cfg.Log.Warn("trigger condition could not be evaluated; not triggered",
					zap.String("campaign", c.ID), zap.String("condition", c.Trigger.Where.String()), zap.String("customer", r.Event.UserID))
				triggersTotal.WithLabelValues(c.ID, "condition_error").Inc()
				continue
			}
			if !ok {
				triggersTotal.WithLabelValues(c.ID, "where_false").Inc()
				continue
			}
			tasks = append(tasks, pendingTask{camp: c, event: r.Event})
		}
	}
	if err := in.enqueueAll(ctx, tasks, now); err != nil {
		return nil, err
	}
	return results, nil
}

type pendingTask struct {
	camp  *config.Campaign
	event customers.Event
}

func (in *Ingester) enqueueAll(ctx context.Context, tasks []pendingTask, now time.Time) error {
	if len(tasks) == 0 {
		return nil
	}
	sem := make(chan struct{}, enqueueParallelism)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, t := range tasks {
		wg.Add(1)
		sem <- struct{}{}
		go func(t pendingTask) {
			defer func() { <-sem; wg.Done() }()
			if err := in.enqueue(ctx, t, now); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(t)
	}
	wg.Wait()
	return first
}

func (in *Ingester) enqueue(ctx context.Context, t pendingTask, now time.Time) error {
	due := t.event.Timestamp.Add(t.camp.Trigger.Delay.D())
	p := &tasks.SendPayload{
		Campaign: t.camp.ID, Customer: t.event.UserID, Occurrence: t.event.MessageID, Due: due.UTC(),
		Event: &tasks.EventPayload{ID: t.event.MessageID, Name: t.event.Event, Properties: t.event.Properties, Timestamp: t.event.Timestamp.UTC()},
	}
	body, err := p.Marshal()
	if err != nil {
		return err
	}
	opts := []asynq.Option{
		asynq.TaskID(tasks.SendTaskID(t.camp.ID, t.event.UserID, t.event.MessageID)),
		asynq.Queue(tasks.QueueFor(t.camp)), asynq.MaxRetry(tasks.MaxRetry),
	}
	if due.After(now) {
		opts = append(opts, asynq.ProcessAt(due))
	}
	_, err = in.cfg.Enqueue.EnqueueContext(ctx, asynq.NewTask(tasks.TypeSend, body), opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue %s for customer %s: %w", t.camp.ID, t.event.UserID, err)
	}
	triggersTotal.WithLabelValues(t.camp.ID, "enqueued").Inc()
	return nil
}
