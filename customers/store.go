package customers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
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
	// RecentSends is how many of the newest sends the profile keeps whatever their age;
	// default config.RecentSends (20). Older ones are kept for SendHistory (sendlog.go).
	RecentSends int
	// SendHistory is how long older sends are kept: the longest frequency cap configured
	// (config.LongestCap of rapport.yaml and the campaigns), so that every cap finds the
	// sends it counts; default 7 days, the default cap's.
	SendHistory time.Duration
	// MaxSends bounds the send log whatever SendHistory says; default config.MaxSends (200),
	// which is also the largest count a cap may have.
	MaxSends int
	// Now is the clock, used for dedupe expiry and UpdatedAt; default time.Now.
	Now func() time.Time
	// Money converts order values into the reporting currency on read; default none (each
	// customer's money in the currency of their latest order). SetMoney replaces it.
	Money Money
	// Log receives the warning, once per currency, that orders in a currency without a rate
	// are left out of money totals; default none.
	Log *zap.Logger
	// MaxProfileBytes bounds the stored profile (field p: traits as JSON, their stamps and
	// the purchase days): an identify that would make it larger is refused with
	// ErrProfileTooLarge. Orders, sends and outcomes are never refused for it: they grow a
	// profile by a few bytes, and losing them would cost more. Default
	// DefaultMaxProfileBytes (256 KiB); rapport.yaml max_profile_bytes.
	MaxProfileBytes int
	// MaxTraitBytes bounds one trait as JSON; a larger one is refused with ErrTraitTooLarge.
	// Default DefaultMaxTraitBytes (16 KiB); rapport.yaml max_trait_bytes.
	MaxTraitBytes int
	// Secret keys the hashes of the suppression list (suppress.go), so that the list names no
	// address in clear and cannot be checked against a list of addresses without it; the
	// configuration's secret. Default none: hashes are then plain SHA-256, still not in
	// clear, but guessable.
	Secret string
	// Erasers erase, on Delete, what other packages keep about a customer outside the
	// customer's hash tag; default none.
	Erasers []Eraser
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
		o.RecentSends = config.RecentSends
	}
	if o.SendHistory <= 0 {
		o.SendHistory = 7 * 24 * time.Hour
	}
	if o.MaxSends <= 0 {
		o.MaxSends = config.MaxSends
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxProfileBytes <= 0 {
		o.MaxProfileBytes = DefaultMaxProfileBytes
	}
	if o.MaxTraitBytes <= 0 {
		o.MaxTraitBytes = DefaultMaxTraitBytes
	}
	return o
}

// Validate reports options that cannot work; call it on the options as configured.
func (o Options) Validate() error {
	o = o.WithDefaults()
	if _, ok := normCountry(o.DefaultRegion); !ok {
		return fmt.Errorf("DefaultRegion %q is not an ISO 3166-1 alpha-2 country code such as US", o.DefaultRegion)
	}
	if o.RecentSends > o.MaxSends {
		return fmt.Errorf("RecentSends (%d) cannot be more than MaxSends (%d)", o.RecentSends, o.MaxSends)
	}
	if o.MaxTraitBytes > o.MaxProfileBytes {
		return fmt.Errorf("MaxTraitBytes (%d) cannot be larger than MaxProfileBytes (%d)", o.MaxTraitBytes, o.MaxProfileBytes)
	}
	return o.Money.Validate()
}

// Store keeps customer profiles in Redis. It is safe for concurrent use, by any number of
// processes: every write is a compare-and-set on the profile's version (casScript).
type Store struct {
	rdb     redis.UniversalClient
	opts    Options
	density *indexDensity // Page's estimate of ids per bucket
	conv    atomic.Pointer[converter]
	// history is Options.SendHistory in nanoseconds, replaced by SetSendHistory.
	history atomic.Int64
}

// NewStore returns a store on rdb.
func NewStore(rdb redis.UniversalClient, opts Options) *Store {
	s := &Store{rdb: rdb, opts: opts.WithDefaults(), density: &indexDensity{}}
	s.SetMoney(s.opts.Money)
	s.history.Store(int64(s.opts.SendHistory))
	return s
}

// SetMoney replaces the reporting currency and rates, for a configuration reloaded while the
// store is in use: profiles read from then on are converted with m. Stored orders keep their
// own currencies, so nothing needs rewriting.
func (s *Store) SetMoney(m Money) {
	s.conv.Store(&converter{Money: m, log: s.opts.Log})
}

// SetSendHistory replaces Options.SendHistory, for campaigns reloaded with a longer or
// shorter cap: sends are trimmed to it from the next send recorded. A zero or negative d
// keeps the current value.
func (s *Store) SetSendHistory(d time.Duration) {
	if d > 0 {
		s.history.Store(int64(d))
	}
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
	return st.snapshot(s.opts.DefaultRegion, s.conv.Load()), nil
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
		out[i] = st.snapshot(s.opts.DefaultRegion, s.conv.Load())
		out[i].read = st
	}
	return out, nil
}
