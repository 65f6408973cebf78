// Command send measures the send path of issue 2: messages/s from a queued send task to the SMTP
// server, next to go-mail's own send rate to the same server over the same number of
// connections, in the same run; it prints one JSON object on stdout.
//
// It starts a redis-server, an SMTP sink (emersion/go-smtp) and the worker as `rapport serve`
// wires it (jobs.NewWorker with -concurrency, channels.SMTPPool of -pool connections), seeds
// the customers (not timed) and warms the worker up. Then, with the critical queue paused, it
// enqueues -messages send tasks (tasks.SendPayload, as the ingester writes them), unpauses the
// queue and measures until the sink has them all: each one is decided, claimed, rendered,
// sent and recorded.
//
// The ceiling is go-mail alone: -pool goroutines, each with one connection opened by
// DialToSMTPClientWithContext, calling SendWithSMTPClient in a loop with a message built like
// Rapport's, with the options channels.SMTPPool uses (no NOOP and no RSET per message). It is
// measured before and after the pipeline and the ratio is taken to their mean, so that a
// neighbour's load on this shared machine shifts both sides. go-mail with its default options
// (NOOP before and RSET after every message) is measured next, for reference, and last
// asynq alone: the same tasks through an asynq server with the worker's settings and a
// handler that does nothing, the floor of any handler.
//
// Usage: go run ./bench/send [-messages 20000] [-concurrency 32] [-pool 8] [-cpuprofile send.pprof]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/worker"
)

type params struct {
	Messages    int     `json:"messages"`
	Concurrency int     `json:"worker_concurrency"`
	Pool        int     `json:"smtp_pool"`
	Customers   int     `json:"customers"`
	Warmup      int     `json:"warmup_messages"`
	DurationS   float64 `json:"duration_limit_s"`
}

type pipelineResult struct {
	Messages    int       `json:"messages"`
	PerS        float64   `json:"messages_per_s"`
	PerCPUSec   float64   `json:"messages_per_cpu_s"`
	AvgBytes    float64   `json:"avg_message_bytes"`
	CPU         rig.Phase `json:"cpu"`
	EnqueuePerS float64   `json:"enqueue_per_s"`
}

type report struct {
	Benchmark   string          `json:"benchmark"`
	Machine     rig.Machine     `json:"machine"`
	Params      params          `json:"params"`
	Pipeline    pipelineResult  `json:"pipeline"`
	GoMail      []rig.RawResult `json:"gomail_raw"`
	Ceiling     float64         `json:"gomail_raw_messages_per_s"`
	Ratio       float64         `json:"ratio_pipeline_to_gomail"`
	RatioPerCPU float64         `json:"ratio_per_cpu_s"`
	AsynqNoop   noopResult      `json:"asynq_noop"`
	RatioNoop   float64         `json:"ratio_pipeline_to_asynq_noop"`
	// Bound is what one process could reach if a message cost exactly an asynq no-op task
	// plus a go-mail send on the same CPUs: 1 / (1/asynq + 1/go-mail).
	Bound      float64 `json:"combined_bound_per_s"`
	RatioBound float64 `json:"ratio_pipeline_to_combined_bound"`
}

func main() {
	var p params
	flag.IntVar(&p.Messages, "messages", 20_000, "send tasks to process (and messages for go-mail alone)")
	flag.IntVar(&p.Concurrency, "concurrency", 32, "worker concurrency")
	flag.IntVar(&p.Pool, "pool", 8, "SMTP connections (pool size, and go-mail goroutines)")
	flag.IntVar(&p.Customers, "customers", 20_000, "distinct customers, seeded before the run")
	flag.IntVar(&p.Warmup, "warmup", 200, "messages sent through the pipeline before the measured run")
	dur := flag.Duration("duration", 120*time.Second, "upper bound of each timed phase")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the pipeline phase to this file")
	flag.Parse()
	p.DurationS = dur.Seconds()
	if err := run(p, *dur, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "bench/send:", err)
		os.Exit(1)
	}
}

func run(p params, dur time.Duration, prof string) error {
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	sink, err := rig.StartSink()
	if err != nil {
		return err
	}
	defer sink.Close()
	log := rig.Logger()
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: p.Pool, Timeout: 10 * time.Second}, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	pl, err := rig.NewPipeline(r, pool, log)
	if err != nil {
		return err
	}
	defer pl.Close()
	rig.Logf("seeding %d customers...", p.Customers)
	if err := rig.SeedCustomers(ctx, pl.Store, p.Customers); err != nil {
		return err
	}
	w, err := pl.Worker(worker.Config{Concurrency: p.Concurrency, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Shutdown()
	insp := asynq.NewInspectorFromRedisClient(r.Client)

	// Warm-up: the pool's connections are open, scripts loaded, code paths hot.
	if _, err := enqueue(ctx, pl.Client, "warm", p.Warmup, p.Customers); err != nil {
		return err
	}
	if err := waitSink(ctx, sink, p.Warmup, dur); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}

	out := report{Benchmark: "send", Machine: rig.Facts(r.Version()), Params: p}
	before, err := rig.RawSend(ctx, r, sink, "go-mail, pool options, before", p.Messages, p.Pool, true, dur)
	if err != nil {
		return err
	}
	logRaw(before)

	// The pipeline: tasks queued while the queue is paused, then released at once.
	if err := insp.PauseQueue(tasks.QueueCritical); err != nil {
		return err
	}
	enqRate, err := enqueue(ctx, pl.Client, "snd", p.Messages, p.Customers)
	if err != nil {
		return err
	}
	sink.Reset()
	stopProf, err := rig.Profile(prof)
	if err != nil {
		return err
	}
	cpu := rig.StartCPU(r)
	if err := insp.UnpauseQueue(tasks.QueueCritical); err != nil {
		return err
	}
	werr := waitSink(ctx, sink, p.Messages, dur)
	res := pipelineResult{CPU: cpu.Stop(), EnqueuePerS: enqRate}
	stopProf()
	res.Messages = int(sink.Count())
	res.PerS = rig.Round(float64(res.Messages) / res.CPU.Seconds)
	res.PerCPUSec = rig.Round(float64(res.Messages) / (res.CPU.Seconds * (res.CPU.GoCores + res.CPU.RedisCores)))
	res.AvgBytes = rig.Round(float64(sink.Bytes()) / float64(max(res.Messages, 1)))
	out.Pipeline = res
	rig.Logf("pipeline, concurrency %d, pool %d: %8.0f messages/s (%d in %.2fs; go %.2f cores, redis %.2f cores, others %.2f cores; %.0f B/message)",
		p.Concurrency, p.Pool, res.PerS, res.Messages, res.CPU.Seconds, res.CPU.GoCores, res.CPU.RedisCores, res.CPU.OtherCores, res.AvgBytes)
	if werr != nil {
		return fmt.Errorf("pipeline: %w", werr)
	}
	if err := settle(insp); err != nil {
		return err
	}
	if n := sink.Count(); n != int64(p.Messages) {
		return fmt.Errorf("pipeline: %d messages at the sink for %d tasks", n, p.Messages)
	}

	after, err := rig.RawSend(ctx, r, sink, "go-mail, pool options, after", p.Messages, p.Pool, true, dur)
	if err != nil {
		return err
	}
	logRaw(after)
	defaults, err := rig.RawSend(ctx, r, sink, "go-mail, default options (NOOP and RSET per message)", p.Messages, p.Pool, false, dur)
	if err != nil {
		return err
	}
	logRaw(defaults)
	if out.AsynqNoop, err = noopProcess(ctx, r, p.Messages, p.Concurrency, dur); err != nil {
		return err
	}
	rig.Logf("asynq alone, no-op handler, concurrency %d: %8.0f tasks/s (%d in %.2fs; go %.2f cores, redis %.2f cores, others %.2f cores)",
		p.Concurrency, out.AsynqNoop.PerS, out.AsynqNoop.Tasks, out.AsynqNoop.CPU.Seconds, out.AsynqNoop.CPU.GoCores, out.AsynqNoop.CPU.RedisCores, out.AsynqNoop.CPU.OtherCores)
	out.RatioNoop = rig.Round(res.PerS / out.AsynqNoop.PerS)
	out.GoMail = []rig.RawResult{before, after, defaults}
	out.Bound = rig.Round(1 / (1/out.AsynqNoop.PerS + 2/(before.PerS+after.PerS)))
	out.RatioBound = rig.Round(res.PerS / out.Bound)
	out.Ceiling = rig.Round((before.PerS + after.PerS) / 2)
	out.Ratio = rig.Round(res.PerS / out.Ceiling)
	out.RatioPerCPU = rig.Round(res.PerCPUSec / ((before.PerCPUSec + after.PerCPUSec) / 2))
	rig.Logf("ratio pipeline / go-mail alone: %.2f (per CPU second: %.2f); pipeline / asynq no-op: %.2f; pipeline / combined bound (%.0f/s): %.2f",
		out.Ratio, out.RatioPerCPU, out.RatioNoop, out.Bound, out.RatioBound)
	return rig.PrintJSON(out)
}

func logRaw(r rig.RawResult) {
	rig.Logf("%s: %8.0f messages/s (%d in %.2fs; go %.2f cores, others %.2f cores; %.0f B/message)",
		r.Label, r.PerS, r.Messages, r.CPU.Seconds, r.CPU.GoCores, r.CPU.OtherCores, r.AvgBytes)
}

// enqueue writes n send tasks as jobs.Ingester would for n orders, and returns the rate.
func enqueue(ctx context.Context, c *asynq.Client, prefix string, n, customers int) (float64, error) {
	at := time.Now().UTC()
	t0 := time.Now()
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		cust := rig.CustomerID(i % customers)
		props, _ := rig.Order(cust, id, float64(20+i%180), at, false)["properties"].(map[string]any)
		p := &tasks.SendPayload{Campaign: rig.CampaignID, Customer: cust, Occurrence: id, Due: at,
			Event: &tasks.EventPayload{ID: id, Name: "Order Completed", Properties: props, Timestamp: at}}
		body, err := json.Marshal(p)
		if err != nil {
			return 0, err
		}
		if _, err := c.EnqueueContext(ctx, asynq.NewTask(tasks.TypeSend, body),
			asynq.TaskID(tasks.SendTaskID(p.Campaign, p.Customer, p.Occurrence)),
			asynq.Queue(tasks.QueueCritical), asynq.MaxRetry(20)); err != nil {
			return 0, fmt.Errorf("enqueue %s: %w", id, err)
		}
	}
	return rig.Round(float64(n) / time.Since(t0).Seconds()), nil
}

func waitSink(ctx context.Context, sink *rig.Sink, n int, dur time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	if got := sink.WaitCount(wctx, int64(n)); got < int64(n) {
		return fmt.Errorf("%d of %d messages arrived within %s", got, n, dur)
	}
	return nil
}

// settle waits until the worker has recorded every outcome (nothing pending, active or retrying).
func settle(insp *asynq.Inspector) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if idle, err := worker.Idle(insp, tasks.QueueCritical); err == nil && idle {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	q, err := insp.GetQueueInfo(tasks.QueueCritical)
	return fmt.Errorf("queue did not settle: %+v %v", q, err)
}
