package rewards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// PointsEntry is one dated change of a customer's points balance.
type PointsEntry struct {
	// ID identifies the grant that credited it ("CAMPAIGN|OCCURRENCE"), so that a replayed
	// credit is recognised.
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Points     int64     `json:"points"`
	Campaign   string    `json:"campaign,omitempty"`
	Reward     string    `json:"reward,omitempty"`
	Occurrence string    `json:"occurrence,omitempty"`
	// Balance is the balance after this entry.
	Balance int64 `json:"balance"`
}

// Points is a customer's balance and latest entries, newest first.
type Points struct {
	Balance int64         `json:"balance"`
	Entries []PointsEntry `json:"entries"`
}

// KEYS[1] -> rp:{c:ID}:pts, KEYS[2] -> rp:{c:ID}:pts:log
// ARGV[1] -> points, ARGV[2] -> the entry as JSON with "balance":0 as its last field,
// ARGV[3] -> `"id":"..."` as the entry spells it, ARGV[4] -> entries kept
// Returns the new balance, or -1 when the entry is among the kept ones already (a replay).
//
// The entry is completed with the balance here, where it is known: ARGV[2] ends with
// `"balance":0}`, replaced by the new balance.
var creditScript = redis.NewScript(`
for _, e in ipairs(redis.call("LRANGE", KEYS[2], 0, -1)) do
  if string.find(e, ARGV[3], 1, true) then return -1 end
end
local b = redis.call("INCRBY", KEYS[1], ARGV[1])
local entry = string.sub(ARGV[2], 1, -3) .. b .. "}"
redis.call("LPUSH", KEYS[2], entry)
redis.call("LTRIM", KEYS[2], 0, tonumber(ARGV[4]) - 1)
return b
`)

// Credit adds e.Points to the customer's balance with a dated entry; the last pointsKeep
// entries are kept. A credit whose id (campaign and occurrence) is among them is a replay and
// changes nothing: credited is false.
func (l *Ledger) Credit(ctx context.Context, customer string, e PointsEntry) (credited bool, err error) {
	if e.ID == "" {
		e.ID = e.Campaign + "|" + e.Occurrence
	}
	e.At, e.Balance = e.At.UTC(), 0
	body, err := json.Marshal(e)
	if err != nil {
		return false, err
	}
	id, _ := json.Marshal(e.ID)
	b, err := creditScript.Run(ctx, l.rdb, []string{pointsKey(customer), pointsLogKey(customer)},
		e.Points, body, `"id":`+string(id), pointsKeep).Int64()
	if err != nil {
		return false, fmt.Errorf("credit %d points to customer %s: %w", e.Points, customer, err)
	}
	return b != -1, nil
}

// Points returns a customer's balance and their latest entries (at most pointsKeep).
func (l *Ledger) Points(ctx context.Context, customer string) (Points, error) {
	pipe := l.rdb.Pipeline()
	bal := pipe.Get(ctx, pointsKey(customer))
	log := pipe.LRange(ctx, pointsLogKey(customer), 0, pointsKeep-1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Points{}, fmt.Errorf("read the points of customer %s: %w", customer, err)
	}
	return pointsOf(bal, log), nil
}
