package customers

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"
)

// ConsentAction is what a consent change did to a channel.
type ConsentAction string

// Consent actions.
const (
	// ConsentOptIn: the customer agreed to receive the channel (identify with consent true,
	// SMS START, the preferences page).
	ConsentOptIn ConsentAction = "opt_in"
	// ConsentOptOut: the customer withdrew (unsubscribe, SMS STOP, a complaint, consent false).
	ConsentOptOut ConsentAction = "opt_out"
	// ConsentPause: the customer asked for nothing on the channel until Until.
	ConsentPause ConsentAction = "pause"
)

// Sources of consent changes, as the history shows them.
const (
	SourceAPI         = "api"         // identify with a consent trait, or the API
	SourcePage        = "page"        // the unsubscribe and preferences page
	SourceOneClick    = "one_click"   // RFC 8058 one-click unsubscribe
	SourceSMSKeyword  = "sms_keyword" // an inbound STOP or START
	SourceComplaint   = "complaint"   // a spam complaint (feedback loop, SES)
	SourceUnsubscribe = "unsubscribe" // SetUnsubscribed
	SourceProvider    = "provider"    // a provider said the recipient opted out
	maxSourceLength   = 32            // a source is a short code, never free text
	maxChannelLength  = 32            // likewise a channel
	maxPause          = 366 * 24 * time.Hour
)

// MaxConsentHistory is how many consent changes a profile keeps, newest first: enough to
// show a customer's and an auditor's recent history, and bounded so a customer who sends
// STOP and START all day does not grow the profile without end (~20 bytes an entry).
const MaxConsentHistory = 50

// ConsentChange is one dated change of a customer's consent, with its source.
type ConsentChange struct {
	At      time.Time     `json:"at"`
	Channel string        `json:"channel"`
	Action  ConsentAction `json:"action"`
	// Until is the end of a pause.
	Until  time.Time `json:"until,omitzero"`
	Source string    `json:"source"`
}

// consentLog is field h of the profile hash: the channels paused and until when, and the
// consent history, newest first. Binary (format byte 1): count of pauses, each channel and
// until (unix ms, varint); count of entries, each at (unix ms, varint), channel, action
// byte, source, until (unix ms, varint; 0 for none). Stored in chunks like p and s.
const consentLogFormat = 1

var actionCodes = []ConsentAction{ConsentOptIn, ConsentOptOut, ConsentPause}

func encodeConsentLog(paused map[string]time.Time, hist []ConsentChange) []byte {
	if len(paused) == 0 && len(hist) == 0 {
		return nil
	}
	b := []byte{consentLogFormat}
	b = binary.AppendUvarint(b, uint64(len(paused)))
	for _, ch := range slices.Sorted(maps.Keys(paused)) {
		b = appendString(b, ch)
		b = binary.AppendVarint(b, paused[ch].UnixMilli())
	}
	b = binary.AppendUvarint(b, uint64(len(hist)))
	for _, c := range hist {
		b = binary.AppendVarint(b, c.At.UnixMilli())
		b = appendString(b, c.Channel)
		b = append(b, byte(slices.Index(actionCodes, c.Action)+1))
		b = appendString(b, c.Source)
		var until int64
		if !c.Until.IsZero() {
			until = c.Until.UnixMilli()
		}
		b = binary.AppendVarint(b, until)
	}
	return b
}

func decodeConsentLog(s string) (map[string]time.Time, []ConsentChange, error) {
	if s == "" {
		return nil, nil, nil
	}
	r := &reader{b: []byte(s)}
	if r.byte() != consentLogFormat {
		return nil, nil, fmt.Errorf("%w: unknown format", errCorrupt)
	}
	var paused map[string]time.Time
	if n := r.count(); n > 0 {
		paused = make(map[string]time.Time, n)
		for range n {
			ch := r.str()
			paused[ch] = time.UnixMilli(r.varint()).UTC()
		}
	}
	n := r.count()
	hist := make([]ConsentChange, 0, n)
	for range n {
		c := ConsentChange{At: time.UnixMilli(r.varint()).UTC(), Channel: r.str()}
		if a := int(r.byte()); a >= 1 && a <= len(actionCodes) {
			c.Action = actionCodes[a-1]
		}
		c.Source = r.str()
		if u := r.varint(); u != 0 {
			c.Until = time.UnixMilli(u).UTC()
		}
		hist = append(hist, c)
	}
	return paused, hist, r.err
}

// noteConsent puts a change at the head of the history, keeping MaxConsentHistory entries.
// The slice is replaced, never changed in place, since snapshots share it.
func (st *state) noteConsent(c ConsentChange) {
	c.At = c.At.UTC().Truncate(time.Millisecond)
	hist := make([]ConsentChange, 0, min(len(st.consentLog)+1, MaxConsentHistory))
	hist = append(hist, c)
	hist = append(hist, st.consentLog[:min(len(st.consentLog), MaxConsentHistory-1)]...)
	st.consentLog = hist
	st.dirty |= dirtyConsentLog
}

// ChangeConsent applies one consent change to a customer and records it, with its source, in
// the consent history (GET /v1/customers/{id} shows it). It reports whether anything changed:
// the same opt-out twice (a replayed STOP, a second click) changes nothing and records
// nothing.
//
//   - ConsentOptOut marks the channel unsubscribed at c.At (kept when already so) and ends a
//     pause;
//   - ConsentOptIn removes the unsubscribe and any pause and, for email and sms, writes an
//     explicit consent at the store's clock, so an older identify arriving later does not undo
//     it;
//   - ConsentPause holds the channel until c.Until (after c.At, at most a year later).
func (s *Store) ChangeConsent(ctx context.Context, id string, c ConsentChange) (bool, error) {
	if err := checkConsentChange(&c); err != nil {
		return false, fmt.Errorf("change consent of customer %s: %w", id, err)
	}
	changed := false
	err := s.mutate(ctx, string(c.Action)+" of "+c.Channel, id, func(st *state, now int64) bool {
		changed = st.changeConsent(c, now)
		return changed
	})
	return changed, err
}

func checkConsentChange(c *ConsentChange) error {
	switch {
	case c.Channel == "" || len(c.Channel) > maxChannelLength || checkID("channel", c.Channel) != nil:
		return fmt.Errorf("channel %q is not a channel name", c.Channel)
	case !slices.Contains(actionCodes, c.Action):
		return fmt.Errorf("action %q is not opt_in, opt_out or pause", c.Action)
	case c.At.IsZero():
		return fmt.Errorf("the time of the change is required")
	case c.Source == "" || len(c.Source) > maxSourceLength:
		return fmt.Errorf("source %q must be a short code", c.Source)
	case c.Action == ConsentPause && (!c.Until.After(c.At) || c.Until.Sub(c.At) > maxPause):
		return fmt.Errorf("a pause must end after it starts and within %s", maxPause)
	}
	if c.Action != ConsentPause {
		c.Until = time.Time{}
	}
	return nil
}

// changeConsent is ChangeConsent's change of the state.
func (st *state) changeConsent(c ConsentChange, now int64) bool {
	var f fieldSet
	_, unsub := st.unsub[c.Channel]
	_, paused := st.paused[c.Channel]
	if paused && c.Action != ConsentPause {
		st.paused = without(st.paused, c.Channel)
		f |= dirtyConsentLog
	}
	switch c.Action {
	case ConsentOptOut:
		if !unsub {
			st.unsub = with(st.unsub, c.Channel, c.At.UTC().Truncate(time.Millisecond))
			f |= dirtyUnsubscribed
		}
	case ConsentOptIn:
		if unsub {
			st.unsub = without(st.unsub, c.Channel)
			f |= dirtyUnsubscribed
		}
		if c.Channel == "email" || c.Channel == "sms" {
			// Recorded by noteConsent below, not again by the identify hook.
			if st.identifyQuiet(map[string]any{"consent": map[string]any{c.Channel: true}}, now) {
				f |= dirtyTraits
			}
		}
	case ConsentPause:
		if cur, ok := st.paused[c.Channel]; !ok || !cur.Equal(c.Until.UTC().Truncate(time.Millisecond)) {
			st.paused = with(st.paused, c.Channel, c.Until.UTC().Truncate(time.Millisecond))
			f |= dirtyConsentLog
		}
	}
	if f == 0 {
		return false
	}
	st.noteConsent(c)
	st.touch(f|dirtyConsentLog, now)
	return true
}

// identifyQuiet is identify without recording consent changes in the history, for callers
// that record the change themselves with its own source.
func (st *state) identifyQuiet(in map[string]any, at int64) bool {
	st.quietConsent = true
	defer func() { st.quietConsent = false }()
	return st.identify(in, at)
}

// noteTraitConsent records in the history a consent trait that an identify changed.
func (st *state) noteTraitConsent(ch string, old, val any, at int64) {
	// Only explicit booleans are consent (consentOf); anything else is unknown. Values are
	// compared as booleans: a trait can hold a map, which == would panic on.
	was, _ := old.(bool)
	now, isBool := val.(bool)
	if st.quietConsent || was == now || (!isBool && val != nil) {
		return
	}
	a := ConsentOptOut
	if now {
		a = ConsentOptIn
	}
	st.noteConsent(ConsentChange{At: time.UnixMilli(at), Channel: ch, Action: a, Source: SourceAPI})
}

// with returns a copy of m with k set to v.
func with(m map[string]time.Time, k string, v time.Time) map[string]time.Time {
	next := maps.Clone(m)
	if next == nil {
		next = map[string]time.Time{}
	}
	next[k] = v
	return next
}

// without returns a copy of m without k (nil when empty).
func without(m map[string]time.Time, k string) map[string]time.Time {
	next := maps.Clone(m)
	delete(next, k)
	if len(next) == 0 {
		return nil
	}
	return next
}
