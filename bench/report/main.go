// Command report measures results.Store.Report, what `rapport report --campaign` and GET
// /v1/campaigns/{id}/report run (issue 9: under a second for a campaign with 1,000,000 sends
// and 50,000 conversions), and prints one JSON object on stdout.
//
// It starts a redis-server on a free port and builds the counters of one campaign through the
// Store API, as the worker and the ingester write them: -sends customers sent a message and
// -held held out, spread evenly over -days UTC days, 4 variants and 2 channels (Record: the
// counters and each customer's touch), delivered/opened/clicked counters, and -conversions
// orders attributed (Attribute, one Lua call each), a tenth of them from the holdout. The
// building is not timed as the report is; then Report is run -runs times over the -days days
// (one pipeline of -days HGETALLs) and over the campaign's whole life (one HGETALL).
//
// Usage: go run ./bench/report [-sends 1000000] [-held 100000] [-conversions 50000] [-days 30]
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/results"
)

type result struct {
	Machine     rig.Machine `json:"machine"`
	Sends       int         `json:"sends"`
	Held        int         `json:"held"`
	Conversions int         `json:"conversions"`
	Days        int         `json:"days"`
	BuildS      float64     `json:"build_s"`
	// FieldsPerDay is the size of a day's hash: what a report reads per day, whatever the
	// number of customers.
	FieldsPerDay int64   `json:"fields_per_day"`
	RedisMB      float64 `json:"redis_mb"`
	// ReportMs are Report over the days (p50, max of -runs); LifetimeMs over the whole life.
	ReportMsP50   float64 `json:"report_ms_p50"`
	ReportMsMax   float64 `json:"report_ms_max"`
	LifetimeMsP50 float64 `json:"lifetime_ms_p50"`
	// Check: what the report read back, to compare with what was written.
	ReadSent        int64 `json:"read_sent"`
	ReadConversions int64 `json:"read_conversions"`
	ReadCustomers   int64 `json:"read_customers"`
}

func main() {
	sends := flag.Int("sends", 1000000, "customers sent a message")
	held := flag.Int("held", 100000, "customers held out")
	conv := flag.Int("conversions", 50000, "orders attributed")
	days := flag.Int("days", 30, "days the sends are spread over")
	runs := flag.Int("runs", 20, "reports timed")
	flag.Parse()
	if err := run(*sends, *held, *conv, *days, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

const campaign = "bench"

var (
	variants = []string{"a", "b", "c", "d"}
	chans    = []string{"email", "sms"}
)

func run(sends, held, conv, days, runs int) error {
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	store, err := results.New(r.Client, 0)
	if err != nil {
		return err
	}
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	n := sends + held
	at := func(i int) time.Time { return start.Add(time.Duration(i%days) * 24 * time.Hour) }
	touchOf := func(i int) (results.Touch, []results.Event) {
		arm, metric := results.Treatment, results.Sent
		if i >= sends {
			arm, metric = results.Holdout, results.Held
		}
		v, ch := variants[i%len(variants)], chans[(i/len(variants))%len(chans)]
		t := results.Touch{Customer: rig.CustomerID(i), Campaign: campaign, Variant: v, Channel: ch, Arm: arm, At: at(i)}
		ev := results.Event{Campaign: campaign, Variant: v, Channel: ch, Arm: arm, At: at(i)}
		evs := []results.Event{ev, ev}
		evs[0].Metric, evs[1].Metric = results.Eligible, metric
		if arm == results.Treatment {
			for k, m := range []results.Metric{results.Delivered, results.Opened, results.Clicked} {
				if i%(k+2) == 0 {
					e := ev
					e.Metric = m
					evs = append(evs, e)
				}
			}
		}
		return t, evs
	}
	built := time.Now()
	// Four writers of 1,000 records each per Record, as the delivery recorder's groups.
	if err := parallel(4, n, 1000, func(lo, hi int) error {
		var ts []results.Touch
		var evs []results.Event
		for i := lo; i < hi; i++ {
			t, e := touchOf(i)
			ts, evs = append(ts, t), append(evs, e...)
		}
		return store.Record(ctx, evs, ts)
	}); err != nil {
		return err
	}
	// Conversions: nine in ten from treated customers, one in ten from held-out ones, an
	// order an hour after the touch.
	rnd := rand.New(rand.NewPCG(1, 2))
	buyers := make([]int, conv)
	for k := range buyers {
		if k%10 == 9 && held > 0 {
			buyers[k] = sends + rnd.IntN(held)
		} else {
			buyers[k] = rnd.IntN(sends)
		}
	}
	if err := parallel(16, conv, 1, func(lo, _ int) error {
		i := buyers[lo]
		_, err := store.Attribute(ctx, results.Order{Customer: rig.CustomerID(i), OrderID: fmt.Sprintf("o%d", lo),
			At: at(i).Add(time.Hour), Amount: 20 + float64(lo%80), Currency: "EUR"})
		return err
	}); err != nil {
		return err
	}
	buildS := time.Since(built).Seconds()

	from, to := start, start.Add(time.Duration(days-1)*24*time.Hour)
	var ranged, life []time.Duration
	var rep results.Report
	for range runs {
		t0 := time.Now()
		if rep, err = store.Report(ctx, campaign, from, to); err != nil {
			return err
		}
		ranged = append(ranged, time.Since(t0))
		t0 = time.Now()
		if _, err = store.Report(ctx, campaign, time.Time{}, time.Time{}); err != nil {
			return err
		}
		life = append(life, time.Since(t0))
	}
	slices.Sort(ranged)
	slices.Sort(life)
	fields, err := r.Client.HLen(ctx, "rp:{r:"+campaign+"}:d:"+start.Format("20060102")).Result()
	if err != nil {
		return err
	}
	res := result{
		Machine: rig.Facts(r.Version()), Sends: sends, Held: held, Conversions: conv, Days: days,
		BuildS: rig.Round(buildS), FieldsPerDay: fields, RedisMB: rig.Round(r.MemoryMB()),
		ReportMsP50: ms(ranged[len(ranged)/2]), ReportMsMax: ms(ranged[len(ranged)-1]), LifetimeMsP50: ms(life[len(life)/2]),
		ReadSent: rep.Funnel.Sent, ReadConversions: rep.Treatment.Conversions + rep.Holdout.Conversions,
		ReadCustomers: rep.Treatment.Customers + rep.Holdout.Customers,
	}
	if res.ReadSent != int64(sends) || res.ReadCustomers != int64(n) || res.ReadConversions != int64(conv) {
		return fmt.Errorf("report read %d sent, %d customers and %d conversions, want %d, %d and %d",
			res.ReadSent, res.ReadCustomers, res.ReadConversions, sends, n, conv)
	}
	return rig.PrintJSON(res)
}

func ms(d time.Duration) float64 { return rig.Round(float64(d) / float64(time.Millisecond)) }

// parallel runs f over [0, n) in slices of size, on workers goroutines; the first error wins.
func parallel(workers, n, size int, f func(lo, hi int) error) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				if err := f(lo, min(lo+size, n)); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		}()
	}
	for lo := 0; lo < n; lo += size {
		next <- lo
	}
	close(next)
	wg.Wait()
	return first
}
