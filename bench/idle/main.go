// Command idle measures what a worker with nothing to do costs: the CPU of a worker (wired as
// `rapport serve --roles worker` wires it, in this process) and of its redis-server over
// -duration with no task at all, for each of the -poll intervals given (asynq's
// TaskCheckInterval: how often an idle worker asks Redis for a task). The latency a poll
// interval costs a triggered message is measured by bench/latency -poll.
//
//	go run ./bench/idle [-duration 60s] [-poll 10ms,50ms]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/jobs/worker"
)

type result struct {
	PollMs float64   `json:"poll_ms"`
	CPU    rig.Phase `json:"cpu"`
	// WorkerCores and RedisCores are the idle cost: cores busy on average for nothing.
	WorkerCores float64 `json:"worker_cores"`
	RedisCores  float64 `json:"redis_cores"`
}

type report struct {
	Machine  rig.Machine `json:"machine"`
	Duration float64     `json:"duration_s"`
	Results  []result    `json:"results"`
}

func main() {
	dur := flag.Duration("duration", 60*time.Second, "idle time measured per poll interval")
	polls := flag.String("poll", "10ms,50ms", "comma-separated worker poll intervals (0: worker.Config's default)")
	flag.Parse()
	if err := run(*dur, *polls); err != nil {
		fmt.Fprintln(os.Stderr, "bench/idle:", err)
		os.Exit(1)
	}
}

func run(dur time.Duration, polls string) error {
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
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: 1, Timeout: 10 * time.Second}, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	pl, err := rig.NewPipeline(r, pool, log)
	if err != nil {
		return err
	}
	defer pl.Close()
	rep := report{Machine: rig.Facts(r.Version()), Duration: dur.Seconds()}
	for _, s := range strings.Split(polls, ",") {
		poll, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-poll %q: %w", s, err)
		}
		w, err := pl.Worker(worker.Config{PollInterval: poll, ShutdownTimeout: 5 * time.Second})
		if err != nil {
			return err
		}
		if err := w.Start(); err != nil {
			return err
		}
		time.Sleep(2 * time.Second) // the worker's start-up work (heartbeat, queues) is not idle cost
		m := rig.StartCPU(r)
		time.Sleep(dur) // the measurement is of doing nothing for dur
		ph := m.Stop()
		w.Shutdown()
		res := result{PollMs: float64(poll) / float64(time.Millisecond), CPU: ph, WorkerCores: ph.GoCores, RedisCores: ph.RedisCores}
		rig.Logf("poll %s: worker %.3f cores, redis %.3f cores (others %.2f)", poll, ph.GoCores, ph.RedisCores, ph.OtherCores)
		rep.Results = append(rep.Results, res)
	}
	return rig.PrintJSON(rep)
}
