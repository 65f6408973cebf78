package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// triggeredResult is issue 13.17: orders posted through POST /v1/track while the blast is
// being sent, and the time from each track response to its email's DATA at the sink.
type triggeredResult struct {
	RatePerS    float64         `json:"rate_per_s"`
	Posted      int             `json:"posted"`
	Failed      int             `json:"requests_failed"`
	Delivered   int             `json:"delivered"`
	AchievedHz  float64         `json:"achieved_rate_per_s"`
	PostingS    float64         `json:"posting_s"`
	Latency     rig.Percentiles `json:"track_response_to_smtp"`
	Track       rig.Percentiles `json:"track_request"`
	TargetP99   float64         `json:"target_p99_ms"`
	MeetsTarget bool            `json:"p99_under_target_and_all_delivered"`
	// Queues are the largest pending and active counts seen in each asynq queue, sampled
	// every 200 ms while posting: critical stays near zero when asynq's weights (critical 6,
	// default 3) let triggered sends past the blast's batches.
	Queues map[string]queuePeak `json:"queue_peaks"`
}

type queuePeak struct {
	MaxPending int `json:"max_pending"`
	MaxActive  int `json:"max_active"`
}

// arrivals tells the sink's messages apart: an order's (subject "Order <id>") is timed by
// its id; every other one is the blast's greeting, counted, and done is closed at the want-th.
type arrivals struct {
	mu        sync.Mutex
	at        map[string]time.Time
	first     time.Time
	greetings atomic.Int64
	want      int64
	done      chan struct{}
}

func newArrivals(want int) *arrivals {
	return &arrivals{at: map[string]time.Time{}, want: int64(want), done: make(chan struct{})}
}

func (a *arrivals) note(subject string, t time.Time) {
	if id, ok := strings.CutPrefix(subject, "Order "); ok {
		a.mu.Lock()
		if _, dup := a.at[id]; !dup {
			a.at[id] = t
		}
		a.mu.Unlock()
		return
	}
	n := a.greetings.Add(1)
	if n == 1 {
		a.mu.Lock()
		a.first = t
		a.mu.Unlock()
	}
	if n == a.want {
		close(a.done)
	}
}

func (a *arrivals) firstGreeting() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.first
}

func (a *arrivals) orders() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

// waitGreetings waits until want greetings arrived or ctx ends, and returns how many did.
func (a *arrivals) waitGreetings(ctx context.Context) int64 {
	select {
	case <-a.done:
	case <-ctx.Done():
	}
	return a.greetings.Load()
}

type timing struct{ req, resp time.Time }

// poster posts Order Completed events open-loop at rate per second, each on its own
// goroutine at its scheduled time (as bench/latency does), until stop is closed.
type poster struct {
	client    *http.Client
	base      string
	customers int
	rate      float64

	mu      sync.Mutex
	timings map[string]timing
	failed  atomic.Int64
	wg      sync.WaitGroup
	elapsed time.Duration
	n       int
}

func (p *poster) run(ctx context.Context, stop <-chan struct{}) {
	start := time.Now()
	for i := 0; ; i++ {
		wait := time.NewTimer(time.Until(start.Add(time.Duration(float64(i) / p.rate * float64(time.Second)))))
		select {
		case <-stop:
			wait.Stop()
			p.elapsed, p.n = time.Since(start), i
			p.wg.Wait()
			return
		case <-ctx.Done():
			wait.Stop()
			p.elapsed, p.n = time.Since(start), i
			p.wg.Wait()
			return
		case <-wait.C:
		}
		p.wg.Add(1)
		go p.post(ctx, i)
	}
}

func (p *poster) post(ctx context.Context, i int) {
	defer p.wg.Done()
	id := "blast-" + strconv.Itoa(i)
	body, _ := json.Marshal(rig.Order(rig.CustomerID(i%p.customers), id, float64(20+i%180), time.Now(), false))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/v1/track", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+rig.APIKey)
	req.Header.Set("Content-Type", "application/json")
	t := time.Now()
	resp, err := p.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
	}
	if err != nil {
		if p.failed.Add(1) <= 3 {
			rig.Logf("track %s: %v", id, err)
		}
		return
	}
	p.mu.Lock()
	p.timings[id] = timing{req: t, resp: time.Now()}
	p.mu.Unlock()
}

// sampleQueues records the peaks of the critical and default queues every 200 ms until stop.
func sampleQueues(insp *asynq.Inspector, stop <-chan struct{}) map[string]queuePeak {
	out := map[string]queuePeak{}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault} {
			info, err := insp.GetQueueInfo(q)
			if err != nil {
				continue // the queue does not exist until its first task
			}
			pk := out[q]
			pk.MaxPending, pk.MaxActive = max(pk.MaxPending, info.Pending), max(pk.MaxActive, info.Active)
			out[q] = pk
		}
		select {
		case <-stop:
			return out
		case <-t.C:
		}
	}
}

// summarise matches the posted orders to their arrivals.
func (p *poster) summarise(a *arrivals) triggeredResult {
	out := triggeredResult{RatePerS: p.rate, Posted: p.n, Failed: int(p.failed.Load()), TargetP99: 1000,
		PostingS: rig.Round(p.elapsed.Seconds())}
	if p.n > 1 {
		out.AchievedHz = rig.Round(float64(p.n-1) / p.elapsed.Seconds())
	}
	var lat, track []time.Duration
	p.mu.Lock()
	a.mu.Lock()
	for id, tm := range p.timings {
		track = append(track, tm.resp.Sub(tm.req))
		if at, ok := a.at[id]; ok {
			lat = append(lat, at.Sub(tm.resp))
		}
	}
	a.mu.Unlock()
	p.mu.Unlock()
	out.Delivered = len(lat)
	out.Latency, out.Track = rig.Summarise(lat), rig.Summarise(track)
	out.MeetsTarget = out.Delivered == out.Posted && out.Latency.P99 < out.TargetP99
	return out
}
