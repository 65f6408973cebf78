package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/redis/go-redis/v9"
)

// leaseTTL is how long a scheduler that stopped renewing keeps the lease: another one takes
// over at most this long after a crash. The holder renews on every tick (every second by
// default), so a few lost renewals do not cost it the lease.
const leaseTTL = 15 * time.Second

// KEYS[1] -> rp:lease:scheduler
// ARGV[1] -> token of this scheduler; ARGV[2] -> TTL in milliseconds
// Returns 1 when this scheduler holds the lease (taken now or renewed), 0 when another does.
var leaseHoldScript = redis.NewScript(`
local v = redis.call("GET", KEYS[1])
if v == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0
`)

// KEYS[1] -> rp:lease:scheduler
// ARGV[1] -> token
// Deletes the lease when this scheduler holds it; returns 1 then, else 0.
var leaseReleaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`)

// Lease is a Redis lease (SET NX PX, renewed by compare-and-renew): only its holder fires
// scheduled campaigns. A second holder after a failover (the first one paused past the TTL)
// changes nothing: occurrences and batches carry deterministic task ids, and deliveries claims.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	token string
	ttl   time.Duration
}

// NewLease returns a lease on key with a random token; ttl 0 means leaseTTL.
func NewLease(rdb redis.UniversalClient, key string, ttl time.Duration) *Lease {
	if ttl <= 0 {
		ttl = leaseTTL
	}
	return &Lease{rdb: rdb, key: key, token: tasks.NewToken(), ttl: ttl}
}

// Hold takes the lease when it is free, renews it when held by us, and reports whether we hold it.
func (l *Lease) Hold(ctx context.Context) (bool, error) {
	n, err := leaseHoldScript.Run(ctx, l.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("hold lease %s: %w", l.key, err)
	}
	return n == 1, nil
}

// Release gives the lease up when we hold it, so another scheduler takes over at once rather
// than after the TTL.
func (l *Lease) Release(ctx context.Context) error {
	if err := leaseReleaseScript.Run(ctx, l.rdb, []string{l.key}, l.token).Err(); err != nil {
		return fmt.Errorf("release lease %s: %w", l.key, err)
	}
	return nil
}
