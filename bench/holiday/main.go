// Command holiday measures the scheduled path of issue 3: a holiday greeting to -customers
// customers spread over 24 time zones, all due now, from the occurrence to the last message
// accepted by a local SMTP sink; next to go-mail's raw send rate to the same sink in the same
// run. It prints one JSON object on stdout and a summary on stderr.
//
// It starts a redis-server and an SMTP sink (bench/internal/rig), loads the base through
// customers.Store.Apply (identify events: email with consent, name, locale, one of 24 time
// zones and its country, in turn), then starts the worker as a process of its own (this
// program with -worker: worker.New with the fan-out and batch handlers and a
// channels.SMTPPool, as `rapport serve --roles worker` wires them), so that its memory is
// measured alone (VmHWM). A schedule.Scheduler with an injected clock then fires the occurrence,
// and the clock runs until the sink has every message.
//
// "All due now": -mode holiday (default) greets on a custom holiday dated today at a local
// time that every one of the 24 zones has already passed: the customers' instants spread
// over 23 hours, so the worker's catch_up and the scheduler's fan-out horizon are set to 27
// hours (in production a holiday's batches come due zone by zone over a day, and the default
// horizon of one hour pages the audience once per zone). -mode cron sends a `schedule: {cron,
// tz: UTC}` campaign whose instant is now: one instant for everybody.
//
// Redis memory is used_memory before the base is loaded, after, and after the run (profiles,
// index, dedupe sets, delivery records, run state, and what asynq keeps), per customer.
//
// With -triggered N (issue 13.17) the worker also loads bench/latency's triggered campaign
// (Order Completed -> one email whose subject carries the order id), this process serves the
// API on the same Redis, and from the moment the occurrence fires until the blast's last
// message it posts N orders a second through POST /v1/track (open-loop, as bench/latency
// does); each order's email is matched at the sink by its subject, and the JSON's
// triggered_during_blast gives the time from track response to SMTP DATA done.
//
// With -learn (issue 10) the greeting learns its variant between two, its channel and its send
// time (rig.Learn); with no opens yet, optimize keeps every instant, so every message is still
// due now and the run's "sent" is the whole base.
//
// Usage: go run ./bench/holiday [-customers 1000000] [-mode holiday|cron] [-learn] [-triggered 200] [-concurrency 32] [-pool 8] [-cpuprofile worker.pprof]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/schedule"
)

type params struct {
	Customers   int     `json:"customers"`
	Mode        string  `json:"mode"`
	Zones       int     `json:"time_zones"`
	Concurrency int     `json:"worker_concurrency"`
	Pool        int     `json:"smtp_pool"`
	RawMessages int     `json:"gomail_messages"`
	CatchUpH    float64 `json:"catch_up_h"`
	HorizonH    float64 `json:"fanout_horizon_h"`
	DurationS   float64 `json:"duration_limit_s"`
	// Learn: the greeting learns its variant (two), channel and send time (rig.Learn).
	Learn bool `json:"learn"`
	// Triggered is the rate of Order Completed events posted during the blast (0: none).
	Triggered float64 `json:"triggered_per_s"`
	// ListpackValue is Redis's hash-max-listpack-value when set (0: the server's default, 64).
	ListpackValue int `json:"redis_hash_max_listpack_value,omitempty"`
}

type memory struct {
	EmptyBytes  int64   `json:"empty_bytes"`
	LoadedBytes int64   `json:"loaded_bytes"`
	AfterBytes  int64   `json:"after_run_bytes"`
	BaseBytesPC float64 `json:"base_bytes_per_customer"`
	RunBytesPC  float64 `json:"after_run_bytes_per_customer"`
	// Keys is MEMORY USAGE of one customer's keys after the run (mean over the first 100),
	// and of the index and the run's hash, per customer.
	Keys map[string]float64 `json:"key_bytes_per_customer"`
}

type sendResult struct {
	Messages  int64          `json:"messages"`
	Expected  int            `json:"expected"`
	WallS     float64        `json:"wall_s"`
	FirstMsgS float64        `json:"first_message_s"`
	PerS      float64        `json:"messages_per_s"`
	PerCPUSec float64        `json:"messages_per_cpu_s"`
	AvgBytes  float64        `json:"avg_message_bytes"`
	CPU       rig.Phase      `json:"cpu"`
	Worker    workerFigures  `json:"worker"`
	Run       map[string]any `json:"run"`
	Extra     int64          `json:"messages_after_settle"`
}

type workerFigures struct {
	VmHWMMiB float64 `json:"vm_hwm_mib"`
	VmRSSMiB float64 `json:"vm_rss_mib_at_end"`
	Cores    float64 `json:"cores"`
}

type report struct {
	Benchmark string      `json:"benchmark"`
	Machine   rig.Machine `json:"machine"`
	Params    params      `json:"params"`
	Seed      struct {
		Seconds      float64 `json:"seconds"`
		CustomersPer float64 `json:"customers_per_s"`
	} `json:"seed"`
	Memory  memory          `json:"redis_memory"`
	Send    sendResult      `json:"scheduled"`
	GoMail  []rig.RawResult `json:"gomail_raw"`
	Ceiling float64         `json:"gomail_raw_messages_per_s"`
	Ratio   float64         `json:"ratio_scheduled_to_gomail"`
	// Pool is Rapport's own transport alone (channels.SMTPPool, pipelined) with the same
	// messages: not the target's ceiling, shown so that the ratio's two parts are visible.
	Pool      rig.RawResult `json:"rapport_smtp_pool_alone"`
	RatioPool float64       `json:"ratio_scheduled_to_smtp_pool_alone"`
	// Triggered is issue 13.17: orders through POST /v1/track while the blast is sent.
	Triggered *triggeredResult `json:"triggered_during_blast,omitempty"`
	Targets   struct {
		Ratio70    bool `json:"ratio_at_least_0_7"`
		RSS256     bool `json:"worker_rss_under_256mib"`
		RedisUnder bool `json:"redis_under_1kib_per_customer"`
	} `json:"targets_met"`
}

func main() {
	var p params
	var w workerArgs
	worker := flag.Bool("worker", false, "internal: run as the benchmark's worker process")
	flag.StringVar(&w.Redis, "redis-url", "", "internal: the worker's Redis")
	flag.StringVar(&w.SMTP, "smtp-url", "", "internal: the worker's SMTP sink")
	flag.StringVar(&w.Dir, "dir", "", "internal: the worker's configuration directory")
	flag.DurationVar(&w.CatchUp, "catch-up", 27*time.Hour, "internal: the worker's catch_up")
	flag.IntVar(&p.Customers, "customers", 1_000_000, "customers in the base (and messages)")
	flag.StringVar(&p.Mode, "mode", "holiday", "holiday: on a custom holiday at local time in 24 zones; cron: one UTC instant")
	flag.IntVar(&p.Concurrency, "concurrency", 32, "worker concurrency (asynq)")
	flag.IntVar(&p.Pool, "pool", 8, "SMTP connections (pool size, and go-mail goroutines)")
	flag.IntVar(&p.RawMessages, "raw", 100_000, "messages of each go-mail measurement")
	flag.BoolVar(&p.Learn, "learn", false, "the greeting learns its variant (two), channel and send time: select learn, channel_select best, send_time optimize (rig.Learn)")
	flag.IntVar(&p.ListpackValue, "hash-max-listpack-value", 0, "set Redis's hash-max-listpack-value before loading (0: keep the default, 64)")
	flag.Float64Var(&p.Triggered, "triggered", 0, "Order Completed events per second posted through POST /v1/track during the blast (0: off)")
	dur := flag.Duration("duration", 15*time.Minute, "upper bound of the scheduled run")
	flag.StringVar(&w.CPUProfile, "cpuprofile", "", "write a CPU profile of the worker process to this file")
	flag.Parse()
	w.Concurrency, w.Pool = p.Concurrency, p.Pool
	if *worker {
		if err := runWorker(w); err != nil {
			fmt.Fprintln(os.Stderr, "bench/holiday worker:", err)
			os.Exit(1)
		}
		return
	}
	if p.Mode != "holiday" && p.Mode != "cron" {
		fmt.Fprintln(os.Stderr, "bench/holiday: -mode is holiday or cron")
		os.Exit(2)
	}
	p.DurationS = dur.Seconds()
	if err := run(p, w, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "bench/holiday:", err)
		os.Exit(1)
	}
}

func run(p params, w workerArgs, dur time.Duration) error {
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
	rep := report{Benchmark: "holiday", Params: p}
	rep.Machine = rig.Facts(r.Version())
	rep.Params.Zones = len(rig.Zones)
	if p.ListpackValue > 0 {
		// An operator's choice, not Rapport's: profiles whose values all fit are then stored
		// as listpacks instead of hash tables.
		if err := r.Client.ConfigSet(ctx, "hash-max-listpack-value", fmt.Sprint(p.ListpackValue)).Err(); err != nil {
			return err
		}
	}
	rep.Memory.EmptyBytes = r.UsedMemory()

	store := customers.NewStore(r.Client, customers.Options{})
	rig.Logf("loading %d customers over %d time zones...", p.Customers, len(rig.Zones))
	start := time.Now()
	if err := rig.SeedZoned(ctx, store, p.Customers, 4); err != nil {
		return err
	}
	rep.Seed.Seconds = rig.Round(time.Since(start).Seconds())
	rep.Seed.CustomersPer = rig.Round(float64(p.Customers) / time.Since(start).Seconds())
	rep.Memory.LoadedBytes = r.UsedMemory()
	rig.Logf("loaded in %.1fs (%.0f/s); Redis %.0f bytes per customer", rep.Seed.Seconds, rep.Seed.CustomersPer,
		float64(rep.Memory.LoadedBytes-rep.Memory.EmptyBytes)/float64(p.Customers))

	before, err := rig.RawSend(ctx, r, sink, "go-mail before", p.RawMessages, p.Pool, true, 2*time.Minute)
	if err != nil {
		return err
	}
	rep.GoMail = append(rep.GoMail, before)
	rig.Logf("go-mail alone (before): %.0f messages/s", before.PerS)
	if rep.Pool, err = rig.PoolSend(ctx, r, sink, "rapport smtp pool alone", p.RawMessages, p.Pool, 2*time.Minute); err != nil {
		return err
	}
	rig.Logf("Rapport's SMTP pool alone: %.0f messages/s", rep.Pool.PerS)

	// The occurrence: its instants (every zone's local time, or the cron instant) are all in
	// the past by at least a minute, the earliest 26 hours ago.
	now := time.Now().UTC().Truncate(time.Minute)
	wall, horizon := now.Add(-time.Minute), time.Hour
	if p.Mode == "holiday" {
		// Local time W is reached at W+10h in Honolulu (the last zone): W = now - 10h - 1m.
		wall, horizon = now.Add(-10*time.Hour-time.Minute), 27*time.Hour
	}
	rep.Params.CatchUpH, rep.Params.HorizonH = w.CatchUp.Hours(), horizon.Hours()
	files := rig.GreetingFiles(wall, p.Mode == "cron")
	if p.Learn {
		rig.Learn(files)
	}
	if p.Triggered > 0 {
		// The worker loads the triggered campaign too; the API below serves it.
		for name, body := range rig.OrderFiles() {
			files[name] = body
		}
	}
	dir, err := rig.WriteConfig(files)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cat, err := rig.LoadCatalog(dir)
	if err != nil {
		return err
	}
	w.Redis, w.SMTP, w.Dir = "redis://"+r.Server.Addr+"/0", sink.URL(), dir
	wp, err := startWorker(ctx, w)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = wp.Stop()
		}
	}()
	client := asynq.NewClientFromRedisClient(r.Client)
	defer client.Close()
	// The scheduler's clock: its first tick, a second before the fan-out's start time, makes
	// the campaign known; its second fires the occurrence (schedule.Scheduler.Tick).
	fire := wall.Add(-14*time.Hour - 5*time.Minute)
	if p.Mode == "cron" {
		fire = wall.Add(-5 * time.Minute)
	}
	clock := fire.Add(-time.Second)
	sched, err := schedule.NewScheduler(schedule.Config{Catalog: cat, RDB: r.Client, Enqueue: client, CatchUp: w.CatchUp, Horizon: horizon,
		Now: func() time.Time { return clock }, Log: rig.Logger()})
	if err != nil {
		return err
	}
	if _, err := sched.Tick(ctx, clock); err != nil {
		return err
	}
	var post *poster
	if p.Triggered > 0 {
		// The API in this process, on the same Redis, as `rapport serve --roles api` would
		// run it next to the worker process.
		pl, err := rig.NewPipeline(r, nil, rig.Logger())
		if err != nil {
			return err
		}
		defer pl.Close()
		base, stopAPI, err := pl.ServeAPI()
		if err != nil {
			return err
		}
		defer stopAPI()
		post = &poster{base: base, customers: p.Customers, rate: p.Triggered, timings: map[string]timing{},
			client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}}
	}
	sink.Reset()
	arr := newArrivals(p.Customers)
	sink.OnMessage(arr.note)
	cpu0 := rig.ProcCPU(wp.Pid())
	meter := rig.StartCPU(r)
	start = time.Now()
	clock = fire
	n, err := sched.Tick(ctx, clock)
	if err != nil || n != 1 {
		return fmt.Errorf("scheduler fired %d occurrences: %v", n, err)
	}
	rig.Logf("occurrence fired (%s mode); waiting for %d messages...", p.Mode, p.Customers)
	stopPosting, posted := make(chan struct{}), make(chan map[string]queuePeak, 1)
	if post != nil {
		rig.Logf("posting %.0f orders/s through POST /v1/track until the blast's last message", p.Triggered)
		insp := asynq.NewInspectorFromRedisClient(r.Client)
		go func() {
			peaks := make(chan map[string]queuePeak, 1)
			go func() { peaks <- sampleQueues(insp, stopPosting) }()
			post.run(ctx, stopPosting)
			posted <- <-peaks
		}()
	}
	wctx, cancel := context.WithTimeout(ctx, dur)
	progress := time.NewTicker(10 * time.Second)
	go func() {
		for range progress.C {
			rig.Logf("  %6.0fs: %d messages", time.Since(start).Seconds(), sink.Count())
		}
	}()
	got := arr.waitGreetings(wctx)
	cancel()
	close(stopPosting)
	progress.Stop()
	elapsed := time.Since(start)
	first := arr.firstGreeting()
	phase := meter.Stop()
	workerCPU := rig.ProcCPU(wp.Pid()) - cpu0
	s := &rep.Send
	s.Messages, s.Expected, s.WallS = got, p.Customers, rig.Round(elapsed.Seconds())
	if !first.IsZero() {
		s.FirstMsgS = rig.Round(first.Sub(start).Seconds())
	}
	s.PerS = rig.Round(float64(got) / elapsed.Seconds())
	s.Worker.Cores = rig.Round(workerCPU.Seconds() / elapsed.Seconds())
	// The worker is another process: its CPU is added to this one's (sink, Redis client).
	phase.GoCores = rig.Round(phase.GoCores + s.Worker.Cores)
	phase.OtherCores = rig.Round(max(0, phase.OtherCores-s.Worker.Cores))
	s.CPU = phase
	s.PerCPUSec = rig.Round(float64(got) / (elapsed.Seconds() * (phase.GoCores + phase.RedisCores)))
	if got > 0 {
		s.AvgBytes = rig.Round(float64(sink.Bytes()) / float64(got))
	}
	if post != nil {
		peaks := <-posted
		// The orders posted last are still on their way: wait for them (at most 30 s).
		for deadline := time.Now().Add(30 * time.Second); arr.orders() < post.n-int(post.failed.Load()) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		tr := post.summarise(arr)
		tr.Queues = peaks
		rep.Triggered = &tr
		l := tr.Latency
		rig.Logf("triggered during the blast: %d posted at %.1f/s, %d delivered, %d failed; track response -> SMTP DATA p50 %.1f ms, p90 %.1f, p99 %.1f, max %.1f; queue peaks %v",
			tr.Posted, tr.AchievedHz, tr.Delivered, tr.Failed, l.P50, l.P90, l.P99, l.Max, peaks)
	}
	time.Sleep(2 * time.Second) // anything sent twice would arrive now
	s.Extra = sink.Count() - got - int64(arr.orders())
	hwm, rss := rig.ProcStatus(wp.Pid())
	s.Worker.VmHWMMiB, s.Worker.VmRSSMiB = rig.Round(float64(hwm)/(1<<20)), rig.Round(float64(rss)/(1<<20))
	runs, err := (&schedule.Runs{RDB: r.Client, Catalog: cat}).Recent(ctx, rig.GreetingID, 1)
	if err == nil && len(runs) == 1 {
		s.Run = map[string]any{"seen": runs[0].Seen, "queued": runs[0].Queued, "processed": runs[0].Processed,
			"sent": runs[0].Sent, "skipped": runs[0].Skipped, "fanout_done": runs[0].FanoutDone, "completed": runs[0].Completed != nil}
	}
	stopped = true
	if err := wp.Stop(); err != nil {
		rig.Logf("worker exit: %v", err)
	}
	rep.Memory.AfterBytes = r.UsedMemory()
	rep.Memory.Keys = keyUsage(ctx, r, p.Customers)
	nf := float64(p.Customers)
	rep.Memory.BaseBytesPC = rig.Round(float64(rep.Memory.LoadedBytes-rep.Memory.EmptyBytes) / nf)
	rep.Memory.RunBytesPC = rig.Round(float64(rep.Memory.AfterBytes-rep.Memory.EmptyBytes) / nf)
	rig.Logf("scheduled: %d messages in %.1fs: %.0f/s (first after %.2fs); worker %.2f cores, VmHWM %.0f MiB",
		got, elapsed.Seconds(), s.PerS, s.FirstMsgS, s.Worker.Cores, s.Worker.VmHWMMiB)

	after, err := rig.RawSend(ctx, r, sink, "go-mail after", p.RawMessages, p.Pool, true, 2*time.Minute)
	if err != nil {
		return err
	}
	rep.GoMail = append(rep.GoMail, after)
	rep.Ceiling = rig.Round((before.PerS + after.PerS) / 2)
	rep.Ratio = rig.Round(s.PerS / rep.Ceiling)
	if rep.Pool.PerS > 0 {
		rep.RatioPool = rig.Round(s.PerS / rep.Pool.PerS)
	}
	rep.Targets.Ratio70 = rep.Ratio >= 0.7
	rep.Targets.RSS256 = s.Worker.VmHWMMiB < 256
	rep.Targets.RedisUnder = rep.Memory.RunBytesPC < 1024
	rig.Logf("go-mail alone (after): %.0f messages/s; ratio %.2f; Redis %.0f bytes per customer after the run (%.0f base)",
		after.PerS, rep.Ratio, rep.Memory.RunBytesPC, rep.Memory.BaseBytesPC)
	if got != int64(p.Customers) || s.Extra != 0 {
		defer os.Exit(1)
		rig.Logf("FAILED: %d messages of %d, %d more after settling", got, p.Customers, s.Extra)
	}
	return rig.PrintJSON(rep)
}

// keyUsage reads MEMORY USAGE of the keys of the first 100 customers (profile, dedupe set,
// delivery records, by their documented names) and of the shared keys, per customer.
func keyUsage(ctx context.Context, r *rig.Redis, n int) map[string]float64 {
	out := map[string]float64{}
	usage := func(key string) float64 {
		v, _ := r.Client.MemoryUsage(ctx, key, 0).Result()
		return float64(v)
	}
	k := min(n, 100)
	for i := range k {
		tag := customers.HashTag(rig.CustomerID(i))
		out["profile"] += usage("rp:"+tag) / float64(k)
		out["dedupe"] += usage("rp:"+tag+":m") / float64(k)
	}
	// Delivery records: the first 100 SCAN finds (one per customer), not KEYS per customer,
	// which would walk the whole key space a hundred times.
	var recs []string
	for cursor := uint64(0); len(recs) < k; {
		keys, next, err := r.Client.Scan(ctx, cursor, "rp:{c:*}:d:*", 10_000).Result()
		if err != nil {
			break
		}
		recs = append(recs, keys...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	for _, dk := range recs[:min(len(recs), k)] {
		out["delivery_records"] += usage(dk) / float64(min(len(recs), k))
	}
	// The index is 16,384 bucket sets rp:customers:<b> (customers/index.go), plus the legacy
	// single set of earlier versions when there is one.
	pipe := r.Client.Pipeline()
	cmds := []*redis.IntCmd{pipe.MemoryUsage(ctx, "rp:customers", 0)}
	for b := range 16384 {
		cmds = append(cmds, pipe.MemoryUsage(ctx, "rp:customers:"+strconv.Itoa(b), 0))
	}
	_, _ = pipe.Exec(ctx) // a missing key answers nil: it costs nothing
	for _, cmd := range cmds {
		out["index"] += float64(cmd.Val()) / float64(n)
	}
	runs, _ := r.Client.Keys(ctx, "rp:run:*").Result()
	for _, rk := range runs {
		out["run"] += usage(rk) / float64(n)
	}
	for key, v := range out {
		out[key] = rig.Round(v)
	}
	return out
}
