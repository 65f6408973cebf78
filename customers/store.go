package customers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned, wrapped, for a customer that has no profile.
var ErrNotFound = errors.New("customer not found")

// ErrContention is returned, wrapped, when a write kept losing against concurrent writers of
// the same customer; nothing of the losing attempt was written, so the call can be retried.
var ErrContention = errors.New("too many concurrent writes to one customer")

// Options configure a Store; zero values take the documented defaults.
type Options struct {
	// DedupeTTL is how long a messageId is remembered to ignore a replayed event; default 7
	// days. Orders are remembered for ever (by order_id, else messageId): an order counted
	// twice would distort the summary, an event replayed after a week does not matter.
	DedupeTTL time.Duration
	// DefaultRegion parses phone numbers written without a country code when the customer
	// has no address.country; ISO 3166-1 alpha-2, default "US".
	DefaultRegion string
	// RecentSends is how many sends are kept on the profile, newest first; default 20.
	RecentSends int
	// Now is the clock, used for dedupe expiry and UpdatedAt; default time.Now.
	Now func() time.Time
}

// WithDefaults returns the options with zero values replaced by their defaults.
func (o Options) WithDefaults() Options {
	if o.DedupeTTL <= 0 {
		o.DedupeTTL = 7 * 24 * time.Hour
	}
	o.DefaultRegion = strings.ToUpper(strings.TrimSpace(o.DefaultRegion))
	if o.DefaultRegion == "" {
		o.DefaultRegion = "US"
	}
	if o.RecentSends <= 0 {
		o.RecentSends = 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports options that cannot work; call it on the options as configured.
func (o Options) Validate() error {
	o = o.WithDefaults()
	if _, ok := normCountry(o.DefaultRegion); !ok {
		return fmt.Errorf("DefaultRegion %q is not an ISO 3166-1 alpha-2 country code such as US", o.DefaultRegion)
	}
	return nil
}

// Store keeps customer profiles in Redis. It is safe for concurrent use, by any number of
// processes: every write is a compare-and-set on the profile's version (casScript).
type Store struct {
	rdb  redis.UniversalClient
	opts Options
}

// NewStore returns a store on rdb.
func NewStore(rdb redis.UniversalClient, opts Options) *Store {
	return &Store{rdb: rdb, opts: opts.WithDefaults()}
}

// maxAttempts bounds the compare-and-set retries of one write; each lost attempt means
// another writer of the same customer succeeded, so this is only reached under a pile-up.
const maxAttempts = 64

// backoff waits a little, more after each lost attempt, with jitter so that the writers of
// one customer spread out instead of colliding again.
func backoff(ctx context.Context, attempt int) error {
	if attempt < 2 {
		return ctx.Err()
	}
	limit := time.Duration(1<<min(attempt, 5)) * 500 * time.Microsecond
	t := time.NewTimer(rand.N(limit))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Get returns the profile of a customer, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Profile, error) {
	h, err := s.rdb.HGetAll(ctx, profileKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("get customer %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("get customer %s: %w", id, ErrNotFound)
	}
	st, err := decodeState(id, h)
	if err != nil {
		return nil, fmt.Errorf("get customer %s: %w", id, err)
	}
	return st.snapshot(s.opts.DefaultRegion), nil
}

// GetMany returns the profiles of ids in one pipeline, in the order of ids, nil for a
// customer that has no profile.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*Profile, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, profileKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("get %d customers: %w", len(ids), err)
	}
	out := make([]*Profile, len(ids))
	for i, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue
		}
		st, err := decodeState(ids[i], h)
		if err != nil {
			return nil, fmt.Errorf("get customer %s: %w", ids[i], err)
		}
		out[i] = st.snapshot(s.opts.DefaultRegion)
		out[i].read = st
	}
	return out, nil
}

// Delete erases a customer: profile, personal data, dedupe set and index entry. It reports
// whether there was anything to erase. Keys that other packages keep under the customer's
// hash tag are theirs to erase.
func (s *Store) Delete(ctx context.Context, id string) (bool, error) {
	// The index entry goes first: a concurrent Apply that recreates the customer between the
	// two calls re-adds it, so the index never misses a live profile.
	removed, err := s.rdb.ZRem(ctx, indexKey, id).Result()
	if err != nil {
		return false, fmt.Errorf("delete customer %s from the index: %w", id, err)
	}
	n, err := s.rdb.Del(ctx, profileKey(id), dedupeKey(id)).Result()
	if err != nil {
		return false, fmt.Errorf("delete customer %s: %w", id, err)
	}
	return removed > 0 || n > 0, nil
}

// Page walks customer ids in lexical (byte) order after `after` ("" for the start), n at a
// time (keyset pagination: stable while customers are added or deleted). next is the last id
// of the page, to pass as after; it is "" when there is nothing more. A crash between an
// index entry and its profile can leave an id without a profile: GetMany returns nil for it.
func (s *Store) Page(ctx context.Context, after string, n int) (ids []string, next string, err error) {
	if n <= 0 {
		return nil, "", fmt.Errorf("page customers: page size %d must be at least 1", n)
	}
	lower := "-"
	if after != "" {
		lower = "(" + after
	}
	ids, err = s.rdb.ZRangeByLex(ctx, indexKey, &redis.ZRangeBy{Min: lower, Max: "+", Count: int64(n) + 1}).Result()
	if err != nil {
		return nil, "", fmt.Errorf("page customers after %q: %w", after, err)
	}
	if len(ids) > n {
		ids = ids[:n]
		next = ids[n-1]
	}
	return ids, next, nil
}

// Count returns how many customers the index holds.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, indexKey).Result()
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return n, nil
}
