// Command ingest measures events/s through POST /v1/batch (issue 2, "Ingest"), next to asynq's
// own enqueue rate measured in the same run, and prints one JSON object on stdout.
//
// It starts a redis-server on a free port, seeds -customers customers (not timed), loads one
// triggered campaign that every Order Completed of the run triggers, and serves the real
// api.Server on a loopback listener with no worker running: what is measured is ingest only
// (decode, profile update, trigger evaluation, one send task enqueued per event). -conns
// clients post pre-encoded batches of -batch Order Completed events for distinct customers
// until -events events are in or -duration has passed.
//
// The ceiling is asynq.Client.Enqueue of the same number of tasks (same payload as the
// ingester's, TaskID, queue and MaxRetry) into another database of the same redis-server,
// from as many goroutines as the ingester can have enqueues in flight (-conns × 16,
// trigger.enqueueParallelism), measured before and after the ingest; the ratio is taken to
// their mean. asynq from only -conns goroutines is measured once for reference, and a
// what-if: asynq's enqueue script run a whole batch per pipelined round trip (whatif.go).
//
// Usage: go run ./bench/ingest [-events 200000] [-conns 16] [-cpuprofile ingest.pprof]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/bench/internal/rig"
)

// enqueueParallelism mirrors trigger.enqueueParallelism (unexported): the ingester's concurrent
// enqueues per request.
const enqueueParallelism = 16

type params struct {
	Events      int     `json:"events"`
	Batch       int     `json:"batch"`
	Conns       int     `json:"conns"`
	Customers   int     `json:"customers"`
	Warmup      int     `json:"warmup_requests"`
	DurationS   float64 `json:"duration_limit_s"`
	RedisPool   int     `json:"redis_pool_size"`
	Parallelism int     `json:"ingester_enqueue_parallelism"`
}

type ingestResult struct {
	Events         int             `json:"events"`
	Requests       int             `json:"requests"`
	Errors         int             `json:"errors"`
	EventsPerS     float64         `json:"events_per_s"`
	PerCPUSec      float64         `json:"events_per_cpu_s"`
	Latency        rig.Percentiles `json:"request_latency"`
	CPU            rig.Phase       `json:"cpu"`
	TasksEnqueued  int             `json:"tasks_enqueued"`
	ProfilesStored int64           `json:"profiles_stored"`
}

type rawResult struct {
	Label       string    `json:"label,omitempty"`
	Concurrency int       `json:"concurrency"`
	Enqueues    int       `json:"enqueues"`
	Errors      int       `json:"errors"`
	PerS        float64   `json:"enqueues_per_s"`
	PerCPUSec   float64   `json:"enqueues_per_cpu_s"`
	CPU         rig.Phase `json:"cpu"`
}

type report struct {
	Benchmark     string       `json:"benchmark"`
	Machine       rig.Machine  `json:"machine"`
	Params        params       `json:"params"`
	Ingest        ingestResult `json:"ingest"`
	AsynqRaw      []rawResult  `json:"asynq_raw"`
	Ceiling       float64      `json:"asynq_raw_enqueues_per_s"`
	Ratio         float64      `json:"ratio_ingest_to_asynq_raw"`
	RatioPerCPU   float64      `json:"ratio_per_cpu_s"`
	Target        float64      `json:"target_events_per_s"`
	MeetsTarget   bool         `json:"meets_target"`
	RedisMemoryMB float64      `json:"redis_used_memory_mb"`
	// WhatIf is not a ceiling: asynq's enqueue script run a batch at a time in one pipeline
	// (see whatif.go), what a batched enqueue in jobs.Ingester could reach.
	WhatIf rawResult `json:"whatif_pipelined_enqueue"`
}

func main() {
	var p params
	flag.IntVar(&p.Events, "events", 200_000, "events to ingest (and tasks to enqueue raw)")
	flag.IntVar(&p.Batch, "batch", 100, "events per /v1/batch request")
	flag.IntVar(&p.Conns, "conns", 16, "concurrent HTTP clients (and raw enqueue goroutines)")
	flag.IntVar(&p.Customers, "customers", 20_000, "distinct customers, seeded before the run (a multiple of -batch)")
	flag.IntVar(&p.Warmup, "warmup", 20, "requests sent before the timed run")
	dur := flag.Duration("duration", 90*time.Second, "upper bound of each timed phase")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the ingest phase to this file")
	flag.Parse()
	p.DurationS = dur.Seconds()
	p.Parallelism = enqueueParallelism
	if err := run(p, *dur, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ingest:", err)
		os.Exit(1)
	}
}

func run(p params, dur time.Duration, prof string) error {
	if p.Batch <= 0 || p.Customers < p.Batch || p.Events < p.Batch {
		return fmt.Errorf("need -customers >= -batch and -events >= -batch > 0")
	}
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	if c, ok := r.Client.(*redis.Client); ok {
		p.RedisPool = c.Options().PoolSize
	}
	pl, err := rig.NewPipeline(r, nil, rig.Logger())
	if err != nil {
		return err
	}
	defer pl.Close()
	rig.Logf("seeding %d customers...", p.Customers)
	if err := rig.SeedCustomers(ctx, pl.Store, p.Customers); err != nil {
		return err
	}
	out := report{Benchmark: "ingest", Machine: rig.Facts(r.Version()), Target: 10_000}

	// The ceiling, in database 1 of the same server: before and after the ingest, so that a
	// neighbour's load on this shared machine weighs on both sides.
	raw, err := r.DB(1)
	if err != nil {
		return err
	}
	defer raw.Close()
	inFlight := p.Conns * enqueueParallelism
	measure := func(label string, c int) (rawResult, error) {
		res, err := rawEnqueue(ctx, r, raw, p.Events, c, dur)
		if err != nil {
			return res, err
		}
		res.Label, res.PerCPUSec = label, perCPU(res.Enqueues, res.CPU)
		rig.Logf("asynq raw enqueue, %3d goroutines, %-6s: %8.0f tasks/s (%d in %.2fs; go %.2f cores, redis %.2f cores, others %.2f cores)",
			c, label, res.PerS, res.Enqueues, res.CPU.Seconds, res.CPU.GoCores, res.CPU.RedisCores, res.CPU.OtherCores)
		out.AsynqRaw = append(out.AsynqRaw, res)
		return res, raw.FlushDB(ctx).Err()
	}
	if _, err := measure("conns", p.Conns); err != nil {
		return err
	}
	before, err := measure("before", inFlight)
	if err != nil {
		return err
	}
	if out.WhatIf, err = pipelinedEnqueue(ctx, r, raw, p.Events, p.Batch, p.Conns, dur); err != nil {
		return err
	}
	out.WhatIf.PerCPUSec = perCPU(out.WhatIf.Enqueues, out.WhatIf.CPU)
	rig.Logf("what-if, asynq's enqueue script pipelined %d at a time, %d goroutines: %8.0f tasks/s (go %.2f cores, redis %.2f cores, others %.2f cores)",
		p.Batch, p.Conns, out.WhatIf.PerS, out.WhatIf.CPU.GoCores, out.WhatIf.CPU.RedisCores, out.WhatIf.CPU.OtherCores)
	if err := raw.FlushDB(ctx).Err(); err != nil {
		return err
	}

	if out.Ingest, err = ingest(ctx, pl, p, dur, prof); err != nil {
		return err
	}
	after, err := measure("after", inFlight)
	if err != nil {
		return err
	}
	out.Ceiling = rig.Round((before.PerS + after.PerS) / 2)
	out.RatioPerCPU = rig.Round(perCPU(out.Ingest.Events, out.Ingest.CPU) / ((before.PerCPUSec + after.PerCPUSec) / 2))
	out.Ingest.PerCPUSec = perCPU(out.Ingest.Events, out.Ingest.CPU)
	out.Params = p
	out.Ratio = rig.Round(out.Ingest.EventsPerS / out.Ceiling)
	out.MeetsTarget = out.Ingest.EventsPerS >= out.Target
	out.RedisMemoryMB = r.MemoryMB()
	l := out.Ingest.Latency
	rig.Logf("ingest via POST /v1/batch, %d conns: %8.0f events/s (%d events in %.2fs; go %.2f cores, redis %.2f cores, others %.2f cores)",
		p.Conns, out.Ingest.EventsPerS, out.Ingest.Events, out.Ingest.CPU.Seconds, out.Ingest.CPU.GoCores, out.Ingest.CPU.RedisCores, out.Ingest.CPU.OtherCores)
	rig.Logf("request latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d send tasks enqueued; ratio to asynq raw %.2f; target %.0f events/s: %v",
		l.P50, l.P99, l.Max, out.Ingest.TasksEnqueued, out.Ratio, out.Target, out.MeetsTarget)
	return rig.PrintJSON(out)
}

// perCPU is n per CPU second of this process and redis-server together: the figure that a
// neighbour's load on a shared machine moves least.
func perCPU(n int, c rig.Phase) float64 {
	if cores := c.GoCores + c.RedisCores; cores > 0 {
		return rig.Round(float64(n) / (c.Seconds * cores))
	}
	return 0
}
