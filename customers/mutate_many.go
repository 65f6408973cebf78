package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	// Outcome, when set, is a string key of the same customer written atomically with the
	// send, in the same Lua call, when it holds Expect or nothing (jobs: the delivery record,
	// written over the claim the sender holds). It is written exactly once even when the send
	// loses the compare-and-set and is recorded again, and also when the send cannot be
	// recorded (the customer was erased meanwhile): the message went out either way.
	Outcome *KeyWrite
}

// KeyWrite is a write of a string key of a customer made together with a change of the
// profile (SendOf.Outcome). The key must carry the customer's hash tag (HashTag) right after
// its first "{", so that it lives in the profile's Redis Cluster slot and one script can
// write both; any other key is refused, and so are the store's own keys.
type KeyWrite struct {
	Key string
	// Expect is the value the key must hold to be overwritten; a missing key is written too.
	Expect string
	Value  string
	// TTL is the lifetime of the written key; 0 keeps it for ever.
	TTL time.Duration
}

// ErrKeyChanged is returned (wrapped) by RecordSends when a send's Outcome key held neither
// Expect nor nothing: it was left as it was. The send itself was recorded unless another
// error is joined to it.
var ErrKeyChanged = errors.New("key holds another value")

// RecordSends records many sends as RecordSend does, each on its own customer, in two
// pipelined round trips instead of two per send: one reads every profile, one writes them
// back with casScript, or with recordScript for a send with an Outcome, so that the outcome
// costs no call of its own. A customer written by someone else in between (or listed twice)
// loses the compare-and-set and is recorded again alone with RecordSend, so the outcome is the
// same as calling RecordSend for each. It returns one error per send, nil when recorded.
//
// A batch of a scheduled campaign records its sends a group at a time (jobs.Batcher): with
// RecordSend, recording was two of the seven Redis round trips of every message, and the
// delivery record over its claim a third Lua call per message.
func (s *Store) RecordSends(ctx context.Context, sends []SendOf) []error {
	errs := make([]error, len(sends))
	if len(sends) == 0 {
		return errs
	}
	// changes[i] is nil when send i cannot be recorded (errs[i] says why); its Outcome is
	// written all the same, unless refused[i].
	changes := make([]func(*state, int64) bool, len(sends))
	refused := make([]bool, len(sends))
	pipe := s.rdb.Pipeline()
	reads := make([]*redis.MapStringStringCmd, len(sends))
	read := false
	bases := make([]*state, len(sends))
	for i, so := range sends {
		if err := checkKeyWrite(so.ID, so.Outcome); err != nil {
			errs[i], refused[i] = fmt.Errorf("record send of %s for customer %s: %w", so.Send.Campaign, so.ID, err), true
			continue
		}
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
			return s.recordEach(ctx, sends, changes, refused, errs)
		}
	}
	now := s.opts.Now().UnixMilli()
	writes := make([]*redis.Cmd, len(sends))
	pipe = s.rdb.Pipeline()
	for i, so := range sends {
		if refused[i] {
			continue
		}
		var keys []string
		var args []any
		if changes[i] != nil {
			st := bases[i]
			var err error
			if st == nil {
				st, err = decodeState(so.ID, reads[i].Val())
			}
			if err == nil && !st.exists() {
				err = ErrNotFound
			}
			if err == nil {
				changes[i](st, now)
				keys, args, err = casArgs(st, s.opts.DefaultRegion, now, nil)
			}
			if err != nil {
				errs[i] = fmt.Errorf("record send of %s for customer %s: %w", so.Send.Campaign, so.ID, err)
				changes[i] = nil
			}
		}
		if changes[i] == nil && so.Outcome == nil {
			continue
		}
		script, keys, args := writeCall(so, keys, args)
		writes[i] = pipe.EvalSha(ctx, script.Hash(), keys, args...)
		if changes[i] != nil {
			rememberSent(ctx, pipe, so.ID, so.Send) // feedback_send.go: an SMS's SID
		}
	}
	_, _ = pipe.Exec(ctx) // every command's error is looked at below
	for i, w := range writes {
		if w == nil {
			continue
		}
		// An error (NOSCRIPT after a Redis restart or SCRIPT FLUSH, a broken connection): that
		// write was not made, or may have been; recordAlone (which loads the script) makes it
		// again, and recording the same send twice replaces it.
		res, err := w.Result()
		if err != nil {
			errs[i] = errors.Join(errs[i], s.recordAlone(ctx, sends[i], changes[i]))
			continue
		}
		errs[i] = errors.Join(errs[i], s.settle(ctx, sends[i], changes[i], res))
	}
	return errs
}

// writeCall returns the script, keys and arguments that write a send: casScript with the
// profile's keys and args (from casArgs) when it has no Outcome; otherwise recordScript, with
// the profile change when keys is not nil.
func writeCall(so SendOf, keys []string, args []any) (*redis.Script, []string, []any) {
	if so.Outcome == nil {
		return casScript, keys, args
	}
	o := so.Outcome
	rargs := make([]any, 0, 3+len(args))
	rargs = append(rargs, o.Expect, o.Value, o.TTL.Milliseconds())
	rargs = append(rargs, args...)
	return recordScript, []string{profileKey(so.ID), dedupeKey(so.ID), o.Key}, rargs
}

// settle reads the answer of writeCall's script for a send: a lost compare-and-set records
// the send again with mutate (the Outcome, written or not, is not written again); a key that
// held another value is ErrKeyChanged. change is nil when only the Outcome was written.
func (s *Store) settle(ctx context.Context, so SendOf, change func(*state, int64) bool, res any) error {
	op := "record send of " + so.Send.Campaign
	if so.Outcome == nil {
		if v, ok := res.(int64); !ok || v == casConflict {
			return s.mutate(ctx, op, so.ID, change)
		}
		return nil
	}
	ans, _ := res.([]any)
	if len(ans) != 2 {
		return fmt.Errorf("%s for customer %s: unexpected answer %v", op, so.ID, res)
	}
	written, _ := ans[0].(int64)
	version, _ := ans[1].(int64)
	var err error
	if written == 0 {
		err = fmt.Errorf("%s for customer %s: write %s: %w", op, so.ID, so.Outcome.Key, ErrKeyChanged)
	}
	if change != nil && version == casConflict {
		err = errors.Join(err, s.mutate(ctx, op, so.ID, change))
	}
	return err
}

// recordAlone records one send (nil change: only its Outcome) outside a pipeline, after the
// pipeline failed. Run loads the script when Redis has forgotten it.
func (s *Store) recordAlone(ctx context.Context, so SendOf, change func(*state, int64) bool) error {
	op := "record send of " + so.Send.Campaign
	if so.Outcome == nil {
		return s.mutate(ctx, op, so.ID, change)
	}
	var keys []string
	var args []any
	var err error
	if change != nil {
		if keys, args, err = s.readChange(ctx, op, so.ID, change); err != nil {
			change = nil // the Outcome is written all the same
		}
	}
	script, keys, args := writeCall(so, keys, args)
	res, rerr := script.Run(ctx, s.rdb, keys, args...).Slice()
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("%s for customer %s: write %s: %w", op, so.ID, so.Outcome.Key, rerr))
	}
	if w, _ := res[0].(int64); len(res) == 2 && w == 0 {
		// After a broken connection the pipelined call may have run: the key then holds our
		// own value, which is not a change by someone else.
		if v, gerr := s.rdb.Get(ctx, so.Outcome.Key).Result(); gerr == nil && v == so.Outcome.Value {
			res[0] = int64(1)
		}
	}
	return errors.Join(err, s.settle(ctx, so, change, res))
}

// readChange reads a customer, applies change and returns casScript's keys and arguments.
func (s *Store) readChange(ctx context.Context, op, id string, change func(*state, int64) bool) ([]string, []any, error) {
	st, err := s.readExisting(ctx, op, id)
	if err != nil {
		return nil, nil, err
	}
	now := s.opts.Now().UnixMilli()
	change(st, now)
	keys, args, err := casArgs(st, s.opts.DefaultRegion, now, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%s for customer %s: %w", op, id, err)
	}
	return keys, args, nil
}

// recordEach records the sends not yet failed (and the Outcomes not refused) one by one,
// after the read pipeline failed.
func (s *Store) recordEach(ctx context.Context, sends []SendOf, changes []func(*state, int64) bool, refused []bool, errs []error) []error {
	for i, so := range sends {
		if refused[i] || (changes[i] == nil && so.Outcome == nil) {
			continue
		}
		errs[i] = errors.Join(errs[i], s.recordAlone(ctx, so, changes[i]))
	}
	return errs
}

// checkKeyWrite refuses an Outcome that recordScript could not write in the profile's slot,
// or that would overwrite the store's own keys.
func checkKeyWrite(id string, w *KeyWrite) error {
	if w == nil {
		return nil
	}
	i := strings.IndexByte(w.Key, '{')
	switch {
	case i < 0 || !strings.HasPrefix(w.Key[i:], HashTag(id)):
		return fmt.Errorf("outcome key %q lacks the customer's hash tag %s", w.Key, HashTag(id))
	case w.Key == profileKey(id) || w.Key == dedupeKey(id):
		return fmt.Errorf("outcome key %q is the store's own", w.Key)
	case w.TTL < 0 || (w.TTL > 0 && w.TTL < time.Millisecond):
		return fmt.Errorf("outcome key %q: TTL %s is not 0 or at least a millisecond", w.Key, w.TTL)
	}
	return nil
}
