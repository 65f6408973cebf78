package channels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/textproto"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wneessen/go-mail"
)

// Redis keys of the shared email limits, both built here:
//
//	rp:pace:all        HASH  the token bucket of email.rate_limit: fields tokens (float, may
//	                         be fractional) and ts (unix ms of the last refill, by the calling
//	                         worker's clock). Lifetime: expires after the time a drained bucket
//	                         takes to fill up plus a second, when it would be full anyway.
//	rp:pace:d:<domain> HASH  the same for one domain of email.domain_limits (lower case).
//
// One key per script call, so both work on Redis Cluster.
const paceAllKey = "rp:pace:all"

func paceDomainKey(domain string) string { return "rp:pace:d:" + domain }

// takeTokensScript refills a token bucket for the time since its last refill and takes up
// to the tokens asked for, as many as are there: a partial batch is better than a wait.
//
// The time comes from the caller rather than from Redis's TIME so that tests can drive it;
// workers' clocks are kept by NTP to a few milliseconds of each other, against a refill
// measured in tenths of a second, and a clock behind the last refill only refills nothing.
//
// KEYS[1] -> rp:pace:all or rp:pace:d:<domain>
// ARGV[1] -> rate, tokens per second
// ARGV[2] -> capacity, the most tokens the bucket holds (its burst)
// ARGV[3] -> now, unix ms
// ARGV[4] -> tokens wanted
// ARGV[5] -> key lifetime, ms
// Returns {granted, wait}: granted tokens (0 to wanted); when 0, wait is the ms until one
// token will be there.
var takeTokensScript = redis.NewScript(`
local rate = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1])
local ts = tonumber(v[2])
if tokens == nil or ts == nil then
  tokens = cap
  ts = now
end
if now > ts then
  tokens = math.min(cap, tokens + (now - ts) * rate / 1000)
  ts = now
end
local granted = math.min(want, math.floor(tokens))
local wait = 0
if granted > 0 then
  tokens = tokens - granted
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {granted, wait}
`)

// bucket is one shared token bucket and the tokens this worker holds from it.
type bucket struct {
	key      string
	rate     float64
	capacity int
	batch    int
	keep     time.Duration // how long taken tokens stay usable
	ttl      time.Duration
	held     int
	until    time.Time
}

// tokenKeep is how long a worker may use tokens it took: past it they are dropped, so that
// a worker that stopped sending cannot come back with a hoard.
const tokenKeep = 50 * time.Millisecond

// newBucket sizes a bucket for rate: batches of at most maxBatch tokens and 1/20 s of the
// rate; a burst of 1/10 s of the rate (at least one batch).
func newBucket(key string, perSecond float64, maxBatch int) *bucket {
	batch := max(1, min(maxBatch, int(perSecond/20)))
	capacity := max(batch, int(math.Ceil(perSecond/10)))
	keep := tokenKeep
	ttl := time.Duration(float64(capacity)/perSecond*float64(time.Second)) + time.Second
	return &bucket{key: key, rate: perSecond, capacity: capacity, batch: batch, keep: keep, ttl: ttl}
}

// fill makes sure the worker holds a token, taking a batch from Redis when it holds none
// (or only stale ones); it returns how long to wait when Redis has none to give.
func (b *bucket) fill(ctx context.Context, rdb redis.Scripter, now time.Time) (time.Duration, error) {
	if b.held > 0 && now.Before(b.until) {
		return 0, nil
	}
	b.held = 0
	res, err := takeTokensScript.Run(ctx, rdb, []string{b.key},
		b.rate, b.capacity, now.UnixMilli(), b.batch, b.ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("take tokens from %s: %w", b.key, err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("take tokens from %s: answer %v", b.key, res)
	}
	if res[0] == 0 {
		return max(time.Duration(res[1])*time.Millisecond, time.Millisecond), nil
	}
	b.held, b.until = int(res[0]), now.Add(b.keep)
	return 0, nil
}

// replyCode is the SMTP reply code a send failed with, 0 when the server gave none.
func replyCode(err error) int {
	var (
		ge  *mail.SendError
		pe  *stageError
		tpe *textproto.Error
	)
	switch {
	case errors.As(err, &ge):
		return ge.ErrorCode()
	case errors.As(err, &pe):
		return pe.code
	case errors.As(err, &tpe):
		return tpe.Code
	}
	return 0
}
