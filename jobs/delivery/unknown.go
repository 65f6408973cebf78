package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/jobs/tasks"
)

// Unknown is a delivery whose outcome is unknown (`rapport deliveries --state
// outcome_unknown`): the provider may or may not have the message.
type Unknown struct {
	Key        string `json:"key"`
	Customer   string `json:"customer"`
	Campaign   string `json:"campaign"`
	Occurrence string `json:"occurrence"`
	// Pending: a sending claim whose owner died and that no retry has settled yet (it
	// becomes StateUnknown when its task comes back).
	Pending bool      `json:"pending"`
	Channel string    `json:"channel,omitempty"`
	Variant string    `json:"variant,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
	value   string
}

// ListUnknown lists the unknown deliveries, of campaign when it is not empty, recorded at or
// after since. It SCANs the key space (MATCH rp:{c:*}:d:CAMPAIGN:*): an operator's command
// run after an incident, for which a full scan (about a second per million keys) costs less
// than an index that every send would have to keep. On Redis Cluster it scans every master.
func (c *Claims) ListUnknown(ctx context.Context, campaign string, since time.Time) ([]Unknown, error) {
	match := "rp:{c:*}:d:*"
	if campaign != "" {
		match = "rp:{c:*}:d:" + tasks.SafeKeyPart(campaign) + ":*"
	}
	var out []Unknown
	scan := func(ctx context.Context, rdb redis.UniversalClient) error {
		iter := rdb.Scan(ctx, 0, match, 1000).Iterator()
		for iter.Next(ctx) {
			key := iter.Val()
			v, err := rdb.Get(ctx, key).Result()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read %s: %w", key, err)
			}
			u, ok := c.unknownOf(key, v)
			if ok && !u.At.Before(since) {
				out = append(out, u)
			}
		}
		return iter.Err()
	}
	var err error
	if cc, ok := c.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return scan(ctx, m) })
	} else {
		err = scan(ctx, c.rdb)
	}
	if err != nil {
		return nil, fmt.Errorf("list unknown deliveries: %w", err)
	}
	return out, nil
}

// unknownOf reads a delivery record as an Unknown; ok is false for any other record.
func (c *Claims) unknownOf(key, v string) (Unknown, bool) {
	rest, ok := strings.CutPrefix(key, "rp:{c:")
	i := strings.LastIndex(rest, "}:d:")
	if !ok || i < 0 {
		return Unknown{}, false
	}
	camp, occ, _ := strings.Cut(rest[i+len("}:d:"):], ":")
	u := Unknown{Key: key, Customer: rest[:i], Campaign: camp, Occurrence: occ, value: v}
	rec, err := DecodeRecord(v)
	switch {
	case err != nil:
		return Unknown{}, false
	case rec.State == StateUnknown:
		u.Channel, u.Variant, u.Reason, u.At = rec.Channel, rec.Variant, rec.Reason, rec.At
		return u, true
	case rec.State == StateClaimed:
		end, sending := leaseEnd(v)
		if sending && !c.now().Before(end) {
			u.Pending, u.Reason, u.At = true, "worker_lost", end.Add(-c.lease).UTC().Truncate(time.Second)
			return u, true
		}
	}
	return Unknown{}, false
}

// ErrNotResendable is returned by Resend for a delivery it cannot send again: a pending one
// (settled by its task's retry first), or one whose record changed since it was listed.
var ErrNotResendable = errors.New("not resendable")

// Resend sends an unknown delivery once more, after the operator has checked with the relay
// that the message did not go out. It enqueues a send task whose id is derived from the
// unknown record (so running the command twice enqueues one task), due a few seconds later,
// then deletes the record if it still holds the value listed: the task then takes a fresh
// claim and sends exactly once; if the record changed, the task finds it and sends nothing.
// The send is decided again now, without the triggering event's properties (the event is no
// longer known): templates that use {{.Event}} render without them.
func (c *Claims) Resend(ctx context.Context, enq tasks.Enqueuer, queue string, u Unknown, now time.Time) error {
	if u.Pending || u.value == "" {
		return fmt.Errorf("resend %s: %w: its task has not settled it yet", u.Key, ErrNotResendable)
	}
	p := &tasks.SendPayload{Campaign: u.Campaign, Customer: u.Customer, Occurrence: u.Occurrence, Due: now.UTC()}
	body, err := p.Marshal()
	if err != nil {
		return err
	}
	id := tasks.SendTaskID(u.Campaign, u.Customer, u.Occurrence) + ":resend:" + tasks.ShortHash(u.value)
	_, err = enq.EnqueueContext(ctx, asynq.NewTask(tasks.TypeSend, body), asynq.TaskID(id), asynq.Queue(queue),
		asynq.MaxRetry(tasks.MaxRetry), asynq.ProcessIn(resendDelay))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("resend %s: enqueue: %w", u.Key, err)
	}
	n, err := deleteIfScript.Run(ctx, c.rdb, []string{u.Key}, u.value).Int()
	if err != nil {
		return fmt.Errorf("resend %s: clear the record: %w", u.Key, err)
	}
	if n == 0 {
		return fmt.Errorf("resend %s: %w: the record changed", u.Key, ErrNotResendable)
	}
	return nil
}

// resendDelay leaves Resend the time to clear the record before the task runs.
const resendDelay = 5 * time.Second

// KEYS[1] -> rp:{c:ID}:d:CAMPAIGN:OCCURRENCE
// ARGV[1] -> the value it must hold
// Returns 1 when deleted, 0 when it held another value (left as it was).
var deleteIfScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`)
