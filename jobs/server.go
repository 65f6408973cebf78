package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Worker is the asynq server of the worker role.
type Worker struct {
	srv *asynq.Server
	mux *asynq.ServeMux
	log *zap.Logger
}

// WorkerConfig configures the worker.
type WorkerConfig struct {
	// Concurrency is the number of tasks processed at once. Default 32.
	Concurrency int
	// ShutdownTimeout is how long in-flight sends get to finish on shutdown. Default 30s.
	ShutdownTimeout time.Duration
	// PollInterval is how often an idle worker looks for new tasks. asynq's default of one
	// second would add up to a second to every triggered message; 10 ms costs about a hundred
	// cheap Redis calls a second per idle worker. Default 10ms.
	PollInterval time.Duration
	// DelayedCheckInterval is how often scheduled and retried tasks are moved to their queue.
	// Default 1s.
	DelayedCheckInterval time.Duration
	// RetryDelay overrides the backoff between retries (tests shorten it). Default retryDelay.
	RetryDelay asynq.RetryDelayFunc
}

// NewWorker builds the asynq server with Rapport's queues and handlers.
func NewWorker(rdb redis.UniversalClient, cfg WorkerConfig, d *Deliverer, log *zap.Logger) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	if cfg.DelayedCheckInterval <= 0 {
		cfg.DelayedCheckInterval = time.Second
	}
	if cfg.RetryDelay == nil {
		cfg.RetryDelay = retryDelay
	}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1},
		RetryDelayFunc:           cfg.RetryDelay,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		TaskCheckInterval:        cfg.PollInterval,
		DelayedTaskCheckInterval: cfg.DelayedCheckInterval,
		// A claim held elsewhere is expected (a requeued task whose first handler still sends)
		// and is not a failure of the task.
		IsFailure: func(err error) bool { return !errors.Is(err, ErrClaimHeld) },
		Logger:    asynqLogger{log.Sugar().With("component", "asynq")},
		LogLevel:  asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			n, _ := asynq.GetRetryCount(ctx)
			log.Warn("task failed; will retry", zap.String("type", t.Type()), zap.Int("retry", n), zap.Error(err))
		}),
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeSend, func(ctx context.Context, t *asynq.Task) error {
		p, err := unmarshalSend(t.Payload())
		if err != nil {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		_, err = d.Deliver(ctx, p)
		return err
	})
	return &Worker{srv: srv, mux: mux, log: log}
}

// Handle registers another task handler (scheduled fan-outs, analytics).
func (w *Worker) Handle(pattern string, h asynq.Handler) { w.mux.Handle(pattern, h) }

// Start begins processing; it returns once the server runs.
func (w *Worker) Start() error {
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	return nil
}

// Shutdown stops fetching new tasks and waits up to ShutdownTimeout for in-flight sends;
// unfinished tasks go back to their queue and their claims keep them from sending twice.
func (w *Worker) Shutdown() { w.srv.Shutdown() }

// retryDelay backs off exponentially from 5 s with ±20% jitter, capped at 30 minutes; a claim
// held elsewhere is retried soon, since it resolves within one send.
func retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, ErrClaimHeld) {
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
