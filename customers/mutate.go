package customers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rapporthq/rapport/decide"
)

// maxReasonLength bounds an undeliverable reason (a provider's error text).
const maxReasonLength = 256

// mutate reads a customer, lets change modify it and writes it back with casScript, retrying
// when another writer came first. change reports whether it changed anything; a customer
// without a profile is ErrNotFound: these calls record what happened to an existing customer,
// and must not bring back one that was erased.
func (s *Store) mutate(ctx context.Context, op, id string, change func(st *state, now int64) bool) error {
	for attempt := 0; ; attempt++ {
		if attempt == maxAttempts {
			return fmt.Errorf("%s for customer %s: %w", op, id, ErrContention)
		}
		if err := backoff(ctx, attempt); err != nil {
			return fmt.Errorf("%s for customer %s: %w", op, id, err)
		}
		st, err := s.readExisting(ctx, op, id)
		if err != nil {
			return err
		}
		now := s.opts.Now().UnixMilli()
		if !change(st, now) {
			return nil
		}
		ok, err := runCAS(ctx, s.rdb, st, s.opts.DefaultRegion, now)
		if err != nil {
			return fmt.Errorf("%s for customer %s: %w", op, id, err)
		}
		if ok {
			return nil
		}
	}
}

// readExisting reads and decodes a customer that must exist (ErrNotFound otherwise); errors
// name op and the customer.
func (s *Store) readExisting(ctx context.Context, op, id string) (*state, error) {
	h, err := s.rdb.HGetAll(ctx, profileKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("%s for customer %s: %w", op, id, err)
	}
	st, err := decodeState(id, h)
	if err == nil && !st.exists() {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s for customer %s: %w", op, id, err)
	}
	return st, nil
}

// RecordSend records a delivery on the customer's send log (sendlog.go), newest first by At,
// for frequency caps and the repeat rule. Recording the same delivery again (same
// campaign, non-empty occurrence and channel, as a retried task does) replaces it.
func (s *Store) RecordSend(ctx context.Context, id string, send decide.Send) error {
	send, err := checkSend(id, send)
	if err != nil {
		return err
	}
	if err := s.mutate(ctx, "record send of "+send.Campaign, id, s.addSend(send)); err != nil {
		return err
	}
	if send.Channel == "sms" {
		return s.RememberMessage(ctx, send.ProviderID, id) // feedback_send.go: an SMS's SID
	}
	return nil
}

// checkSend validates a send to record and truncates its time to what the store keeps.
func checkSend(id string, send decide.Send) (decide.Send, error) {
	switch {
	case send.Campaign == "":
		return send, fmt.Errorf("record send for customer %s: campaign is required", id)
	case send.Channel == "":
		return send, fmt.Errorf("record send of %s for customer %s: channel is required", send.Campaign, id)
	case send.At.IsZero():
		return send, fmt.Errorf("record send of %s for customer %s: time is required", send.Campaign, id)
	case send.At.UnixMilli() < 0 || send.At.UnixMilli() >= maxSendMillis:
		return send, fmt.Errorf("record send of %s for customer %s: time %s is not between 1970 and 3000", send.Campaign, id, send.At.UTC().Format(time.RFC3339))
	}
	send.At = send.At.UTC().Truncate(time.Millisecond) // what the store keeps
	return send, nil
}

// addSend is the change of RecordSend and RecordSends.
func (s *Store) addSend(send decide.Send) func(st *state, now int64) bool {
	return func(st *state, now int64) bool {
		sends := make([]decide.Send, 0, len(st.sends)+1)
		for _, old := range st.sends {
			if send.Occurrence != "" && old.Campaign == send.Campaign &&
				old.Occurrence == send.Occurrence && old.Channel == send.Channel {
				continue
			}
			sends = append(sends, old)
		}
		i, _ := slices.BinarySearchFunc(sends, send.At, func(s decide.Send, at time.Time) int {
			return at.Compare(s.At) // newest first
		})
		st.sends = keepSends(slices.Insert(sends, i, send), s.opts.RecentSends, s.opts.MaxSends, time.Duration(s.history.Load()))
		st.touch(dirtySends, now)
		return true
	}
}

// MarkUndeliverable records that a channel's address failed permanently (hard bounce,
// invalid number); decisions do not use that channel again.
func (s *Store) MarkUndeliverable(ctx context.Context, id, channel, reason string) error {
	if ferr := checkID("channel", channel); ferr != nil {
		return fmt.Errorf("mark %q undeliverable for customer %s: %w", channel, id, ferr)
	}
	reason = truncate(reason, maxReasonLength)
	return s.mutate(ctx, "mark "+channel+" undeliverable", id, func(st *state, now int64) bool {
		if old, ok := st.undeliv[channel]; ok && old == reason {
			return false
		}
		next := maps.Clone(st.undeliv)
		if next == nil {
			next = map[string]string{}
		}
		next[channel] = reason
		st.undeliv = next
		st.touch(dirtyUndeliverable, now)
		return true
	})
}

// SetUnsubscribed records that the customer opted out of a channel at at; the first opt-out
// time is kept when the same unsubscribe arrives again. A zero at resubscribes.
func (s *Store) SetUnsubscribed(ctx context.Context, id, channel string, at time.Time) error {
	if ferr := checkID("channel", channel); ferr != nil {
		return fmt.Errorf("unsubscribe customer %s from %q: %w", id, channel, ferr)
	}
	return s.mutate(ctx, "unsubscribe from "+channel, id, func(st *state, now int64) bool {
		_, was := st.unsub[channel]
		if was == !at.IsZero() {
			return false
		}
		next := maps.Clone(st.unsub)
		if next == nil {
			next = map[string]time.Time{}
		}
		change := ConsentChange{At: at, Channel: channel, Action: ConsentOptOut, Source: SourceUnsubscribe}
		if at.IsZero() {
			delete(next, channel)
			change.At, change.Action = time.UnixMilli(now), ConsentOptIn
		} else {
			next[channel] = at.UTC().Truncate(time.Millisecond)
		}
		st.unsub = next
		st.noteConsent(change)
		st.touch(dirtyUnsubscribed|dirtyConsentLog, now)
		return true
	})
}

// SetConsent records an explicit opt-in or opt-out for "email" or "sms". It is written into
// the consent trait at the store's current time, so an identify carrying an older consent
// that arrives later does not override it.
func (s *Store) SetConsent(ctx context.Context, id, channel string, allowed bool) error {
	if channel != "email" && channel != "sms" {
		return fmt.Errorf("set consent of customer %s: channel %q is not email or sms", id, channel)
	}
	return s.mutate(ctx, "set "+channel+" consent", id, func(st *state, now int64) bool {
		if !st.identify(map[string]any{"consent": map[string]any{channel: allowed}}, now) {
			return false
		}
		st.touch(dirtyTraits, now)
		return true
	})
}
