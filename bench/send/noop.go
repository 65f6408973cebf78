package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// noopResult is asynq's own processing rate: the same tasks, queues and server settings as
// the worker, with a handler that does nothing. No send can go faster than this on one worker.
type noopResult struct {
	Tasks     int       `json:"tasks"`
	PerS      float64   `json:"tasks_per_s"`
	PerCPUSec float64   `json:"tasks_per_cpu_s"`
	CPU       rig.Phase `json:"cpu"`
}

// noopProcess runs an asynq server on database 1 with the worker's settings (jobs.NewWorker:
// queue weights, PollInterval 10ms) and a no-op handler, and measures n send tasks from the
// moment their queue is released to the last one handled.
func noopProcess(ctx context.Context, r *rig.Redis, n, concurrency int, dur time.Duration) (noopResult, error) {
	var res noopResult
	rdb, err := r.DB(1)
	if err != nil {
		return res, err
	}
	defer rdb.Close()
	defer rdb.FlushDB(ctx)
	client := asynq.NewClientFromRedisClient(rdb)
	defer client.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	var handled atomic.Int64
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   map[string]int{tasks.QueueCritical: 6, tasks.QueueDefault: 3, tasks.QueueLow: 1},
		TaskCheckInterval:        10 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          5 * time.Second,
		LogLevel:                 asynq.ErrorLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.TypeSend, func(context.Context, *asynq.Task) error { handled.Add(1); return nil })
	if err := srv.Start(mux); err != nil {
		return res, err
	}
	defer srv.Shutdown()
	// One task first: the server runs and the queue exists, so that it can be paused.
	if _, err := enqueue(ctx, client, "noop", 1, 1); err != nil {
		return res, err
	}
	deadline := time.Now().Add(dur)
	for handled.Load() < 1 {
		if time.Now().After(deadline) {
			return res, errors.New("asynq no-op server handled nothing")
		}
		time.Sleep(time.Millisecond)
	}
	if err := insp.PauseQueue(tasks.QueueCritical); err != nil {
		return res, err
	}
	if _, err := enqueue(ctx, client, "noop-run", n, n); err != nil {
		return res, err
	}
	handled.Store(0)
	cpu := rig.StartCPU(r)
	if err := insp.UnpauseQueue(tasks.QueueCritical); err != nil {
		return res, err
	}
	for handled.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	res.CPU = cpu.Stop()
	res.Tasks = int(handled.Load())
	res.PerS = rig.Round(float64(res.Tasks) / res.CPU.Seconds)
	res.PerCPUSec = rig.Round(float64(res.Tasks) / (res.CPU.Seconds * (res.CPU.GoCores + res.CPU.RedisCores)))
	if res.Tasks < n {
		return res, fmt.Errorf("asynq no-op server handled %d of %d tasks within %s", res.Tasks, n, dur)
	}
	return res, nil
}
