// Package trigger turns ingested events into send tasks: it applies each event to the
// customer's profile (customers), finds the campaigns the event triggers, evaluates their
// conditions, and enqueues one send per campaign with a deterministic task id.
package trigger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/results"
)

// Applier is what ingest needs of the customer store (customers.Store).
type Applier interface {
	ApplyTriggering(ctx context.Context, events []customers.Event, triggers func(*customers.Event) bool) ([]customers.Result, error)
	TriggersDone(ctx context.Context, results []customers.Result) error
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
	// Results credits goal events to the campaigns that led to them (attribute.go); nil: none.
	Results *results.Store
	// Coupons redeems the coupon codes orders present (coupons.go); nil: none.
	Coupons Redeemer
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
//
// A trigger fires once per order (properties.order_id: a shop's webhook retries an order with
// a new messageId each time) and once per messageId for other events: the occurrence, hence
// the task id and the delivery record, is the order's or the messageId's (occurrenceOf).
//
// Applying an event and enqueuing its sends are two writes, made one idempotent unit by the
// triggers-pending marker of customers.Store.ApplyTriggering: written with the event, cleared
// once its sends are enqueued. A duplicate (a client retrying after a failed answer) re-enqueues
// only while its marker is there, that is when a previous attempt may have stopped between the
// two writes; the deterministic task id and the delivery record make a second enqueue harmless.
// A duplicate whose first attempt finished triggers nothing, whatever its messageId.
func (in *Ingester) Ingest(ctx context.Context, events []customers.Event) ([]customers.Result, error) {
	cat := in.cfg.Catalog.Load()
	mayTrigger := func(ev *customers.Event) bool {
		return ev.Type == customers.TypeTrack && len(cat.Triggered(ev.Event)) > 0
	}
	results, err := in.cfg.Store.ApplyTriggering(ctx, events, mayTrigger)
	if err != nil {
		return nil, err
	}
	if err := in.redeemCoupons(ctx, results); err != nil {
		return nil, err
	}
	now := in.cfg.Now()
	var tasks []pendingTask
	for i := range results {
		r := &results[i]
		outcome := "applied"
		if r.Duplicate {
			outcome = "duplicate"
		}
		eventsTotal.WithLabelValues(r.Event.Type, outcome).Inc()
		if !r.TriggersPending {
			// Not a triggering event, or a duplicate whose triggers were all enqueued.
			continue
		}
		camps := cat.Triggered(r.Event.Event)
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
			tasks = append(tasks, pendingTask{camp: c, event: r.Event, occurrence: occurrenceOf(r)})
		}
	}
	if err := in.enqueueAll(ctx, tasks, now); err != nil {
		return nil, err
	}
	// A failure here leaves markers behind: a retry enqueues again, which changes nothing.
	if err := in.cfg.Store.TriggersDone(ctx, results); err != nil {
		return nil, err
	}
	if err := in.attribute(ctx, cat, results); err != nil {
		return nil, err
	}
	return results, nil
}

// occurrenceOf is the occurrence of the sends an event triggers: the order_id of an order
// that names one (r.Key "o:<order_id>"), else its messageId. Bare, without a prefix, so that
// shops that send the order id as the messageId keep the delivery records they have; an order
// without order_id whose messageId is another order's id of the same customer would collide,
// which no shop does.
func occurrenceOf(r *customers.Result) string {
	if id, ok := strings.CutPrefix(r.Key, "o:"); ok {
		return id
	}
	return r.Event.MessageID
}

type pendingTask struct {
	camp       *config.Campaign
	event      customers.Event
	occurrence string
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
		Campaign: t.camp.ID, Customer: t.event.UserID, Occurrence: t.occurrence, Due: due.UTC(),
		Event: &tasks.EventPayload{ID: t.event.MessageID, Name: t.event.Event, Properties: t.event.Properties, Timestamp: t.event.Timestamp.UTC()},
	}
	body, err := p.Marshal()
	if err != nil {
		return err
	}
	opts := []asynq.Option{
		asynq.TaskID(tasks.SendTaskID(t.camp.ID, t.event.UserID, t.occurrence)),
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
