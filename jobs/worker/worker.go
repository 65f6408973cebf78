// Package worker runs the asynq server of the worker role and holds the one table of task
// types and their handlers (Handlers.Table), which the demo's player dispatches through too.
package worker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Handlers are the task handlers of a worker, one per task type.
type Handlers struct {
	// Send delivers one triggered send (tasks.TypeSend): a *delivery.Deliverer.
	Send asynq.Handler
	// Batch delivers a page of a scheduled occurrence (tasks.TypeBatch): a *schedule.Batcher.
	Batch asynq.Handler
	// Fanout walks an occurrence's audience (tasks.TypeFanout): a *schedule.Fanout.
	Fanout asynq.Handler
	// Refit refits the customer-base models (tasks.TypeRefit): a schedule.RefitHandler.
	Refit asynq.Handler
}

// Table returns the task types and their handlers: the one place where a task type meets
// the code that handles it. A nil handler (a process built without predictions, a test of one
// path) answers its tasks with an error, so that they are retried, not lost, until a worker
// that handles them takes them; missing lists those types.
func (h Handlers) Table() (table map[string]asynq.Handler, missing []string) {
	table = map[string]asynq.Handler{tasks.TypeSend: h.Send, tasks.TypeBatch: h.Batch, tasks.TypeFanout: h.Fanout, tasks.TypeRefit: h.Refit}
	for typ, handler := range table {
		if handler == nil {
			table[typ] = unhandled{}
			missing = append(missing, typ)
		}
	}
	slices.Sort(missing)
	return table, missing
}

// unhandled answers the tasks of a type this process has no handler for.
type unhandled struct{}

func (unhandled) ProcessTask(_ context.Context, t *asynq.Task) error {
	return fmt.Errorf("no handler for %s in this worker; it will be retried", t.Type())
}

// Worker is the asynq server of the worker role. Start and Shutdown may each be called more
// than once, and Shutdown without Start.
type Worker struct {
	srv *asynq.Server
	mux *asynq.ServeMux
	log *zap.Logger

	mu      sync.Mutex
	started bool
	stopped bool
}

// Config configures the worker.
type Config struct {
	// Concurrency is the number of tasks processed at once. Default 32.
	Concurrency int
	// ShutdownTimeout is how long in-flight sends get to finish on shutdown. Default 30s.
	ShutdownTimeout time.Duration
	// PollInterval is how often an idle worker looks for new tasks. asynq's default of one
	// second would add up to a second to every triggered message. An idle worker costs 0.065
	// core and Redis 0.021 at 10 ms, 0.018 and 0.007 at 50 ms (bench/idle, quiet machine), for
	// a triggered p99 of 17 ms and 71 ms (bench/latency). Default 50ms (worker.poll_interval).
	PollInterval time.Duration
	// DelayedCheckInterval is how often scheduled and retried tasks are moved to their queue.
	// Default 1s.
	DelayedCheckInterval time.Duration
	// RetryDelay overrides the backoff between retries (tests shorten it). Default retryDelay.
	RetryDelay asynq.RetryDelayFunc
}

// New builds the asynq server with Rapport's queues and the handlers of h.
func New(rdb redis.UniversalClient, cfg Config, h Handlers, log *zap.Logger) (*Worker, error) {
	if log == nil {
		log = zap.NewNop()
	}
	table, missing := h.Table()
	if len(missing) > 0 {
		log.Warn("worker started without handlers for some task types; their tasks wait for another worker", zap.Strings("types", missing))
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	if cfg.DelayedCheckInterval <= 0 {
		cfg.DelayedCheckInterval = time.Second
	}
	if cfg.RetryDelay == nil {
		cfg.RetryDelay = retryDelay
	}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: cfg.Concurrency,
		Queues:      map[string]int{tasks.QueueCritical: 6, tasks.QueueDefault: 3, tasks.QueueLow: 1},
		// Strict: a worker takes a triggered send whenever one is waiting. With weights alone,
		// a blast's batch tasks (each holding a slot for ~40 sends) took nearly every slot and
		// triggered messages waited behind them: p99 50 s during a 200,000-customer greeting,
		// 2.4 s with strict priority (bench/holiday -triggered 200). Scheduled batches may wait
		// while triggered sends keep coming; they are few against a worker's capacity.
		StrictPriority:           true,
		RetryDelayFunc:           cfg.RetryDelay,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		TaskCheckInterval:        cfg.PollInterval,
		DelayedTaskCheckInterval: cfg.DelayedCheckInterval,
		// A claim held elsewhere is expected (a requeued task whose first handler still sends)
		// and is not a failure of the task.
		IsFailure: func(err error) bool { return !errors.Is(err, delivery.ErrClaimHeld) },
		Logger:    asynqLogger{log.Sugar().With("component", "asynq")},
		LogLevel:  asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			n, _ := asynq.GetRetryCount(ctx)
			log.Warn("task failed; will retry", zap.String("type", t.Type()), zap.Int("retry", n), zap.Error(err))
		}),
	})
	mux := asynq.NewServeMux()
	for typ, handler := range table {
		mux.Handle(typ, handler)
	}
	return &Worker{srv: srv, mux: mux, log: log}, nil
}

// Start begins processing; it returns once the server runs. A second Start does nothing; a
// Start after Shutdown is an error.
func (w *Worker) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.stopped:
		return errors.New("start worker: already shut down")
	case w.started:
		return nil
	}
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	w.started = true
	return nil
}

// Shutdown stops fetching new tasks and waits up to ShutdownTimeout for in-flight sends;
// unfinished tasks go back to their queue and their claims keep them from sending twice.
// It returns once the server stopped; calling it again, or before Start, does nothing.
func (w *Worker) Shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.stopped = true
	if w.started {
		w.srv.Shutdown()
	}
}

// retryDelay backs off exponentially from 5 s with ±20% jitter, capped at 30 minutes; a claim
// held elsewhere is retried soon, since it resolves within one send.
func retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, delivery.ErrClaimHeld) {
		return 5 * time.Second
	}
	d := 5 * time.Second * time.Duration(math.Pow(2, float64(min(n, 12))))
	d = min(d, 30*time.Minute)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// asynqLogger routes asynq's logs through zap.
type asynqLogger struct{ s *zap.SugaredLogger }

func (l asynqLogger) Debug(args ...any) { l.s.Debug(args...) }
func (l asynqLogger) Info(args ...any)  { l.s.Info(args...) }
func (l asynqLogger) Warn(args ...any)  { l.s.Warn(args...) }
func (l asynqLogger) Error(args ...any) { l.s.Error(args...) }
func (l asynqLogger) Fatal(args ...any) { l.s.Error(args...) }

// Idle reports whether a queue has nothing pending, running or waiting to retry. A queue that
// was never used does not exist in Redis yet, and is idle.
func Idle(insp *asynq.Inspector, queue string) (bool, error) {
	queues, err := insp.Queues()
	if err != nil {
		return false, fmt.Errorf("list queues: %w", err)
	}
	if !slices.Contains(queues, queue) {
		return true, nil
	}
	q, err := insp.GetQueueInfo(queue)
	if err != nil {
		return false, fmt.Errorf("inspect queue %s: %w", queue, err)
	}
	return q.Pending == 0 && q.Active == 0 && q.Retry == 0, nil
}
