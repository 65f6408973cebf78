// Command latency measures the triggered latency of issue 2: the time from the response to a
// POST /v1/track of an Order Completed to the moment the email's DATA is complete at the SMTP
// server, at a steady rate, and prints one JSON object on stdout.
//
// It starts a redis-server, an SMTP sink (emersion/go-smtp) and Rapport wired as `rapport
// serve` wires it: api.Server on a loopback listener, the worker (jobs.NewWorker with its
// defaults: concurrency 32, PollInterval 10ms) and channels.SMTPPool to the sink. Customers
// are seeded first (not timed). Events are sent open-loop, -rate a second, each on its own
// goroutine, so a slow answer does not slow the load down. The campaign's subject carries the
// order id ("Order lat-17"), by which the sink's timestamp is matched to its event.
//
// Usage: go run ./bench/latency [-events 2000] [-rate 200] [-cpuprofile latency.pprof]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/jobs/worker"
)

type params struct {
	Events      int     `json:"events"`
	Rate        float64 `json:"rate_per_s"`
	Customers   int     `json:"customers"`
	Concurrency int     `json:"worker_concurrency"`
	Pool        int     `json:"smtp_pool"`
	PollMs      float64 `json:"worker_poll_interval_ms"`
	Warmup      int     `json:"warmup_events"`
	TimeoutS    float64 `json:"timeout_s"`
}

type report struct {
	Benchmark   string          `json:"benchmark"`
	Machine     rig.Machine     `json:"machine"`
	Params      params          `json:"params"`
	Sent        int             `json:"events_sent"`
	Failed      int             `json:"requests_failed"`
	Delivered   int             `json:"delivered"`
	AchievedHz  float64         `json:"achieved_rate_per_s"`
	Latency     rig.Percentiles `json:"track_response_to_smtp"`
	EndToEnd    rig.Percentiles `json:"track_request_to_smtp"`
	Track       rig.Percentiles `json:"track_request"`
	CPU         rig.Phase       `json:"cpu"`
	TargetP50   float64         `json:"target_p50_ms"`
	TargetP99   float64         `json:"target_p99_ms"`
	MeetsTarget bool            `json:"meets_target"`
}

func main() {
	var p params
	flag.IntVar(&p.Events, "events", 2000, "events to send")
	flag.Float64Var(&p.Rate, "rate", 200, "events per second")
	flag.IntVar(&p.Customers, "customers", 2000, "distinct customers, seeded before the run")
	flag.IntVar(&p.Concurrency, "concurrency", 0, "worker concurrency (0: worker.Config's default)")
	flag.IntVar(&p.Pool, "pool", 8, "SMTP connections")
	poll := flag.Duration("poll", 0, "worker PollInterval (0: worker.Config's default)")
	flag.IntVar(&p.Warmup, "warmup", 50, "events sent and delivered before the measured run")
	timeout := flag.Duration("timeout", 60*time.Second, "longest wait for the last message after the last event")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the measured run to this file")
	flag.Parse()
	p.PollMs, p.TimeoutS = float64(*poll)/float64(time.Millisecond), timeout.Seconds()
	if err := run(p, *poll, *timeout, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "bench/latency:", err)
		os.Exit(1)
	}
}

// arrivals records when each event's message reached the sink.
type arrivals struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (a *arrivals) note(subject string, t time.Time) {
	id, ok := strings.CutPrefix(subject, "Order ")
	if !ok {
		return
	}
	a.mu.Lock()
	if _, dup := a.at[id]; !dup {
		a.at[id] = t
	}
	a.mu.Unlock()
}

func (a *arrivals) get(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[id]
	return t, ok
}

func run(p params, poll, timeout time.Duration, prof string) error {
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
	arr := &arrivals{at: map[string]time.Time{}}
	sink.OnMessage(arr.note)
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
	w, err := pl.Worker(worker.Config{Concurrency: p.Concurrency, PollInterval: poll, ShutdownTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Shutdown()
	base, stop, err := pl.ServeAPI()
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}

	// Warm-up: connections, scripts and SMTP sessions are open before the measured run.
	warm := make([]string, p.Warmup)
	for i := range warm {
		warm[i] = "warm-" + strconv.Itoa(i)
	}
	if _, _, failed := send(ctx, client, base, warm, p.Customers, p.Rate); failed > 0 {
		return fmt.Errorf("%d warm-up requests failed", failed)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	got := sink.WaitCount(wctx, int64(p.Warmup))
	cancel()
	if got < int64(p.Warmup) {
		return fmt.Errorf("warm-up: %d of %d messages arrived", got, p.Warmup)
	}

	ids := make([]string, p.Events)
	for i := range ids {
		ids[i] = "lat-" + strconv.Itoa(i)
	}
	stopProf, err := rig.Profile(prof)
	if err != nil {
		return err
	}
	cpu := rig.StartCPU(r)
	timings, elapsed, failed := send(ctx, client, base, ids, p.Customers, p.Rate)
	wctx, cancel = context.WithTimeout(ctx, timeout)
	sink.WaitCount(wctx, int64(p.Warmup+p.Events-failed))
	cancel()
	out := report{Benchmark: "latency", Machine: rig.Facts(r.Version()), Params: p, TargetP50: 20, TargetP99: 100}
	out.CPU = cpu.Stop()
	stopProf()

	var lat, e2e, track []time.Duration
	for i, id := range ids {
		tm := timings[i]
		if tm.resp.IsZero() {
			continue
		}
		track = append(track, tm.resp.Sub(tm.req))
		if at, ok := arr.get(id); ok {
			lat = append(lat, at.Sub(tm.resp))
			e2e = append(e2e, at.Sub(tm.req))
		}
	}
	out.Sent, out.Failed, out.Delivered = p.Events, failed, len(lat)
	out.AchievedHz = rig.Round(float64(p.Events-1) / elapsed.Seconds())
	out.Latency, out.EndToEnd, out.Track = rig.Summarise(lat), rig.Summarise(e2e), rig.Summarise(track)
	out.MeetsTarget = out.Delivered == p.Events && out.Latency.P50 < out.TargetP50 && out.Latency.P99 < out.TargetP99
	l := out.Latency
	rig.Logf("%d events at %.0f/s (achieved %.1f/s), %d delivered, %d requests failed; go %.2f cores, redis %.2f cores, others %.2f cores",
		p.Events, p.Rate, out.AchievedHz, out.Delivered, failed, out.CPU.GoCores, out.CPU.RedisCores, out.CPU.OtherCores)
	rig.Logf("track response -> SMTP DATA done: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (target p50 < 20, p99 < 100: %v); track request itself p50 %.1f ms, p99 %.1f ms",
		l.P50, l.P90, l.P99, l.Max, out.MeetsTarget, out.Track.P50, out.Track.P99)
	if out.Delivered < p.Events {
		rig.Logf("WARNING: %d messages did not arrive within %s", p.Events-out.Delivered, timeout)
	}
	return rig.PrintJSON(out)
}

type timing struct{ req, resp time.Time }

// send posts one track per id at rate per second, open-loop: each on its own goroutine at its
// scheduled time. It returns each request's start and response times, how long the sending
// took, and how many requests failed.
func send(ctx context.Context, client *http.Client, base string, ids []string, customers int, rate float64) ([]timing, time.Duration, int) {
	out := make([]timing, len(ids))
	var (
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	start := time.Now()
	for i, id := range ids {
		if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(rig.Order(rig.CustomerID(i%customers), id, float64(20+i%180), time.Now(), false))
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/track", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+rig.APIKey)
			req.Header.Set("Content-Type", "application/json")
			t := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil {
				if failed.Add(1) <= 3 {
					rig.Logf("track %s: %v", id, err)
				}
				return
			}
			out[i] = timing{req: t, resp: time.Now()}
		}()
	}
	elapsed := time.Since(start)
	wg.Wait()
	return out, elapsed, int(failed.Load())
}
