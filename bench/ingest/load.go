package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// batches pre-encodes the request bodies so that the clients cost little CPU during the run:
// event i goes to customer i mod customers, so a batch never names a customer twice.
func batches(prefix string, first, requests, batch, customers int, at time.Time) ([][]byte, error) {
	out := make([][]byte, requests)
	for r := range out {
		items := make([]any, batch)
		for k := range items {
			i := first + r*batch + k
			items[k] = rig.Order(rig.CustomerID(i%customers), fmt.Sprintf("%s-%d", prefix, i), float64(20+i%180), at, true)
		}
		b, err := json.Marshal(map[string]any{"batch": items})
		if err != nil {
			return nil, err
		}
		out[r] = b
	}
	return out, nil
}

// ingest posts the batches from p.Conns clients and checks that every event enqueued its task.
func ingest(ctx context.Context, pl *rig.Pipeline, p params, dur time.Duration, prof string) (ingestResult, error) {
	var res ingestResult
	base, stop, err := pl.ServeAPI()
	if err != nil {
		return res, err
	}
	defer stop()
	requests := p.Events / p.Batch
	at := time.Now()
	warm, err := batches("warm", 0, p.Warmup, p.Batch, p.Customers, at)
	if err != nil {
		return res, err
	}
	bodies, err := batches("ord", 0, requests, p.Batch, p.Customers, at)
	if err != nil {
		return res, err
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: p.Conns, MaxIdleConnsPerHost: p.Conns, MaxConnsPerHost: p.Conns, DisableCompression: true,
	}}
	if _, _, errs := post(ctx, client, base, warm, p.Conns, dur); errs > 0 {
		return res, fmt.Errorf("%d warm-up requests failed", errs)
	}
	insp := asynq.NewInspectorFromRedisClient(pl.Redis.Client)
	before, err := queueSize(insp)
	if err != nil {
		return res, err
	}

	stopProf, err := rig.Profile(prof)
	if err != nil {
		return res, err
	}
	cpu := rig.StartCPU(pl.Redis)
	done, lat, errs := post(ctx, client, base, bodies, p.Conns, dur)
	res.CPU = cpu.Stop()
	stopProf()

	after, err := queueSize(insp)
	if err != nil {
		return res, err
	}
	res.Requests, res.Errors = done, errs
	res.Events = (done - errs) * p.Batch
	res.EventsPerS = rig.Round(float64(res.Events) / res.CPU.Seconds)
	res.Latency = rig.Summarise(lat)
	res.TasksEnqueued = after - before
	res.ProfilesStored, _ = pl.Store.Count(ctx)
	if res.TasksEnqueued != res.Events {
		return res, fmt.Errorf("%d events ingested but %d send tasks enqueued: every event should trigger one", res.Events, res.TasksEnqueued)
	}
	return res, nil
}

func queueSize(insp *asynq.Inspector) (int, error) {
	q, err := insp.GetQueueInfo(tasks.QueueCritical)
	if err != nil {
		return 0, nil // the queue does not exist yet
	}
	return q.Size, nil
}

// post sends bodies from conns clients until all are sent or dur has passed; it returns how
// many requests were made, their latencies, and how many failed.
func post(ctx context.Context, client *http.Client, base string, bodies [][]byte, conns int, dur time.Duration) (int, []time.Duration, int) {
	deadline := time.Now().Add(dur)
	var (
		next   atomic.Int64
		failed atomic.Int64
		mu     sync.Mutex
		lat    = make([]time.Duration, 0, len(bodies))
		wg     sync.WaitGroup
	)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) || time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				if err := postOne(ctx, client, base, bodies[i]); err != nil {
					if failed.Add(1) <= 3 {
						rig.Logf("request %d: %v", i, err)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return len(lat) + int(failed.Load()), lat, int(failed.Load())
}

func postOne(ctx context.Context, client *http.Client, base string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/batch", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+rig.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, answer)
	}
	var out struct{ Accepted, Duplicates int }
	if err := json.Unmarshal(answer, &out); err != nil || out.Duplicates != 0 {
		return fmt.Errorf("unexpected answer %s", answer)
	}
	return nil
}

// rawEnqueue enqueues n send tasks into rdb (a database of r) with asynq.Client.Enqueue
// from c goroutines: the payload
// the ingester would write for an order (tasks.SendPayload with its event), a deterministic
// TaskID, the critical queue and the same MaxRetry. The payload is encoded in the loop, as
// the ingester does.
func rawEnqueue(ctx context.Context, r *rig.Redis, rdb redis.UniversalClient, n, c int, dur time.Duration) (rawResult, error) {
	res := rawResult{Concurrency: c}
	client := asynq.NewClientFromRedisClient(rdb)
	defer client.Close()
	at := time.Now().UTC()
	deadline := at.Add(dur)
	var (
		next, failed, done atomic.Int64
		wg                 sync.WaitGroup
	)
	cpu := rig.StartCPU(r)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || time.Now().After(deadline) {
					return
				}
				ord := rig.Order(rig.CustomerID(i), fmt.Sprintf("raw-%d", i), float64(20+i%180), at, false)
				props, _ := ord["properties"].(map[string]any)
				pl := &tasks.SendPayload{Campaign: rig.CampaignID, Customer: rig.CustomerID(i), Occurrence: ord["messageId"].(string), Due: at,
					Event: &tasks.EventPayload{ID: ord["messageId"].(string), Name: "Order Completed", Properties: props, Timestamp: at}}
				body, err := json.Marshal(pl)
				if err == nil {
					_, err = client.EnqueueContext(ctx, asynq.NewTask(tasks.TypeSend, body),
						asynq.TaskID(tasks.SendTaskID(pl.Campaign, pl.Customer, pl.Occurrence)),
						asynq.Queue(tasks.QueueCritical), asynq.MaxRetry(20))
				}
				if err != nil {
					if failed.Add(1) <= 3 {
						rig.Logf("raw enqueue %d: %v", i, err)
					}
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	res.CPU = cpu.Stop()
	res.Enqueues, res.Errors = int(done.Load()), int(failed.Load())
	res.PerS = rig.Round(float64(res.Enqueues) / res.CPU.Seconds)
	if res.Errors > 0 {
		return res, fmt.Errorf("%d raw enqueues failed", res.Errors)
	}
	return res, nil
}
