package schedule

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// Keys of the scheduler, fan-outs and batches, built here. Every multi-key operation stays in
// one hash slot: each Lua script below touches one key.
//
//	rp:lease:scheduler      STRING  the scheduler lease: the holder's token, PX leaseTTL,
//	                                renewed by the holder on every tick, deleted on shutdown.
//	rp:sched:{CAMPAIGN}     HASH    "last": unix ms up to which occurrences were fired
//	                                (Occurrence.Fire). Lifetime: permanent (a few bytes per
//	                                campaign; kept so a campaign removed and re-added does not
//	                                fire its past again).
//	rp:run:{CAMPAIGN:OCC}   HASH    progress of one occurrence (runField*): counters,
//	                                fan-out cursors per pass, batch offsets. TTL runTTL,
//	                                refreshed on every write.
//	rp:runs:{CAMPAIGN}      ZSET    the campaign's occurrences scored by Fire (unix s), for
//	                                GET /v1/campaigns/{id}/runs; members older than runTTL
//	                                are trimmed on every add. TTL runTTL, refreshed.
const leaseKey = "rp:lease:scheduler"

func schedKey(campaign string) string { return "rp:sched:{" + campaign + "}" }

func runKey(campaign, occurrence string) string {
	return "rp:run:{" + campaign + ":" + tasks.SafeKeyPart(occurrence) + "}"
}

func runsKey(campaign string) string { return "rp:runs:{" + campaign + "}" }

// runTTL is how long occurrence progress stays visible.
const runTTL = 30 * 24 * time.Hour

// Fields of a run hash. Counters are HINCRBY'd; skipped:<reason> per reason.
const (
	runFire       = "fire"        // Occurrence.Fire, RFC 3339
	runSeen       = "seen"        // customers examined by the fan-out (first pass)
	runQueued     = "queued"      // customers put in batches
	runProcessed  = "processed"   // customers batches have finished with (any outcome)
	runSent       = "sent"        // messages delivered
	runHoldout    = "holdout"     // control group
	runDeferred   = "deferred"    // moved later by the decision (sending window, frequency cap)
	runFanoutDone = "fanout_done" // set when the last fan-out pass finished
	runCompleted  = "completed_at"
	runUnknown    = "outcome_unknown" // sends whose outcome is unknown (delivery.StateUnknown)
	runSkipped    = "skipped:"        // + reason
	runCursor     = "cursor:"         // + pass: last customer id of the last checkpointed page
	runPassDone   = "done:"           // + pass
	runLater      = "later:"          // + pass: the earliest instant (unix s) of a customer beyond the pass
	runBatch      = "b:"              // + batch id: customers of the batch already processed
)

// KEYS[1] -> rp:run:{CAMPAIGN:OCC}
// ARGV[1] -> cursor field of the pass; ARGV[2] -> the cursor this page started after ("" first)
// ARGV[3] -> the page's last id; ARGV[4] -> TTL ms; ARGV[5] -> the earliest instant (unix s)
// of a customer beyond the pass, or "" for none; ARGV[6...] -> field, increment pairs
// Returns 1 when the page was recorded, 0 when another run of the same fan-out recorded it
// already (counters are then left alone, so a retried fan-out counts nobody twice).
var pageScript = redis.NewScript(`
local cur = redis.call("HGET", KEYS[1], ARGV[1]) or ""
if cur ~= ARGV[2] then return 0 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[3])
if ARGV[5] ~= "" then
  local f = "later:" .. string.sub(ARGV[1], 8)
  local old = redis.call("HGET", KEYS[1], f)
  if not old or tonumber(ARGV[5]) < tonumber(old) then redis.call("HSET", KEYS[1], f, ARGV[5]) end
end
for i = 6, #ARGV, 2 do redis.call("HINCRBY", KEYS[1], ARGV[i], ARGV[i+1]) end
redis.call("PEXPIRE", KEYS[1], ARGV[4])
return 1
`)

// KEYS[1] -> rp:run:{CAMPAIGN:OCC}
// ARGV[1] -> batch field; ARGV[2] -> customers of the batch processed after this chunk
// ARGV[3] -> TTL ms; ARGV[4] -> now (RFC 3339); ARGV[5...] -> field, increment pairs
// Returns -1 when the chunk was recorded already (a duplicate handler of the same batch),
// 1 when this chunk completed the run (every queued customer processed after the last pass),
// 0 otherwise.
var chunkScript = redis.NewScript(`
local cur = tonumber(redis.call("HGET", KEYS[1], ARGV[1]) or "-1")
if cur >= tonumber(ARGV[2]) then return -1 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
for i = 5, #ARGV, 2 do redis.call("HINCRBY", KEYS[1], ARGV[i], ARGV[i+1]) end
redis.call("PEXPIRE", KEYS[1], ARGV[3])
if redis.call("HEXISTS", KEYS[1], "fanout_done") == 1 and redis.call("HEXISTS", KEYS[1], "completed_at") == 0 then
  local q = tonumber(redis.call("HGET", KEYS[1], "queued") or "0")
  local p = tonumber(redis.call("HGET", KEYS[1], "processed") or "0")
  if p >= q then
    redis.call("HSET", KEYS[1], "completed_at", ARGV[4])
    return 1
  end
end
return 0
`)

// KEYS[1] -> rp:run:{CAMPAIGN:OCC}
// ARGV[1] -> done field of the pass; ARGV[2] -> 1 when it is the last pass; ARGV[3] -> TTL ms
// ARGV[4] -> now (RFC 3339)
// Returns 1 when the run is complete (last pass done and every queued customer processed).
var passDoneScript = redis.NewScript(`
redis.call("HSET", KEYS[1], ARGV[1], "1")
redis.call("PEXPIRE", KEYS[1], ARGV[3])
if ARGV[2] ~= "1" then return 0 end
redis.call("HSET", KEYS[1], "fanout_done", ARGV[4])
if redis.call("HEXISTS", KEYS[1], "completed_at") == 1 then return 0 end
local q = tonumber(redis.call("HGET", KEYS[1], "queued") or "0")
local p = tonumber(redis.call("HGET", KEYS[1], "processed") or "0")
if p >= q then
  redis.call("HSET", KEYS[1], "completed_at", ARGV[4])
  return 1
end
return 0
`)

// Run is the progress of one occurrence of a scheduled campaign.
type Run struct {
	Campaign   string `json:"campaign"`
	Occurrence string `json:"occurrence"`
	// Fire is when the occurrence's fan-out started (for local occurrences, when the first
	// time zone reached it).
	Fire      time.Time `json:"fire"`
	Seen      int64     `json:"seen"`
	Queued    int64     `json:"queued"`
	Processed int64     `json:"processed"`
	Sent      int64     `json:"sent"`
	Holdout   int64     `json:"holdout"`
	Deferred  int64     `json:"deferred"`
	// Unknown counts messages whose outcome is unknown (the connection broke mid-transaction):
	// not resent automatically; `rapport deliveries --state outcome_unknown` lists them.
	Unknown int64            `json:"outcome_unknown"`
	Skipped map[string]int64 `json:"skipped"`
	// FanoutDone says every customer has been looked at; Completed that every queued one has
	// been processed too.
	FanoutDone bool       `json:"fanout_done"`
	Completed  *time.Time `json:"completed_at"`
}

// ErrUnknownCampaign is returned, wrapped, for runs of a campaign that is not loaded.
var ErrUnknownCampaign = errors.New("unknown campaign")

// Runs reads occurrence progress (GET /v1/campaigns/{id}/runs).
type Runs struct {
	RDB     redis.UniversalClient
	Catalog *delivery.CatalogRef
}

// Recent returns the latest n occurrences of a campaign, newest first.
func (r *Runs) Recent(ctx context.Context, campaign string, n int) ([]Run, error) {
	if r.Catalog != nil && r.Catalog.Load().Set.Campaign(campaign) == nil {
		return nil, fmt.Errorf("runs of %q: %w", campaign, ErrUnknownCampaign)
	}
	if n <= 0 {
		n = 20
	}
	occs, err := r.RDB.ZRevRange(ctx, runsKey(campaign), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("runs of %s: %w", campaign, err)
	}
	out := make([]Run, 0, len(occs))
	for _, occ := range occs {
		h, err := r.RDB.HGetAll(ctx, runKey(campaign, occ)).Result()
		if err != nil {
			return nil, fmt.Errorf("run %s of %s: %w", occ, campaign, err)
		}
		if len(h) == 0 {
			continue // expired
		}
		out = append(out, runOf(campaign, occ, h))
	}
	return out, nil
}

func runOf(campaign, occ string, h map[string]string) Run {
	n := func(f string) int64 { v, _ := strconv.ParseInt(h[f], 10, 64); return v }
	run := Run{Campaign: campaign, Occurrence: occ, Seen: n(runSeen), Queued: n(runQueued), Processed: n(runProcessed),
		Sent: n(runSent), Holdout: n(runHoldout), Deferred: n(runDeferred), Unknown: n(runUnknown), Skipped: map[string]int64{},
		FanoutDone: h[runFanoutDone] != ""}
	run.Fire, _ = time.Parse(time.RFC3339, h[runFire])
	if t, err := time.Parse(time.RFC3339, h[runCompleted]); err == nil {
		run.Completed = &t
	}
	for f := range h {
		if reason, ok := strings.CutPrefix(f, runSkipped); ok {
			run.Skipped[reason] = n(f)
		}
	}
	return run
}

// startRun records an occurrence in the campaign's index of runs; idempotent.
func startRun(ctx context.Context, rdb redis.UniversalClient, campaign string, o Occurrence, now time.Time) error {
	key := runKey(campaign, o.Key)
	// Two keys in two slots: written one after the other, each command on one key.
	if err := rdb.HSetNX(ctx, key, runFire, o.Fire.UTC().Format(time.RFC3339)).Err(); err != nil {
		return fmt.Errorf("start run %s of %s: %w", o.Key, campaign, err)
	}
	if err := rdb.PExpire(ctx, key, runTTL).Err(); err != nil {
		return fmt.Errorf("start run %s of %s: %w", o.Key, campaign, err)
	}
	idx := runsKey(campaign)
	pipe := rdb.Pipeline()
	pipe.ZAdd(ctx, idx, redis.Z{Score: float64(o.Fire.Unix()), Member: o.Key})
	pipe.ZRemRangeByScore(ctx, idx, "-inf", "("+strconv.FormatInt(now.Add(-runTTL).Unix(), 10))
	pipe.PExpire(ctx, idx, runTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("index run %s of %s: %w", o.Key, campaign, err)
	}
	return nil
}

// counterArgs flattens counters into script arguments in a stable order.
func counterArgs(args []any, counts map[string]int64) []any {
	keys := make([]string, 0, len(counts))
	for k, v := range counts {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, k, counts[k])
	}
	return args
}
