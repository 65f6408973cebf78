package customers

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Result is the outcome of one event of Apply.
type Result struct {
	Event Event
	// Duplicate is true when the event was applied before (same messageId, or for an Order
	// Completed the same order_id): it changed nothing.
	Duplicate bool
	// Profile is the customer after the event. Results of one customer may share maps and
	// slices with each other: treat it as read-only.
	Profile *Profile
	// Key is the event's identity, what makes two events the same: "o:<order_id>" for an Order
	// Completed with an order_id (a shop's webhook retries it with new messageIds), else
	// "m:<messageId>".
	Key string
	// TriggersPending is set, by ApplyTriggering only, when the event's triggers may not all
	// be enqueued yet: the event was applied now with a marker, or it is a duplicate whose
	// marker a previous attempt wrote and never cleared (TriggersDone). The caller enqueues
	// its triggers (idempotently), then calls TriggersDone.
	TriggersPending bool
}

// prepared is an event checked and reduced to what applying it needs.
type prepared struct {
	at     int64  // event time, unix ms
	member string // dedupe member
	order  *order // Order Completed only
	rank   uint32 // tie-break between orders at the same millisecond
	mark   bool   // write a triggers-pending marker with the event (ApplyTriggering)
}

// group is the events of one customer, in call order.
type group struct {
	id  string
	idx []int
}

// write is a changed customer waiting for its compare-and-set.
type write struct {
	g       *group
	st      *state
	members []any
	traits  int         // index of the last identify applied, -1 when none: it is named when the profile is too large
	addr    *addrChange // new email or phone for the address index (feedback_index.go); nil when none
}

// Apply applies events in order and returns once everything is written to Redis (the reply
// of the write has arrived; what survives a Redis crash then depends on its persistence
// settings). It is idempotent: a duplicate (see Result) is reported and changes nothing. It is
// safe for concurrent callers on the same customer: each customer is written by casScript on
// the version it read, and re-read and recomputed when another writer came first.
//
// A call costs one pipelined read round trip (index, profiles, dedupe lookups) and one
// pipelined write round trip, plus one per retry of the customers that lost a race. An invalid
// event fails the whole call before anything is written; so does an identify over
// MaxTraitBytes or one that would grow its profile over MaxProfileBytes (an *EventError
// naming the event and the field), except that a customer who lost a race in an earlier
// round of the call and grows too large in a later one finds the other customers written. On a Redis error some customers may
// have been written: calling again with the same events is safe.
//
// Traits are last-write-wins per trait by event time (ties go to the later arrival); null
// deletes a trait, and an older value arriving later does not bring it back. Consent is merged
// per channel the same way. The purchase summary is derived from the stored purchase days, so
// orders applied late or out of order give the same summary as orders applied in time.
func (s *Store) Apply(ctx context.Context, events []Event) ([]Result, error) {
	return s.apply(ctx, events, true, nil)
}

// ApplyTriggering is Apply for ingest, where an event may trigger sends that must be enqueued
// after it is applied. Applying an event and enqueuing its triggers are two writes, and a
// client whose request failed between them (a 503 after the apply reached Redis) retries
// with the same messageId, which is then a duplicate. So for every event for which
// triggers(event) is true a triggers-pending marker, member "p:<Key>" of the dedupe set, is
// written in the same atomic step as the event (casScript); a duplicate whose marker is still
// there reports TriggersPending, and the retry enqueues what the first attempt may not have.
// The caller clears the markers with TriggersDone once the enqueues are in Redis. A marker
// that is never cleared (the process died) is forgotten with the messageId (DedupeTTL).
func (s *Store) ApplyTriggering(ctx context.Context, events []Event, triggers func(*Event) bool) ([]Result, error) {
	return s.apply(ctx, events, true, triggers)
}

// TriggersDone clears the triggers-pending markers of results (ApplyTriggering), one
// pipelined round trip; results without a pending marker are passed over.
func (s *Store) TriggersDone(ctx context.Context, results []Result) error {
	pipe := s.rdb.Pipeline()
	n := 0
	for i := range results {
		if r := &results[i]; r.TriggersPending {
			pipe.ZRem(ctx, dedupeKey(r.Event.UserID), pendingMember(r.Key))
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("clear %d triggers-pending markers: %w", n, err)
	}
	return nil
}

// apply is Apply; snapshots=false leaves Result.Profile nil, for the importer; triggers, when
// set, says which events get a triggers-pending marker (ApplyTriggering).
func (s *Store) apply(ctx context.Context, events []Event, snapshots bool, triggers func(*Event) bool) ([]Result, error) {
	if len(events) == 0 {
		return nil, nil
	}
	evs := make([]Event, len(events))
	preps := make([]prepared, len(events))
	byID := map[string]*group{}
	var groups []*group
	for i := range events {
		ev := events[i]
		if ev.Timestamp.IsZero() {
			ev.Timestamp = ev.ReceivedAt
		}
		p, err := prepare(&ev)
		if err != nil {
			return nil, fmt.Errorf("apply event %s for customer %s: %w", ev.MessageID, ev.UserID, err)
		}
		if ferr, err := checkTraitSizes(&ev, s.opts.MaxTraitBytes, s.opts.MaxProfileBytes); err != nil {
			return nil, &EventError{Index: i, Field: ferr, Err: err}
		}
		p.mark = triggers != nil && triggers(&ev)
		evs[i], preps[i] = ev, p
		g := byID[ev.UserID]
		if g == nil {
			g = &group{id: ev.UserID}
			byID[ev.UserID] = g
			groups = append(groups, g)
		}
		g.idx = append(g.idx, i)
	}
	lift, err := s.applySuppression(ctx, evs)
	if err != nil {
		return nil, fmt.Errorf("apply events: %w", err)
	}
	results := make([]Result, len(events))
	pending := groups
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == maxAttempts {
			return nil, fmt.Errorf("apply events for customer %s: %w", pending[0].id, ErrContention)
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, fmt.Errorf("apply events: %w", err)
		}
		var err error
		if pending, err = s.applyRound(ctx, pending, evs, preps, results, snapshots); err != nil {
			return nil, err
		}
	}
	if err := s.liftSuppression(ctx, lift); err != nil {
		return nil, err
	}
	return results, nil
}

// OccurrenceOf is the occurrence of the sends an event triggers: the order_id of an Order
// Completed that names one (a shop's webhook retries an order with new messageIds, and it
// must trigger once), else the event's messageId. jobs/trigger keys sends by it and
// jobs/dryrun previews them by it, so that a preview shows the coupon code that is sent.
func OccurrenceOf(event, messageID string, props map[string]any) string {
	if event == OrderCompleted {
		if o, ferr := parseOrder(props); ferr == nil && o.id != "" {
			return o.id
		}
	}
	return messageID
}

// prepare validates an event and works out its dedupe member and order.
func prepare(ev *Event) (prepared, error) {
	if ferr := validate(ev); ferr != nil {
		return prepared{}, ferr
	}
	p := prepared{at: ev.Timestamp.UnixMilli(), member: messageMember(ev.MessageID)}
	if ev.Type == TypeTrack && ev.Event == OrderCompleted {
		o, ferr := parseOrder(ev.Properties)
		if ferr != nil {
			return prepared{}, ferr
		}
		if o.id != "" {
			p.member = orderMember(o.id)
		}
		p.order = &o
		h := fnv.New32a()
		h.Write([]byte(p.member))
		p.rank = h.Sum32()
	}
	return p, nil
}

// applyRound reads the pending customers, applies their events in memory and writes the
// changed ones; it returns the customers that lost a race and must go again.
func (s *Store) applyRound(ctx context.Context, groups []*group, evs []Event, preps []prepared, results []Result, snapshots bool) ([]*group, error) {
	now := s.opts.Now().UnixMilli()
	expiry := strconv.FormatInt(now+s.opts.DedupeTTL.Milliseconds(), 10)

	// The index entries are written here, a round trip before the profiles, so that the
	// index never misses a profile, even on Redis Cluster where the two commands go to
	// different nodes. ZADD of an existing member with the same score changes nothing.
	pipe := s.rdb.Pipeline()
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.id
	}
	addToIndex(ctx, pipe, ids)
	profiles := make([]*redis.MapStringStringCmd, len(groups))
	seen := make([]*redis.FloatSliceCmd, len(groups))
	for i, g := range groups {
		// The dedupe members of the events, then the markers of those that have one.
		members := make([]string, len(g.idx), 2*len(g.idx))
		for k, j := range g.idx {
			members[k] = preps[j].member
		}
		for _, j := range g.idx {
			if preps[j].mark {
				members = append(members, pendingMember(preps[j].member))
			}
		}
		profiles[i] = pipe.HGetAll(ctx, profileKey(g.id))
		seen[i] = pipe.ZMScore(ctx, dedupeKey(g.id), members...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read %d customers: %w", len(groups), err)
	}

	var writes []write
	for i, g := range groups {
		st, err := decodeState(g.id, profiles[i].Val())
		if err != nil {
			return nil, fmt.Errorf("apply events for customer %s: %w", g.id, err)
		}
		scores := seen[i].Val()
		old := st.addresses(s.opts.DefaultRegion)
		applied := map[string]bool{}
		var members []any
		traits := -1
		marker := len(g.idx) // index in scores of the next marker
		for k, j := range g.idx {
			p := &preps[j]
			pending := false
			if p.mark {
				pending = marker < len(scores) && scores[marker] > float64(now)
				marker++
			}
			// ZMSCORE answers 0 for a member that is not there; expired ones still are
			// until casScript prunes them.
			if (k < len(scores) && scores[k] > float64(now)) || applied[p.member] {
				results[j] = Result{Event: evs[j], Duplicate: true, Key: p.member, TriggersPending: pending}
				if snapshots && (st.exists() || st.dirty != 0) {
					results[j].Profile = st.snapshot(s.opts.DefaultRegion, s.conv.Load())
				}
				continue
			}
			applied[p.member] = true
			st.applyEvent(&evs[j], p.order, p.rank, p.at, now)
			if evs[j].Type == TypeIdentify {
				traits = j
			}
			score := expiry
			if p.order != nil {
				score = "+inf"
			}
			members = append(members, score, p.member)
			if p.mark {
				// Forgotten with the messageId at the latest, also for an order.
				members = append(members, expiry, pendingMember(p.member))
			}
			results[j] = Result{Event: evs[j], Key: p.member, TriggersPending: p.mark}
			if snapshots {
				results[j].Profile = st.snapshot(s.opts.DefaultRegion, s.conv.Load())
			}
		}
		if len(members) > 0 {
			w := write{g: g, st: st, members: members, traits: traits}
			if now := st.addresses(s.opts.DefaultRegion); traits >= 0 && now != old {
				w.addr = &addrChange{old: old, new: now}
			}
			writes = append(writes, w)
		}
	}
	if len(writes) == 0 {
		return nil, nil
	}
	return s.writeRound(ctx, writes, now)
}

// writeRound runs casScript for every changed customer in one pipeline. Every profile is
// encoded and checked against MaxProfileBytes before the first is sent, so a call with one
// profile too large writes none of its customers.
func (s *Store) writeRound(ctx context.Context, writes []write, now int64) ([]*group, error) {
	type cas struct {
		keys []string
		args []any
	}
	runs := make([]cas, len(writes))
	for i, w := range writes {
		keys, args, err := casArgs(w.st, s.opts.DefaultRegion, now, w.members)
		if err != nil {
			return nil, fmt.Errorf("apply events for customer %s: %w", w.g.id, err)
		}
		// Only a change of traits is refused, and only one that grows a profile over the
		// limit: a profile already over it (the limit was lowered) may still shrink.
		if w.traits >= 0 && w.st.size > s.opts.MaxProfileBytes && w.st.size > w.st.sizeRead {
			return nil, &EventError{Index: w.traits, Err: ErrProfileTooLarge, Field: fieldErr("traits",
				"would make the profile %d bytes, at most %d are accepted (max_profile_bytes): remove traits first", w.st.size, s.opts.MaxProfileBytes)}
		}
		runs[i] = cas{keys, args}
	}
	pipe := s.rdb.Pipeline()
	for _, w := range writes {
		if w.addr != nil {
			indexNew(ctx, pipe, w.g.id, w.addr) // before the profile: see feedback_index.go
		}
	}
	cmds := make([]*redis.Cmd, len(writes))
	for i, r := range runs {
		cmds[i] = pipe.EvalSha(ctx, casScript.Hash(), r.keys, r.args...)
	}
	_, _ = pipe.Exec(ctx) // every command's error is looked at below
	var again []*group
	loaded := false
	for i, cmd := range cmds {
		v, err := cmd.Int64()
		switch {
		case redis.HasErrorPrefix(err, "NOSCRIPT"):
			// A restarted or failed-over Redis has forgotten the script: nothing ran.
			if !loaded {
				if err := casScript.Load(ctx, s.rdb).Err(); err != nil {
					return nil, fmt.Errorf("load the profile script: %w", err)
				}
				loaded = true
			}
			again = append(again, writes[i].g)
		case err != nil:
			return nil, fmt.Errorf("write customer %s: %w", writes[i].g.id, err)
		case v == casConflict:
			again = append(again, writes[i].g)
		case writes[i].addr != nil:
			s.unindexOld(ctx, writes[i].g.id, writes[i].addr)
		}
	}
	return again, nil
}
