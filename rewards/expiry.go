package rewards

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
)

// A grant of a reward that expires is written down under the customer's hash tag, so that a
// retried delivery offers the same expiry as the first attempt, whenever it runs:
//
//	rp:{c:CUSTOMER}:g:HASH  STRING  one grant: HASH is 24 hex digits of SHA-256 of
//	                                "CAMPAIGN\x00REWARD\x00OCCURRENCE"; the value is
//	                                "EXPIRES_UNIX|CAMPAIGN|REWARD|OCCURRENCE" (GrantRecord).
//	                                Lifetime: until the reward expires plus grantKeyGrace;
//	                                erased with the customer (customers.Store.Delete erases
//	                                every key of the tag).
//
// The tag is written out rather than taken from customers.HashTag to keep rewards free of the
// customer store; TestGrantKeyHasTheCustomersHashTag holds the two together. It is a key of
// its own rather than a field of the budget hash because unbudgeted rewards expire too, and
// because it then lives in the customer's slot, where an erasure finds it.
func grantKey(customer, campaign, reward, occurrence string) string {
	sum := sha256.Sum256([]byte(campaign + "\x00" + reward + "\x00" + occurrence))
	return GrantKeyPrefix(customer) + hex.EncodeToString(sum[:12])
}

// GrantKeyPrefix is the prefix of every grant key of a customer (for exports).
func GrantKeyPrefix(customer string) string { return "rp:{c:" + customer + "}:g:" }

// grantKeyGrace keeps a grant key a day past the expiry, so a retry racing the expiry still
// finds it.
const grantKeyGrace = 24 * time.Hour

// GrantRecord is the stored grant of an expiring reward.
type GrantRecord struct {
	Campaign, Reward, Occurrence string
	ExpiresAt                    time.Time
}

func (g GrantRecord) encode() string {
	return strconv.FormatInt(g.ExpiresAt.Unix(), 10) + "|" + g.Campaign + "|" + g.Reward + "|" + g.Occurrence
}

// DecodeGrantRecord reads the value of a grant key.
func DecodeGrantRecord(s string) (GrantRecord, error) {
	f := strings.SplitN(s, "|", 4)
	if len(f) != 4 {
		return GrantRecord{}, fmt.Errorf("grant record %q: %d fields, want 4", s, len(f))
	}
	unix, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return GrantRecord{}, fmt.Errorf("grant record %q: expiry: %w", s, err)
	}
	return GrantRecord{Campaign: f[1], Reward: f[2], Occurrence: f[3], ExpiresAt: time.Unix(unix, 0).UTC()}, nil
}

// expiry returns the expiry of a grant: the one written by its first attempt, else now plus
// the reward's lifetime, written down now (SET NX GET: one round trip either way). created
// reports whether this call wrote it.
func (l *Ledger) expiry(ctx context.Context, campaign string, r *config.Reward, customer, occurrence string, now time.Time) (at time.Time, created bool, err error) {
	rec := GrantRecord{Campaign: campaign, Reward: r.ID, Occurrence: occurrence,
		ExpiresAt: now.Add(r.Expires.D()).Truncate(time.Second).UTC()}
	key := grantKey(customer, campaign, r.ID, occurrence)
	old, err := l.rdb.SetArgs(ctx, key, rec.encode(), redis.SetArgs{Mode: "NX", Get: true, TTL: r.Expires.D() + grantKeyGrace}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return rec.ExpiresAt, true, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("record the expiry of reward %s of %s: %w", r.ID, campaign, err)
	}
	prior, err := DecodeGrantRecord(old)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read the expiry of reward %s of %s: %w", r.ID, campaign, err)
	}
	return prior.ExpiresAt, false, nil
}

// forgetExpiry deletes a grant key this attempt wrote for a grant the budget refused, so that
// no grant is on record that was never given.
func (l *Ledger) forgetExpiry(ctx context.Context, campaign, reward, customer, occurrence string) error {
	return l.rdb.Del(ctx, grantKey(customer, campaign, reward, occurrence)).Err()
}
