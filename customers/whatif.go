package customers

import (
	"context"
	"fmt"
)

// WhatIf returns what Apply would make of one event, without writing anything: the event as
// Apply would apply it (validated, with a missing timestamp set to ReceivedAt and an Order
// Completed's total filled in), whether it is a duplicate (then the profile is the stored
// one), and the customer's profile after it. Preview uses it to decide on the profile the
// real send will read, which already holds the triggering event.
//
// It reads the profile and the dedupe set in one pipelined round trip and applies the event
// in memory with the code Apply uses, so both agree by construction. A customer without a
// profile gets one made of the event alone. The store's clock decides dedupe expiry.
func (s *Store) WhatIf(ctx context.Context, ev Event) (Result, error) {
	if ev.Timestamp.IsZero() {
		ev.Timestamp = ev.ReceivedAt
	}
	p, err := prepare(&ev)
	if err != nil {
		return Result{}, fmt.Errorf("apply event %s for customer %s: %w", ev.MessageID, ev.UserID, err)
	}
	pipe := s.rdb.Pipeline()
	h := pipe.HGetAll(ctx, profileKey(ev.UserID))
	seen := pipe.ZMScore(ctx, dedupeKey(ev.UserID), p.member)
	if _, err := pipe.Exec(ctx); err != nil {
		return Result{}, fmt.Errorf("read customer %s: %w", ev.UserID, err)
	}
	st, err := decodeState(ev.UserID, h.Val())
	if err != nil {
		return Result{}, fmt.Errorf("read customer %s: %w", ev.UserID, err)
	}
	now := s.opts.Now().UnixMilli()
	if scores := seen.Val(); len(scores) > 0 && scores[0] > float64(now) {
		return Result{Event: ev, Duplicate: true, Profile: st.snapshot(s.opts.DefaultRegion, s.conv.Load())}, nil
	}
	st.applyEvent(&ev, p.order, p.rank, p.at, now)
	return Result{Event: ev, Profile: st.snapshot(s.opts.DefaultRegion, s.conv.Load())}, nil
}
