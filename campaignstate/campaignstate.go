// Package campaignstate owns whether a campaign is paused: the marketer's emergency stop,
// which survives restarts (it lives in Redis), takes effect at the next decision of every
// worker, and is logged with who and when. Delivery asks it before every send (Paused, from a
// per-process cache), the scheduler before firing an occurrence, and the API and the console
// pause, resume and show it (Pause, Resume, State, History).
//
// A paused campaign sends nothing: a pending send (a triggered send, a deferred one, a batch of
// a scheduled occurrence) is recorded as skipped with the reason "paused", and the scheduler
// does not fire new occurrences. Resuming does not resend what was skipped: the next send and
// the next occurrence go out.
package campaignstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Keys (all permanent: a pause lasts until someone resumes, and its history is the audit):
//
//	rp:paused            HASH field = campaign id, value = JSON {"by","at"} of the pause in
//	                     force. Written by Pause (HSETNX: a second pause keeps the first one's
//	                     who and when), removed by Resume (HDEL). One key for every campaign,
//	                     so that a worker reads the state of all of them in one HGETALL per
//	                     cache period; it holds only the paused ones (a few, tens of bytes each).
//	rp:pauselog:{<id>}   LIST of JSON Change, newest first, trimmed to HistoryLen entries by
//	                     every write: who paused and resumed the campaign, and when.
const (
	pausedKey = "rp:paused"
	// HistoryLen bounds the audit list of a campaign.
	HistoryLen = 100
	// maxWho bounds the length of a "who" (bytes), so an API body cannot grow the audit.
	maxWho = 100
)

func historyKey(campaign string) string { return "rp:pauselog:{" + campaign + "}" }

// Pause is a pause in force: who paused the campaign, and when.
type Pause struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Reason is the text a skipped send carries: "campaign paused by NAME at TIME".
func (p Pause) Reason() string {
	return "campaign paused by " + p.By + " at " + p.At.UTC().Format(time.RFC3339)
}

// Change is one entry of a campaign's audit list.
type Change struct {
	Action string    `json:"action"` // "pause" or "resume"
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// ErrBadInput is returned (wrapped) for an empty campaign id.
var ErrBadInput = errors.New("campaignstate: bad input")

// Options configure a Store. Every field has a default.
type Options struct {
	// TTL is how long a process trusts what it read of the paused campaigns before reading
	// them again (Paused). A pause made by another process takes effect in its workers within
	// TTL; one made through this Store at once. Default 1s.
	TTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives one line per pause and resume. Default a no-op logger.
	Log *zap.Logger
}

// Store reads and writes campaign states. It is safe for concurrent use; keep one per process,
// so that its cache is shared by every worker.
type Store struct {
	rdb  redis.UniversalClient
	opts Options
	snap atomic.Pointer[snapshot]
	mu   sync.Mutex // one refresh at a time
}

// snapshot is the paused campaigns as read at one instant.
type snapshot struct {
	read   time.Time
	paused map[string]*Pause // pointers, so that a lookup allocates nothing
}

// NewStore returns a Store on rdb with opts' defaults filled.
func NewStore(rdb redis.UniversalClient, opts Options) *Store {
	if opts.TTL <= 0 {
		opts.TTL = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	return &Store{rdb: rdb, opts: opts}
}

// Paused returns the pause in force on campaign, nil when it runs. It answers from a
// per-process snapshot of every paused campaign, read again at most once per TTL: it is on the
// path of every send, where a Redis round trip per customer would cost as much as the claim
// PausedBy is Paused as plain values, the form jobs/delivery.Pauses asks for: who paused the
// campaign and when, and whether it is paused at all.
func (s *Store) PausedBy(ctx context.Context, campaign string) (by string, at time.Time, paused bool, err error) {
	p, err := s.Paused(ctx, campaign)
	if err != nil || p == nil {
		return "", time.Time{}, false, err
	}
	return p.By, p.At, true, nil
}

// does. The cost per call is an atomic load, a clock read and a map lookup (BenchmarkPaused).
func (s *Store) Paused(ctx context.Context, campaign string) (*Pause, error) {
	now := s.opts.Now()
	if sn := s.snap.Load(); sn != nil && now.Sub(sn.read) < s.opts.TTL && !now.Before(sn.read) {
		return sn.lookup(campaign), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sn := s.snap.Load(); sn != nil && now.Sub(sn.read) < s.opts.TTL && !now.Before(sn.read) {
		return sn.lookup(campaign), nil // another caller refreshed it while we waited
	}
	all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{read: now, paused: make(map[string]*Pause, len(all))}
	for id, p := range all {
		sn.paused[id] = &p
	}
	s.snap.Store(sn)
	return sn.lookup(campaign), nil
}

// lookup returns the pause of campaign, nil when it runs. The Pause is shared by every
// caller: it must not be changed.
func (sn *snapshot) lookup(campaign string) *Pause { return sn.paused[campaign] }

// All returns every pause in force, read from Redis now.
func (s *Store) All(ctx context.Context) (map[string]Pause, error) {
	raw, err := s.rdb.HGetAll(ctx, pausedKey).Result()
	if err != nil {
		return nil, fmt.Errorf("read paused campaigns: %w", err)
	}
	out := make(map[string]Pause, len(raw))
	for id, v := range raw {
		p, err := decodePause(v)
		if err != nil {
			// Written by no version of Rapport: the campaign stays paused (the safe side),
			// by an unknown hand.
			p = Pause{By: "unknown"}
		}
		out[id] = p
	}
	return out, nil
}

// State returns whether campaign is paused, by whom and since when, read from Redis now (the
// API and the console show it right after a change made by another process).
func (s *Store) State(ctx context.Context, campaign string) (paused bool, by string, at time.Time, err error) {
	v, err := s.rdb.HGet(ctx, pausedKey, campaign).Result()
	if errors.Is(err, redis.Nil) {
		return false, "", time.Time{}, nil
	}
	if err != nil {
		return false, "", time.Time{}, fmt.Errorf("read state of campaign %s: %w", campaign, err)
	}
	p, err := decodePause(v)
	if err != nil {
		return true, "unknown", time.Time{}, nil
	}
	return true, p.By, p.At, nil
}

// Pause stops campaign from the next decision on, in every process (within Options.TTL in
// the others). Pausing a paused campaign changes nothing: the first pause's who and when stay.
// who names the person or key (an empty one is "unknown").
func (s *Store) Pause(ctx context.Context, campaign, who string) error {
	if campaign == "" {
		return fmt.Errorf("pause: campaign id: %w", ErrBadInput)
	}
	p := Pause{By: cleanWho(who), At: s.opts.Now().UTC().Truncate(time.Second)}
	v, _ := json.Marshal(p)
	set, err := s.rdb.HSetNX(ctx, pausedKey, campaign, v).Result()
	if err != nil {
		return fmt.Errorf("pause campaign %s: %w", campaign, err)
	}
	s.snap.Store(nil) // this process sees its own change at once
	if !set {
		return nil
	}
	s.audit(ctx, campaign, Change{Action: "pause", By: p.By, At: p.At})
	return nil
}

// Resume lets campaign send again from the next decision on. What was skipped while it was
// paused is not sent again. Resuming a running campaign changes nothing.
func (s *Store) Resume(ctx context.Context, campaign, who string) error {
	if campaign == "" {
		return fmt.Errorf("resume: campaign id: %w", ErrBadInput)
	}
	n, err := s.rdb.HDel(ctx, pausedKey, campaign).Result()
	if err != nil {
		return fmt.Errorf("resume campaign %s: %w", campaign, err)
	}
	s.snap.Store(nil)
	if n == 0 {
		return nil
	}
	s.audit(ctx, campaign, Change{Action: "resume", By: cleanWho(who), At: s.opts.Now().UTC().Truncate(time.Second)})
	return nil
}

// audit logs a change and appends it to the campaign's bounded history. The state is written
// first and is what counts: a history that fails to write is logged, not returned, since the
// pause or resume has taken effect already.
func (s *Store) audit(ctx context.Context, campaign string, c Change) {
	s.opts.Log.Warn("campaign "+c.Action+"d", zap.String("campaign", campaign), zap.String("by", c.By), zap.Time("at", c.At))
	v, _ := json.Marshal(c)
	pipe := s.rdb.Pipeline()
	pipe.LPush(ctx, historyKey(campaign), v)
	pipe.LTrim(ctx, historyKey(campaign), 0, HistoryLen-1)
	if _, err := pipe.Exec(context.WithoutCancel(ctx)); err != nil {
		s.opts.Log.Error("write campaign state history", zap.String("campaign", campaign), zap.Error(err))
	}
}

// History returns the last n changes of campaign (at most HistoryLen), newest first.
func (s *Store) History(ctx context.Context, campaign string, n int) ([]Change, error) {
	n = max(1, min(n, HistoryLen))
	raw, err := s.rdb.LRange(ctx, historyKey(campaign), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read state history of campaign %s: %w", campaign, err)
	}
	out := make([]Change, 0, len(raw))
	for _, v := range raw {
		var c Change
		if json.Unmarshal([]byte(v), &c) == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

func decodePause(v string) (Pause, error) {
	var p Pause
	err := json.Unmarshal([]byte(v), &p)
	return p, err
}

// cleanWho keeps a who printable and bounded: it is shown in the console and written in logs
// and skip reasons.
func cleanWho(who string) string {
	who = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(who))
	if len(who) > maxWho {
		who = strings.ToValidUTF8(who[:maxWho], "")
	}
	if who == "" {
		return "unknown"
	}
	return who
}
