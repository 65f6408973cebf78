package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// asynqEnqueueScript is asynq v0.26's enqueueCmd (internal/rdb/rdb.go), copied verbatim:
//
// KEYS[1] -> asynq:{<qname>}:t:<task_id>
// KEYS[2] -> asynq:{<qname>}:pending
// ARGV[1] -> task message data
// ARGV[2] -> task ID
// ARGV[3] -> current unix time in nsec
// Returns 1 if enqueued, 0 if the task ID already exists.
var asynqEnqueueScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 1 then
	return 0
end
redis.call("HSET", KEYS[1],
           "msg", ARGV[1],
           "state", "pending",
           "pending_since", ARGV[3])
redis.call("LPUSH", KEYS[2], ARGV[2])
return 1
`)

// pipelinedEnqueue is a what-if, not asynq's API: the Redis work of asynq's enqueue (the same
// script, keys and a message of about the same size: the JSON payload plus 100 bytes for
// asynq's protobuf envelope) done batch at a time in one pipelined round trip, from c
// goroutines. It shows what the ingester's enqueues would cost if a request's tasks went to
// Redis together instead of one round trip each.
func pipelinedEnqueue(ctx context.Context, r *rig.Redis, rdb redis.UniversalClient, n, batch, c int, dur time.Duration) (rawResult, error) {
	res := rawResult{Concurrency: c}
	if err := asynqEnqueueScript.Load(ctx, rdb).Err(); err != nil {
		return res, err
	}
	at := time.Now().UTC()
	deadline := at.Add(dur)
	envelope := make([]byte, 100)
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
				lo := int(next.Add(int64(batch))) - batch
				if lo >= n || time.Now().After(deadline) {
					return
				}
				pipe := rdb.Pipeline()
				for i := lo; i < min(lo+batch, n); i++ {
					ord := rig.Order(rig.CustomerID(i), "what-"+strconv.Itoa(i), float64(20+i%180), at, false)
					props, _ := ord["properties"].(map[string]any)
					pl := &tasks.SendPayload{Campaign: rig.CampaignID, Customer: rig.CustomerID(i), Occurrence: ord["messageId"].(string), Due: at,
						Event: &tasks.EventPayload{ID: ord["messageId"].(string), Name: "Order Completed", Properties: props, Timestamp: at}}
					body, _ := json.Marshal(pl)
					id := tasks.SendTaskID(pl.Campaign, pl.Customer, pl.Occurrence)
					asynqEnqueueScript.EvalSha(ctx, pipe, []string{"asynq:{critical}:t:" + id, "asynq:{critical}:pending"},
						append(body, envelope...), id, time.Now().UnixNano())
				}
				cmds, err := pipe.Exec(ctx)
				if err != nil {
					if failed.Add(1) <= 3 {
						rig.Logf("pipelined enqueue at %d: %v", lo, err)
					}
					continue
				}
				done.Add(int64(len(cmds)))
			}
		}()
	}
	wg.Wait()
	res.CPU = cpu.Stop()
	res.Enqueues, res.Errors = int(done.Load()), int(failed.Load())
	res.PerS = rig.Round(float64(res.Enqueues) / res.CPU.Seconds)
	if res.Errors > 0 {
		return res, fmt.Errorf("%d pipelined batches failed", res.Errors)
	}
	return res, nil
}
