// Command predict measures the customer-base models against the targets of issue 4 and
// prints one JSON object:
//
//	cdnow_fit_ms      grouping + BG/NBD fit on the CDNOW sample (2,357 customers), median
//	                  of 20 runs (target < 100 ms); null when the data are not found
//	fit_1m_s          grouping + BG/NBD fit + Gamma-Gamma fit of 1,000,000 simulated
//	                  customers, streamed into predict.Stats (target < 5 s on 2 cores)
//	fit_1m_groups     distinct (x, tx, T) groups of that base: what the fit's memory grows with
//	predict_ns        P(alive) + expected purchases in 90 days + 12-month CLV for one
//	                  customer, mean over the CDNOW customers (or the simulated base)
//	                  (target < 2 µs)
//	heap_mb           peak heap (HeapAlloc, garbage included) during the million-customer
//	                  simulation, grouping and fit; live_heap_mb is the heap still in use
//	                  after a GC with the grouped statistics alive
//
// plus details (simulation time, the slow new-customer case, CPU time, GOMAXPROCS). The
// simulated base counts time in days: customers acquired evenly over two years (ages 0 to
// 730 days), r = 0.25, α = 28 days, a = 0.8, b = 2.5, spend p = 6, q = 4, γ = 15, grouped by
// whole days and cents. Usage: go run ./bench/predict [-cdnow DIR] [-n 1000000]
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapporthq/rapport/predict"
)

func main() {
	dir := flag.String("cdnow", "", "directory of cdnow_summary.csv (default: shared/data/cdnow in a parent of the working directory)")
	n := flag.Int("n", 1_000_000, "customers in the simulated base")
	flag.Parse()
	if err := run(*dir, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench/predict:", err)
		os.Exit(1)
	}
}

type result struct {
	CDNOWFitMs        *float64 `json:"cdnow_fit_ms"`
	CDNOWGGFitMs      *float64 `json:"cdnow_gamma_gamma_fit_ms"`
	Fit1MS            float64  `json:"fit_1m_s"`
	Fit1MGroups       int      `json:"fit_1m_groups"`
	Fit1MSpendGroups  int      `json:"fit_1m_spend_groups"`
	Fit1MBGNBDS       float64  `json:"fit_1m_bgnbd_s"`
	Fit1MGGS          float64  `json:"fit_1m_gamma_gamma_s"`
	Group1MS          float64  `json:"group_1m_s"`
	Simulate1MS       float64  `json:"simulate_1m_s"`
	Fit1MCPUS         float64  `json:"fit_1m_cpu_s"`
	PredictNs         float64  `json:"predict_ns"`
	PredictNewCustNs  float64  `json:"predict_new_customer_ns"`
	HeapMB            float64  `json:"heap_mb"`
	LiveHeapMB        float64  `json:"live_heap_mb"`
	GOMAXPROCS        int      `json:"gomaxprocs"`
	PredictSampleSize int      `json:"predict_customers"`
}

func run(dir string, n int) error {
	res := result{GOMAXPROCS: runtime.GOMAXPROCS(0)}
	var cdnow []predict.Summary
	if dir == "" {
		dir = findCDNOW()
	}
	if dir != "" {
		var err error
		if cdnow, err = readSummaries(filepath.Join(dir, "cdnow_summary.csv")); err != nil {
			return err
		}
		bg, gg, err := timeCDNOW(cdnow)
		if err != nil {
			return err
		}
		res.CDNOWFitMs, res.CDNOWGGFitMs = &bg, &gg
	} else {
		fmt.Fprintln(os.Stderr, "bench/predict: CDNOW data not found (shared/data/cdnow); cdnow_fit_ms is null")
	}
	if err := fitMillion(n, &res); err != nil {
		return err
	}
	bg := predict.BGNBD{R: 0.24259, Alpha: 4.41353, A: 0.79289, B: 2.42575}
	gg := predict.GammaGamma{P: 6.2488, Q: 3.7446, Gamma: 15.4477}
	opts := predict.CLVOptions{MonthlyDiscount: 0.01, Margin: 0.3, Unit: predict.Weeks}
	sample := cdnow
	if sample == nil {
		s, err := predict.Simulate(bg, gg, 2357, 39, 7)
		if err != nil {
			return err
		}
		sample = s
	}
	var err error
	res.PredictSampleSize = len(sample)
	if res.PredictNs, err = timePredict(bg, gg, opts, sample, 300); err != nil {
		return err
	}
	if res.PredictNewCustNs, err = timePredict(bg, gg, opts, []predict.Summary{{T: 1.0 / 7}}, 200_000); err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// timeCDNOW returns the median of 20 runs of grouping + BG/NBD fit, and of the Gamma-Gamma
// fit, in milliseconds.
func timeCDNOW(sums []predict.Summary) (bgMs, ggMs float64, err error) {
	var bgs, ggs []float64
	for range 20 {
		t0 := time.Now()
		st, err := predict.GroupSummaries(sums, predict.StatsOptions{})
		if err != nil {
			return 0, 0, err
		}
		if _, err := predict.FitBGNBD(st.Groups(), predict.FitOptions{}); err != nil {
			return 0, 0, err
		}
		t1 := time.Now()
		if _, err := predict.FitGammaGamma(st.SpendGroups(), predict.FitOptions{}); err != nil {
			return 0, 0, err
		}
		bgs = append(bgs, ms(t1.Sub(t0)))
		ggs = append(ggs, ms(time.Since(t1)))
	}
	return median(bgs), median(ggs), nil
}

// fitMillion streams a simulated base into Stats in chunks (so the base itself is never
// held), then fits, sampling the live heap all along.
func fitMillion(n int, res *result) error {
	sim, err := predict.NewSimulator(predict.BGNBD{R: 0.25, Alpha: 28, A: 0.8, B: 2.5}, predict.GammaGamma{P: 6, Q: 4, Gamma: 15}, 0, 1)
	if err != nil {
		return err
	}
	runtime.GC()
	stop, peak := sampleHeap()
	cpu0 := cpuTime()
	st, err := predict.NewStats(predict.StatsOptions{TimeStep: 1, SpendStep: 0.01})
	if err != nil {
		return err
	}
	chunk := make([]predict.Summary, 10_000)
	var simT, groupT time.Duration
	for done := 0; done < n; done += len(chunk) {
		m := min(len(chunk), n-done)
		t0 := time.Now()
		for i := range m {
			chunk[i] = sim.NextAged(float64((done + i) % 731))
		}
		t1 := time.Now()
		for _, s := range chunk[:m] {
			if err := st.Add(s); err != nil {
				return err
			}
		}
		simT += t1.Sub(t0)
		groupT += time.Since(t1)
	}
	t0 := time.Now()
	bgFit, err := predict.FitBGNBD(st.Groups(), predict.FitOptions{})
	if err != nil {
		return err
	}
	t1 := time.Now()
	if _, err := predict.FitGammaGamma(st.SpendGroups(), predict.FitOptions{}); err != nil {
		return err
	}
	t2 := time.Now()
	stop()
	res.Simulate1MS = simT.Seconds()
	res.Group1MS = groupT.Seconds()
	res.Fit1MBGNBDS = t1.Sub(t0).Seconds()
	res.Fit1MGGS = t2.Sub(t1).Seconds()
	res.Fit1MS = res.Group1MS + res.Fit1MBGNBDS + res.Fit1MGGS
	res.Fit1MCPUS = (cpuTime() - cpu0).Seconds() - simT.Seconds() // approximate: simulation is single-threaded
	res.Fit1MGroups = bgFit.Groups
	res.Fit1MSpendGroups = len(st.SpendGroups())
	res.HeapMB = float64(peak.Load()) / (1 << 20)
	// What the grouped statistics themselves hold, garbage collected.
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	res.LiveHeapMB = float64(mem.HeapAlloc) / (1 << 20)
	runtime.KeepAlive(st)
	return nil
}

// sampleHeap records the largest HeapAlloc seen every 2 ms until stop is called.
func sampleHeap() (stop func(), peak *atomic.Uint64) {
	peak = &atomic.Uint64{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }, peak
}

// timePredict returns the mean time of P(alive) + E[purchases in 90 days] + CLV per
// customer over reps passes through sums.
func timePredict(bg predict.BGNBD, gg predict.GammaGamma, opts predict.CLVOptions, sums []predict.Summary, reps int) (float64, error) {
	var sink float64
	t0 := time.Now()
	for range reps {
		for _, s := range sums {
			pa, err1 := bg.PAlive(s.X, s.Tx, s.T)
			e, err2 := bg.ExpectedPurchases(90.0/7, s.X, s.Tx, s.T)
			c, err3 := predict.CLV(bg, gg, s.X, s.Tx, s.T, s.Monetary, opts)
			if err1 != nil || err2 != nil || err3 != nil {
				return 0, fmt.Errorf("predict %+v: %v %v %v", s, err1, err2, err3)
			}
			sink += pa + e + c
		}
	}
	el := time.Since(t0)
	if sink == 0 {
		return 0, fmt.Errorf("predictions summed to 0")
	}
	return float64(el.Nanoseconds()) / float64(reps*len(sums)), nil
}

func findCDNOW() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "data", "cdnow")
		if _, err := os.Stat(filepath.Join(p, "cdnow_summary.csv")); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// readSummaries reads customer_id,frequency,recency,T,monetary_value.
func readSummaries(path string) ([]predict.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []predict.Summary
	for i, rec := range recs[1:] {
		if len(rec) < 5 {
			return nil, fmt.Errorf("%s:%d: %d columns, want 5", path, i+2, len(rec))
		}
		var v [4]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(rec[j+1], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, i+2, err)
			}
		}
		out = append(out, predict.Summary{X: v[0], Tx: v[1], T: v[2], Monetary: v[3]})
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(vs []float64) float64 {
	slices.Sort(vs)
	return vs[len(vs)/2]
}
