// Command fanout measures the fan-out alone (issue 3): customers paged, classified and
// batched per second for one occurrence of the holiday greeting of bench/holiday, without
// sending. It prints one JSON object on stdout and a summary on stderr.
//
// It starts a redis-server (bench/internal/rig), loads -customers customers over 24 time
// zones through customers.Store.Apply, fires the occurrence with a schedule.Scheduler on an
// injected clock, takes the fan-out task out of asynq and runs it in this process with
// schedule.Fanout.ProcessTask, the handler `rapport serve` registers: it pages the index, reads
// each page of profiles in one pipeline, classifies every customer (instant, audience,
// catch-up) and enqueues the batch tasks, checkpointing each page. Nothing consumes the
// batches: they are counted in asynq afterwards.
//
// -mode holiday (default): the customers' instants are their own 10:00 local time in 24 zones,
// all due now (catch_up and the pass horizon 27 h, as in bench/holiday), so a page of 1,000
// customers becomes 24 batches of about 42. -mode cron: one UTC instant, batches of 500.
//
// Usage: go run ./bench/fanout [-customers 1000000] [-mode holiday|cron] [-cpuprofile fanout.pprof]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
)

type params struct {
	Customers int    `json:"customers"`
	Mode      string `json:"mode"`
	Zones     int    `json:"time_zones"`
	PageSize  int    `json:"page_size"`
	BatchSize int    `json:"batch_size"`
}

type report struct {
	Benchmark string       `json:"benchmark"`
	Machine   rig.Machine  `json:"machine"`
	Params    params       `json:"params"`
	Seconds   float64      `json:"seconds"`
	PerS      float64      `json:"customers_per_s"`
	PerCPUSec float64      `json:"customers_per_cpu_s"`
	Batches   int          `json:"batch_tasks"`
	PerBatch  float64      `json:"customers_per_batch"`
	BatchPerS float64      `json:"batch_tasks_per_s"`
	CPU       rig.Phase    `json:"cpu"`
	Run       schedule.Run `json:"run"`
	HeapMiB   float64      `json:"process_vm_hwm_mib"`
}

func main() {
	var p params
	flag.IntVar(&p.Customers, "customers", 1_000_000, "customers in the base")
	flag.StringVar(&p.Mode, "mode", "holiday", "holiday: 24 instants, one per zone; cron: one instant")
	flag.IntVar(&p.PageSize, "page", 0, "schedule.Fanout.PageSize (0: its default, 1000)")
	flag.IntVar(&p.BatchSize, "batch", 0, "schedule.Fanout.BatchSize (0: its default, 500)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the fan-out to this file")
	flag.Parse()
	if err := run(p, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fanout:", err)
		os.Exit(1)
	}
}

func run(p params, prof string) error {
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	rep := report{Benchmark: "fanout", Params: p, Machine: rig.Facts(r.Version())}
	rep.Params.Zones = len(rig.Zones)
	store := customers.NewStore(r.Client, customers.Options{})
	rig.Logf("loading %d customers over %d time zones...", p.Customers, len(rig.Zones))
	if err := rig.SeedZoned(ctx, store, p.Customers, 4); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Minute)
	wall, horizon, fire := now.Add(-time.Minute), time.Hour, now.Add(-6*time.Minute)
	if p.Mode == "holiday" {
		wall, horizon = now.Add(-10*time.Hour-time.Minute), 27*time.Hour
		fire = wall.Add(-14*time.Hour - 5*time.Minute)
	}
	dir, err := rig.WriteConfig(rig.GreetingFiles(wall, p.Mode == "cron"))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cat, err := rig.LoadCatalog(dir)
	if err != nil {
		return err
	}
	client := asynq.NewClientFromRedisClient(r.Client)
	defer client.Close()
	clock := fire.Add(-time.Second)
	sched, err := schedule.NewScheduler(schedule.Config{Catalog: cat, RDB: r.Client, Enqueue: client, CatchUp: 27 * time.Hour, Horizon: horizon,
		Now: func() time.Time { return clock }, Log: rig.Logger()})
	if err != nil {
		return err
	}
	if _, err := sched.Tick(ctx, clock); err != nil {
		return err
	}
	clock = fire
	if n, err := sched.Tick(ctx, clock); err != nil || n != 1 {
		return fmt.Errorf("scheduler fired %d occurrences: %v", n, err)
	}
	task, err := takeFanout(r)
	if err != nil {
		return err
	}
	f, err := schedule.NewFanout(schedule.FanoutConfig{Catalog: cat, Store: store, RDB: r.Client, Enqueue: client, CatchUp: 27 * time.Hour,
		PageSize: p.PageSize, BatchSize: p.BatchSize, Log: rig.Logger()})
	if err != nil {
		return err
	}
	stop, err := rig.Profile(prof)
	if err != nil {
		return err
	}
	rig.Logf("fan-out of %d customers (%s mode)...", p.Customers, p.Mode)
	meter := rig.StartCPU(r)
	start := time.Now()
	err = f.ProcessTask(ctx, task)
	elapsed := time.Since(start)
	rep.CPU = meter.Stop()
	stop()
	if err != nil {
		return err
	}
	rep.Seconds = rig.Round(elapsed.Seconds())
	rep.PerS = rig.Round(float64(p.Customers) / elapsed.Seconds())
	rep.PerCPUSec = rig.Round(float64(p.Customers) / (elapsed.Seconds() * (rep.CPU.GoCores + rep.CPU.RedisCores)))
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	queues, _ := insp.Queues()
	for _, q := range queues {
		if qi, err := insp.GetQueueInfo(q); err == nil {
			rep.Batches += qi.Pending + qi.Scheduled
		}
	}
	if rep.Batches > 0 {
		rep.PerBatch = rig.Round(float64(p.Customers) / float64(rep.Batches))
	}
	rep.BatchPerS = rig.Round(float64(rep.Batches) / elapsed.Seconds())
	if runs, err := (&schedule.Runs{RDB: r.Client, Catalog: cat}).Recent(ctx, rig.GreetingID, 1); err == nil && len(runs) == 1 {
		rep.Run = runs[0]
	}
	hwm, _ := rig.ProcStatus(os.Getpid())
	rep.HeapMiB = rig.Round(float64(hwm) / (1 << 20))
	rig.Logf("fan-out: %d customers in %.1fs: %.0f/s, %d batch tasks (%.0f customers each); go %.2f + redis %.2f cores",
		p.Customers, elapsed.Seconds(), rep.PerS, rep.Batches, rep.PerBatch, rep.CPU.GoCores, rep.CPU.RedisCores)
	if rep.Run.Queued != int64(p.Customers) {
		defer os.Exit(1)
		rig.Logf("FAILED: %d customers queued of %d", rep.Run.Queued, p.Customers)
	}
	return rig.PrintJSON(rep)
}

// takeFanout removes the occurrence's fan-out task from asynq and returns it, to run here.
func takeFanout(r *rig.Redis) (*asynq.Task, error) {
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	queues, err := insp.Queues()
	if err != nil {
		return nil, err
	}
	for _, q := range queues {
		for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){insp.ListPendingTasks, insp.ListScheduledTasks} {
			infos, _ := list(q)
			for _, ti := range infos {
				if ti.Type == tasks.TypeFanout {
					if err := insp.DeleteTask(q, ti.ID); err != nil {
						return nil, err
					}
					return asynq.NewTask(ti.Type, ti.Payload), nil
				}
			}
		}
	}
	return nil, fmt.Errorf("no fan-out task in asynq")
}
