package customers

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/decide"
)

// SendOf is one send to record on one customer with RecordSends.
type SendOf struct {
	ID   string
	Send decide.Send
	// Read, when set, is the customer's profile as GetMany returned it: the send is written
	// over that version without reading the profile again (if it changed since, the write
	// loses the compare-and-set and RecordSend records it).
	Read *Profile
}

// RecordSends records many sends as RecordSend does, each on its own customer, in two
// pipelined round trips instead of two per send: one reads every profile, one writes them
// back with casScript. A customer written by someone else in between (or listed twice) loses
// the compare-and-set and is recorded again alone with RecordSend, so the outcome is the same
// as calling RecordSend for each. It returns one error per send, nil when recorded.
//
// A batch of a scheduled campaign records its sends a group at a time (jobs.Batcher): with
// RecordSend, recording was two of the seven Redis round trips of every message.
func (s *Store) RecordSends(ctx context.Context, sends []SendOf) []error {
	errs := make([]error, len(sends))
	if len(sends) == 0 {
		return errs
	}
	changes := make([]func(*state, int64) bool, len(sends))
	pipe := s.rdb.Pipeline()
	reads := make([]*redis.MapStringStringCmd, len(sends))
	read := false
	bases := make([]*state, len(sends))
	for i, so := range sends {
		send, err := checkSend(so.ID, so.Send)
		if err != nil {
			errs[i] = err
			continue
		}
		changes[i] = s.addSend(send)
		if so.Read != nil && so.Read.read != nil && so.Read.read.id == so.ID {
			// Its base version is spent by this write: a second send on it re-reads.
			bases[i], so.Read.read = so.Read.read, nil
		} else {
			reads[i] = pipe.HGetAll(ctx, profileKey(so.ID))
			read = true
		}
	}
	if read {
		if _, err := pipe.Exec(ctx); err != nil {
			return s.recordEach(ctx, sends, changes, errs)
		}
	}
	now := s.opts.Now().UnixMilli()
	writes := make([]*redis.Cmd, len(sends))
	pipe = s.rdb.Pipeline()
	for i, so := range sends {
		if changes[i] == nil {
			continue
		}
		var st *state
		var err error
		if bases[i] != nil {
			st = bases[i]
		} else {
			st, err = decodeState(so.ID, reads[i].Val())
		}
		switch {
		case err != nil:
			errs[i] = fmt.Errorf("record send of %s for customer %s: %w", so.Send.Campaign, so.ID, err)
			continue
		case !st.exists():
			errs[i] = fmt.Errorf("record send of %s for customer %s: %w", so.Send.Campaign, so.ID, ErrNotFound)
			continue
		}
		changes[i](st, now)
		keys, args, err := casArgs(st, s.opts.DefaultRegion, now, nil)
		if err != nil {
			errs[i] = fmt.Errorf("record send of %s for customer %s: %w", so.Send.Campaign, so.ID, err)
			continue
		}
		writes[i] = pipe.EvalSha(ctx, casScript.Hash(), keys, args...)
	}
	_, _ = pipe.Exec(ctx) // every command's error is looked at below
	for i, w := range writes {
		if w == nil {
			continue
		}
		// A conflict, or an error (NOSCRIPT after a Redis restart, a broken connection): that
		// send was not written; RecordSend's path (which loads the script) records it.
		if v, err := w.Int64(); err != nil || v == casConflict {
			errs[i] = s.mutate(ctx, "record send of "+sends[i].Send.Campaign, sends[i].ID, changes[i])
		}
	}
	return errs
}

// recordEach records the sends not yet failed one by one, after a pipeline failed.
func (s *Store) recordEach(ctx context.Context, sends []SendOf, changes []func(*state, int64) bool, errs []error) []error {
	for i, so := range sends {
		if changes[i] != nil && errs[i] == nil {
			errs[i] = s.mutate(ctx, "record send of "+so.Send.Campaign, so.ID, changes[i])
		}
	}
	return errs
}
