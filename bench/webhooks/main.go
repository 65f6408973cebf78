// Command webhooks measures delivery-feedback ingestion through POST /v1/webhooks/email
// (issue 9, "Webhook ingestion (generic bounces, 100 per request and one per request)") and
// prints one JSON object on stdout.
//
// It starts a redis-server on a free port, seeds -customers customers, each with one sent
// message of campaign "bench" (its link hash, as delivery saves it; not timed), and serves the
// real api.Server with the campaign counters (results.Store) on a loopback listener. Then, for
// each batch size of -batches, -conns keep-alive clients post -events hard bounces, each with
// its own id and naming its message by Rapport's Message-ID, -batch to a request. Every
// answer must be 200 with one applied result per notification; at the end the campaign's
// "bounced" counter must equal the notifications posted (each counted once), and the customers
// bounced must be marked undeliverable.
//
// Usage: go run ./bench/webhooks [-events 20000] [-batches 1,100] [-conns 8] [-customers 10000]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/results"
)

type run struct {
	Batch       int             `json:"batch"`
	Events      int64           `json:"events"`
	Requests    int64           `json:"requests"`
	Errors      int64           `json:"errors"`
	EventsPer   float64         `json:"events_per_s"`
	RequestsPer float64         `json:"requests_per_s"`
	Latency     rig.Percentiles `json:"request_latency"`
	CPU         rig.Phase       `json:"cpu"`
	Counted     int64           `json:"bounced_counted"`
}

type result struct {
	Machine   rig.Machine `json:"machine"`
	Customers int         `json:"customers"`
	Conns     int         `json:"conns"`
	Runs      []run       `json:"runs"`
}

func main() {
	events := flag.Int("events", 20000, "notifications to post per batch size")
	batches := flag.String("batches", "1,100", "notifications per request, comma-separated")
	conns := flag.Int("conns", 8, "concurrent keep-alive clients")
	n := flag.Int("customers", 10000, "customers, one sent message each")
	flag.Parse()
	var sizes []int
	for _, f := range strings.Split(*batches, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || b < 1 || b > 1000 {
			fmt.Fprintln(os.Stderr, "webhooks: -batches: want sizes from 1 to 1000")
			os.Exit(2)
		}
		sizes = append(sizes, b)
	}
	if err := bench(*events, sizes, *conns, *n); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

// sendOf is customer i's message.
func sendOf(i int) [8]byte { return [8]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 'b'} }

func bench(events int, sizes []int, conns, n int) error {
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	store := customers.NewStore(r.Client, customers.Options{})
	if err := rig.SeedCustomers(ctx, store, n); err != nil {
		return err
	}
	sent := time.Now().Add(-time.Hour)
	msgIDs := make([]string, n)
	for i := range n {
		id := rig.CustomerID(i)
		msgIDs[i] = customers.MessageID(sendOf(i), "bench", id, "bench.example.com")
		if err := store.SaveLinks(ctx, customers.SentLinks{Customer: id, Send: sendOf(i), Campaign: "bench", Variant: "a",
			Channel: "email", At: sent}); err != nil {
			return err
		}
	}
	counts, err := results.New(r.Client, 0)
	if err != nil {
		return err
	}
	srv := &api.Server{Customers: store, APIKeys: []string{"bench-key"}, Results: counts, Log: rig.Logger()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/webhooks/email"
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}

	out := result{Machine: rig.Facts(r.Version()), Customers: n, Conns: conns}
	var before int64
	for _, size := range sizes {
		res, err := post(client, url, r, size, events, conns, n, msgIDs)
		if err != nil {
			return err
		}
		c, err := counts.Lifetime(ctx, "bench")
		if err != nil {
			return err
		}
		total := c.Sum(results.Bounced, results.Treatment)
		res.Counted, before = total-before, total
		out.Runs = append(out.Runs, res)
		rig.Logf("batch %d: %.0f events/s, %d counted of %d", size, res.EventsPer, res.Counted, res.Events)
		if res.Errors > 0 || res.Counted != res.Events {
			_ = rig.PrintJSON(out)
			return errors.New("bad answers, or bounces counted differ from notifications posted")
		}
	}
	return rig.PrintJSON(out)
}

// post sends events hard bounces, size to a request, from conns clients.
func post(client *http.Client, url string, r *rig.Redis, size, events, conns, n int, msgIDs []string) (run, error) {
	var next, failed atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, conns)
	requests := (events + size - 1) / size
	cpu := rig.StartCPU(r)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= requests {
					return
				}
				var body bytes.Buffer
				m := min(size, events-k*size)
				if size > 1 {
					body.WriteByte('[')
				}
				for j := range m {
					e := k*size + j
					if j > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `{"id":"b%d-%d","type":"bounce","bounce_type":"hard","message_id":"<%s>","reason":"550 5.1.1 unknown user"}`,
						size, e, msgIDs[(e*7919)%n])
				}
				if size > 1 {
					body.WriteByte(']')
				}
				t0 := time.Now()
				err := postOne(client, url, body.Bytes(), m, size > 1)
				lat[c] = append(lat[c], time.Since(t0))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	phase := cpu.Stop()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	res := run{Batch: size, Events: int64(events), Requests: int64(len(all)), Errors: failed.Load(),
		EventsPer: rig.Round(float64(events) / wall.Seconds()), RequestsPer: rig.Round(float64(len(all)) / wall.Seconds()),
		Latency: rig.Summarise(all), CPU: phase}
	if e, ok := firstErr.Load().(error); ok {
		rig.Logf("batch %d: %d bad answers, first: %v", size, res.Errors, e)
	}
	return res, nil
}

// postOne posts one request and checks that every notification in it was applied.
func postOne(client *http.Client, url string, body []byte, m int, batch bool) error {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer bench-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%d %s", resp.StatusCode, raw)
	}
	type answer struct {
		Applied bool `json:"applied"`
	}
	var answers []answer
	if batch {
		var ans struct {
			Results []answer `json:"results"`
		}
		err = json.Unmarshal(raw, &ans)
		answers = ans.Results
	} else {
		var a answer
		err = json.Unmarshal(raw, &a)
		answers = []answer{a}
	}
	if err != nil || len(answers) != m {
		return fmt.Errorf("answer %s: %v", raw, err)
	}
	for _, a := range answers {
		if !a.Applied {
			return fmt.Errorf("not applied: %s", raw)
		}
	}
	return nil
}
