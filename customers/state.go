package customers

import (
	"maps"
	"time"

	"github.com/rapporthq/rapport/decide"
)

// consentLeaf prefixes the stamp of one consent channel ("consent\x1femail"). Trait names
// cannot hold control characters (validate), so it never collides with a trait.
const consentLeaf = "consent\x1f"

// dirty bits name the hash fields a change must write back.
type fieldSet uint8

const (
	dirtyTraits fieldSet = 1 << iota
	dirtyMeta
	dirtyOrders
	dirtySends
	dirtyUndeliverable
	dirtyUnsubscribed
	dirtyConsentLog
	dirtyPurchaseHours
)

// state is one customer as stored, decoded from its hash, changed in memory and encoded back
// by field. Maps and slices that a Profile snapshot shares (traits, sends, undeliverable,
// unsubscribed) are replaced, never changed in place, once the state exists.
type state struct {
	id string
	// engagement is read with the profile (fields e:<channel>, engagement.go) and never
	// written by casScript.
	engagement map[string]decide.Engagement
	// base is the version read from Redis (0: no profile); version is base+1 once changed.
	base, version int64
	traits        map[string]any
	rawTraits     []byte // traits as JSON while they are unchanged since read or encoded
	// phone is derivePhone of the traits, stored with them because parsing a phone number
	// costs about 20 µs, more than everything else of a read together.
	phone      string
	phoneKnown bool
	// stamps hold the event time (unix ms) of the last write of each trait, and of each
	// consent channel under consentLeaf, deleted ones included: traits are last-write-wins by
	// event time, so an identify that arrives late cannot undo a newer one.
	stamps    map[string]int64
	seen      bool  // firstSeen is set
	firstSeen int64 // unix ms of the earliest event applied
	updated   int64 // unix ms of the last change, by the store's clock
	orders    orderLog
	sends     []decide.Send
	undeliv   map[string]string
	unsub     map[string]time.Time
	// paused and consentLog are field h (consent.go): channels paused until a time, and
	// the consent history, newest first.
	paused     map[string]time.Time
	consentLog []ConsentChange
	// buyHours are field b, the purchase hours (engagement_buy.go).
	buyHours [24]uint8
	// quietConsent keeps identify from recording consent changes (identifyQuiet).
	quietConsent bool

	chunks map[string]int // fields stored in chunks: how many (chunks.go)
	// sizeRead and size are the bytes of field p as read and as last encoded, for
	// Options.MaxProfileBytes.
	sizeRead, size int

	dirty fieldSet
	ident *decide.Customer // derived from traits; nil when traits changed since
	snap  *Profile         // the last snapshot; nil when anything changed since
}

func newState(id string) *state {
	return &state{id: id, traits: map[string]any{}, stamps: map[string]int64{}}
}

// exists reports whether the profile is in Redis.
func (st *state) exists() bool { return st.base > 0 }

// touch records a change of the given fields at now (unix ms). A recorded send is not a change
// of the customer's data (UpdatedAt stays; each send carries its own time), so it leaves meta,
// and with it field p, alone: recording a send then rewrites field s only, where rewriting p
// would copy the whole profile back to Redis for every message.
func (st *state) touch(f fieldSet, now int64) {
	st.version = st.base + 1
	st.snap = nil
	if f == dirtySends {
		st.dirty |= f
		return
	}
	st.dirty |= f | dirtyMeta
	st.updated = now
	if f&dirtyTraits != 0 {
		st.ident, st.phoneKnown = nil, false
	}
}

// applyEvent applies one validated event happening at at (unix ms); o is its order, if any.
func (st *state) applyEvent(ev *Event, o *order, rank uint32, at, now int64) {
	var f fieldSet
	if !st.seen || at < st.firstSeen {
		st.seen, st.firstSeen = true, at
	}
	switch {
	case ev.Type == TypeIdentify:
		if st.identify(ev.Traits, at) {
			f |= dirtyTraits
		}
	case o != nil:
		st.orders.add(at, rank, *o)
		st.addPurchaseHour(at, ev.Timestamp)
		f |= dirtyOrders
	}
	st.touch(f, now)
}

// identify merges traits written at at: each trait is last-write-wins by event time (ties go
// to the later arrival); null deletes a trait and remembers when, so an older value arriving
// later stays deleted. Objects are replaced whole, except consent, merged per channel.
// It reports whether Traits changed.
func (st *state) identify(in map[string]any, at int64) bool {
	next := st.traits
	cloned := false
	set := func(name string, v any) {
		if !cloned {
			next, cloned = maps.Clone(st.traits), true
		}
		if v == nil {
			delete(next, name)
		} else {
			next[name] = v
		}
	}
	for name, v := range in {
		if name == "consent" {
			if c, changed := st.mergeConsent(v, at); changed {
				set(name, c)
			}
			continue
		}
		if ts, ok := st.stamps[name]; ok && at < ts {
			continue
		}
		st.stamps[name] = at
		set(name, v)
	}
	if cloned {
		st.traits = next
	}
	return cloned
}

// mergeConsent merges a consent trait per channel; it returns the new consent object (nil
// when none is left) and whether it changed.
func (st *state) mergeConsent(v any, at int64) (any, bool) {
	cur, _ := st.traits["consent"].(map[string]any)
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]any{}
	}
	changed := false
	apply := func(ch string, val any) {
		if ts, ok := st.stamps[consentLeaf+ch]; ok && at < ts {
			return
		}
		st.stamps[consentLeaf+ch] = at
		st.noteTraitConsent(ch, cur[ch], val, at)
		if val == nil {
			delete(next, ch)
		} else {
			next[ch] = val
		}
		changed = true
	}
	if obj, ok := v.(map[string]any); ok {
		for ch, val := range obj {
			apply(ch, val)
		}
	} else {
		// consent: null withdraws every channel, the well-known ones even when unset, so that
		// an older opt-in arriving later does not come back.
		for _, ch := range []string{"email", "sms"} {
			apply(ch, nil)
		}
		for ch := range cur {
			apply(ch, nil)
		}
	}
	if len(next) == 0 {
		return nil, changed
	}
	return next, changed
}

// present reports whether a stamp's trait (or consent channel) currently has a value.
func (st *state) present(name string) bool {
	if len(name) > len(consentLeaf) && name[:len(consentLeaf)] == consentLeaf {
		c, _ := st.traits["consent"].(map[string]any)
		_, ok := c[name[len(consentLeaf):]]
		return ok
	}
	_, ok := st.traits[name]
	return ok
}

// derivedPhone returns the customer's E.164 phone, parsing it only after traits changed.
func (st *state) derivedPhone(region string) string {
	if !st.phoneKnown {
		st.phone, st.phoneKnown = derivePhone(st.traits, region), true
	}
	return st.phone
}

// snapshot returns the profile as it is now. Snapshots share the state's maps and slices,
// which are replaced rather than changed afterwards: treat a Profile as read-only.
func (st *state) snapshot(region string, conv *converter) *Profile {
	if st.snap != nil {
		return st.snap
	}
	if st.ident == nil {
		c := decide.Customer{}
		deriveIdentity(&c, st.traits, st.derivedPhone(region))
		st.ident = &c
	}
	p := &Profile{Customer: *st.ident, Version: st.version}
	var m Money
	var unconverted func(string)
	if conv != nil {
		m, unconverted = conv.Money, conv.unconverted
	}
	p.Summary, p.Days, p.DaysCurrency = st.orders.view(&m, unconverted)
	if st.updated != 0 {
		p.UpdatedAt = time.UnixMilli(st.updated).UTC()
	}
	p.ID = st.id
	p.Traits = st.traits
	if p.CreatedAt.IsZero() && st.seen {
		p.CreatedAt = time.UnixMilli(st.firstSeen).UTC()
	}
	p.Sends = st.sends
	p.Undeliverable = st.undeliv
	p.Unsubscribed = st.unsub
	p.Engagement = st.engagementView()
	p.PausedUntil = st.paused
	p.ConsentHistory = st.consentLog
	st.snap = p
	return p
}
