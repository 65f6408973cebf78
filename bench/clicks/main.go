// Command clicks measures click redirects/s through GET /t/c/{token} (issue 9, "Signed
// tracking links") and prints one JSON object on stdout.
//
// It starts a redis-server on a free port, seeds -customers customers and one sent message
// each with -links links (not timed; sent an hour ago, so no click falls in the link-scanner
// window), and serves the real api.Server with tracking on a loopback listener. -conns
// keep-alive clients, which do not follow redirects, click random links of random messages
// until -requests clicks are answered or -duration has passed. Every answer must be a 302 to
// the message's own URL; at the end the clicks recorded in Redis (the per-message totals)
// must equal the requests answered.
//
// Usage: go run ./bench/clicks [-requests 200000] [-conns 32] [-customers 10000]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/results"
)

type result struct {
	Machine      rig.Machine     `json:"machine"`
	Requests     int64           `json:"requests"`
	Errors       int64           `json:"errors"`
	RedirectsPer float64         `json:"redirects_per_s"`
	Latency      rig.Percentiles `json:"latency"`
	CPU          rig.Phase       `json:"cpu"`
	Recorded     int64           `json:"clicks_recorded"`
	// Clicked is the campaign's "clicked" counter: one per message clicked at least once.
	Clicked     int64 `json:"clicked_counted"`
	UniqueSends int64 `json:"messages_clicked"`
	Conns       int   `json:"conns"`
	Customers   int   `json:"customers"`
}

func main() {
	requests := flag.Int("requests", 200000, "clicks to answer")
	conns := flag.Int("conns", 32, "concurrent keep-alive clients")
	n := flag.Int("customers", 10000, "customers, one sent message each")
	nlinks := flag.Int("links", 4, "links per message")
	dur := flag.Duration("duration", 60*time.Second, "stop after this long")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the timed phase here")
	flag.Parse()
	if err := run(*requests, *conns, *n, *nlinks, *dur, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "clicks:", err)
		os.Exit(1)
	}
}

func run(requests, conns, n, nlinks int, dur time.Duration, profile string) error {
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
	keyring, err := links.NewKeyring([]string{"bench-secret"}, "http://bench")
	if err != nil {
		return err
	}
	tokens := make([][]string, n)
	sent := time.Now().Add(-time.Hour)
	for i := range n {
		id := rig.CustomerID(i)
		send := [links.SendIDLen]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		l := customers.SentLinks{Customer: id, Send: send, Campaign: "bench", Variant: "a", Channel: "email", At: sent}
		for j := range nlinks {
			l.Links = append(l.Links, "https://shop.example.com/p/"+strconv.Itoa(j)+"?c="+id)
			tokens[i] = append(tokens[i], keyring.SignTrack(links.PurposeClick, links.TrackToken{Customer: id, Send: send, Index: j}))
		}
		if err := store.SaveLinks(ctx, l); err != nil {
			return err
		}
	}
	rules := config.Default().Tracking
	counts, err := results.New(r.Client, 0)
	if err != nil {
		return err
	}
	// The campaign counters as serve wires them: a message's first click counts "clicked".
	srv := &api.Server{Customers: store, Tracking: &api.Tracking{Keyring: keyring, Hits: store, Rules: &rules},
		Results: counts, Log: rig.Logger()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String() + "/t/c/"

	client := &http.Client{Timeout: 5 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var done, failed atomic.Int64
	lat := make([][]time.Duration, conns)
	deadline := time.Now().Add(dur)
	stopProfile, err := rig.Profile(profile)
	if err != nil {
		return err
	}
	cpu := rig.StartCPU(r)
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(c), 7))
			for done.Add(1) <= int64(requests) && time.Now().Before(deadline) {
				i, j := rnd.IntN(n), rnd.IntN(nlinks)
				t0 := time.Now()
				resp, err := client.Get(base + tokens[i][j])
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					want := "https://shop.example.com/p/" + strconv.Itoa(j) + "?c=" + rig.CustomerID(i)
					if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
						err = fmt.Errorf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
					}
				}
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
	stopProfile()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	var recorded, unique int64
	for i := range n {
		send := [links.SendIDLen]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		st, err := store.SendStats(ctx, rig.CustomerID(i), send)
		if err != nil {
			return err
		}
		recorded += int64(st.Clicks)
		unique += int64(st.UniqueClicks)
	}
	c, err := counts.Lifetime(ctx, "bench")
	if err != nil {
		return err
	}
	res := result{Machine: rig.Facts(r.Version()), Requests: int64(len(all)), Errors: failed.Load(),
		RedirectsPer: rig.Round(float64(len(all)) / wall.Seconds()), Latency: rig.Summarise(all), CPU: phase,
		Recorded: recorded, Clicked: c.Sum(results.Clicked, results.Treatment), UniqueSends: unique, Conns: conns, Customers: n}
	if err := rig.PrintJSON(res); err != nil {
		return err
	}
	if e, ok := firstErr.Load().(error); ok {
		return fmt.Errorf("%d bad answers, first: %w", res.Errors, e)
	}
	if recorded != res.Requests {
		return errors.New("clicks recorded differ from requests answered")
	}
	if res.Clicked != unique {
		return errors.New("clicked counted differs from the messages clicked")
	}
	return nil
}
