// Package rig is what the benchmark programs of bench/ share: a real redis-server, an SMTP sink,
// the benchmark campaign, customers, the wired pipeline, and the reporting (machine facts,
// percentiles, CPU time, one JSON object on stdout). It is not a test helper: nothing here
// takes a testing.TB, so package main programs can use it.
package rig

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Machine is what a figure depends on besides the code.
type Machine struct {
	GOMAXPROCS   int    `json:"gomaxprocs"`
	NumCPU       int    `json:"num_cpu"`
	GoVersion    string `json:"go_version"`
	OS           string `json:"os"`
	Arch         string `json:"arch"`
	RedisVersion string `json:"redis_version"`
	Date         string `json:"date"`
}

// Facts returns the machine facts; redisVersion comes from Redis.INFO.
func Facts(redisVersion string) Machine {
	return Machine{
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), GoVersion: runtime.Version(),
		OS: runtime.GOOS, Arch: runtime.GOARCH, RedisVersion: redisVersion,
		Date: time.Now().UTC().Format(time.RFC3339),
	}
}

// Percentiles summarises a set of durations in milliseconds.
type Percentiles struct {
	N    int     `json:"n"`
	Min  float64 `json:"min_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Summarise computes nearest-rank percentiles of ds (which it sorts).
func Summarise(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.999999) - 1
		return ms(ds[min(max(i, 0), len(ds)-1)])
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Percentiles{N: len(ds), Min: ms(ds[0]), P50: at(0.50), P90: at(0.90), P99: at(0.99),
		Max: ms(ds[len(ds)-1]), Mean: ms(sum / time.Duration(len(ds)))}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// Round returns f with three decimals, for readable JSON.
func Round(f float64) float64 { return round3(f) }

// CPUMeter measures the CPU time of this process and of redis-server over a phase, as cores
// busy on average: on a 2-core machine, 2.0 means both cores did nothing else.
type CPUMeter struct {
	r          *Redis
	start      time.Time
	self, redo time.Duration
	busy       time.Duration
}

// Phase is the CPU use of one measured phase.
type Phase struct {
	Seconds    float64 `json:"seconds"`
	GoCores    float64 `json:"go_cores"`    // CPU of this process (API, worker, clients, sink) / wall time
	RedisCores float64 `json:"redis_cores"` // CPU of redis-server / wall time
	// OtherCores is the CPU the rest of the machine used meanwhile (other processes, steal
	// excluded): what this shared machine took away from the benchmark.
	OtherCores float64 `json:"other_cores"`
}

// StartCPU begins a measured phase.
func StartCPU(r *Redis) *CPUMeter {
	return &CPUMeter{r: r, start: time.Now(), self: CPUTime(), redo: r.CPU(), busy: machineBusy()}
}

// Stop ends the phase.
func (m *CPUMeter) Stop() Phase {
	wall := time.Since(m.start)
	self, redis, busy := CPUTime()-m.self, m.r.CPU()-m.redo, machineBusy()-m.busy
	cores := func(d time.Duration) float64 { return round3(d.Seconds() / wall.Seconds()) }
	return Phase{Seconds: round3(wall.Seconds()), GoCores: cores(self), RedisCores: cores(redis),
		OtherCores: max(0, cores(busy-self-redis))}
}

// machineBusy is the CPU time all processes of the machine used so far (user, nice, system,
// irq, softirq from the first line of /proc/stat); 0 when it cannot be read.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// Profile starts a CPU profile into path ("" for none) and returns the function that stops it.
func Profile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// PrintJSON writes v as one indented JSON object on stdout.
func PrintJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Logf writes one line of the human summary on stderr.
func Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
