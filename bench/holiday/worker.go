package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/worker"
)

// workerArgs is what the benchmark passes to its worker process.
type workerArgs struct {
	Redis, SMTP, Dir, CPUProfile string
	Concurrency, Pool            int
	CatchUp                      time.Duration
}

// runWorker is the worker process: Rapport's worker wired as `rapport serve --roles worker`
// wires it (cmd/rapport/serve.go: worker.New with the fan-out and batch handlers, a
// channels.SMTPPool), on the benchmark's Redis and sink. It prints "ready" once started and
// runs until SIGTERM.
func runWorker(a workerArgs) error {
	stopProf, err := rig.Profile(a.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProf()
	rdb, err := redisconn.Open(a.Redis)
	if err != nil {
		return err
	}
	defer rdb.Close()
	log := rig.Logger()
	// The garbage collector as `rapport serve` sets it with the default configuration.
	def := config.Default().Worker
	worker.TuneRuntime(def.GOGC, int64(def.MemoryLimit), log)
	cat, err := rig.LoadCatalog(a.Dir)
	if err != nil {
		return err
	}
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: a.SMTP, From: "Shop <shop@example.com>", Size: a.Pool, Timeout: 10 * time.Second}, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := customers.NewStore(rdb, customers.Options{})
	client := asynq.NewClientFromRedisClient(rdb)
	defer client.Close()
	d, err := rig.NewDeliverer(cat, store, rdb, client, pool, log)
	if err != nil {
		return err
	}
	f, err := schedule.NewFanout(schedule.FanoutConfig{Catalog: cat, Store: store, RDB: rdb, Enqueue: client, CatchUp: a.CatchUp, Log: log})
	if err != nil {
		return err
	}
	b, err := schedule.NewBatcher(schedule.BatchConfig{Deliverer: d, RDB: rdb, Log: log})
	if err != nil {
		return err
	}
	w, err := worker.New(rdb, worker.Config{Concurrency: a.Concurrency, ShutdownTimeout: 10 * time.Second},
		worker.Handlers{Send: d, Batch: b, Fanout: f}, log)
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	if err := w.Start(); err != nil {
		return err
	}
	fmt.Println("ready")
	<-sig
	w.Shutdown()
	return nil
}

// workerProc is the worker process as the benchmark sees it.
type workerProc struct {
	cmd *exec.Cmd
}

// startWorker runs this program again with -worker and waits until its worker is started.
func startWorker(ctx context.Context, a workerArgs) (*workerProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-worker", "-redis-url", a.Redis, "-smtp-url", a.SMTP, "-dir", a.Dir,
		"-concurrency", strconv.Itoa(a.Concurrency), "-pool", strconv.Itoa(a.Pool), "-catch-up", a.CatchUp.String(),
		"-cpuprofile", a.CPUProfile)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("worker process did not start: %q %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &workerProc{cmd: cmd}, nil
}

// Pid is the worker process's id.
func (p *workerProc) Pid() int { return p.cmd.Process.Pid }

// Stop asks the worker to shut down and waits for it.
func (p *workerProc) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	return p.cmd.Wait()
}
