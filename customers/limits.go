package customers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Size limits of a profile. A profile is one Redis hash read whole by every decision about
// its customer (the fan-out reads 80,000 a second), so its size is the cost of every send;
// traits are what senders control, so they are what is bounded.

// DefaultMaxProfileBytes is Options.MaxProfileBytes when unset: 256 KiB, a thousand times a
// typical profile (~400 bytes), and still under a millisecond to read and decode.
const DefaultMaxProfileBytes = 256 << 10

// DefaultMaxTraitBytes is Options.MaxTraitBytes when unset: 16 KiB holds any real name,
// address, note or list of preferences, and lets a profile have sixteen of them before
// DefaultMaxProfileBytes refuses more.
const DefaultMaxTraitBytes = 16 << 10

// ErrTraitTooLarge is returned, in an *EventError, for an identify with a trait larger than
// Options.MaxTraitBytes.
var ErrTraitTooLarge = errors.New("trait larger than the limit (max_trait_bytes)")

// ErrProfileTooLarge is returned, in an *EventError, for an identify that would make the
// stored profile larger than Options.MaxProfileBytes.
var ErrProfileTooLarge = errors.New("profile larger than the limit (max_profile_bytes)")

// EventError is an event of a Store.Apply call refused for its content. Nothing of the call
// was written (except, for ErrProfileTooLarge under contention, the customers written by an
// earlier round of the same call: see Apply). errors.Is finds Err and the *FieldError.
type EventError struct {
	Index int         // the event's position in the Apply call
	Field *FieldError // the field, named as in the event's JSON ("traits.bio"), and why
	Err   error       // ErrTraitTooLarge or ErrProfileTooLarge
}

func (e *EventError) Error() string {
	return fmt.Sprintf("event %d: %v: %v", e.Index, e.Err, e.Field)
}

func (e *EventError) Unwrap() []error { return []error{e.Err, e.Field} }

// checkTraitSizes refuses an identify with a trait over maxTrait bytes, or whose traits
// together are over maxProfile (no profile could hold them), before anything is read or
// written.
func checkTraitSizes(ev *Event, maxTrait, maxProfile int) (*FieldError, error) {
	if ev.Type != TypeIdentify {
		return nil, nil
	}
	total := 2
	for name, v := range ev.Traits {
		n := jsonSize(v, maxTrait+1)
		if n > maxTrait {
			return fieldErr("traits."+name, "is more than %d bytes as JSON, at most %d are accepted (max_trait_bytes)", maxTrait, maxTrait), ErrTraitTooLarge
		}
		total += len(name) + 4 + n
	}
	if total > maxProfile {
		return fieldErr("traits", "are %d bytes as JSON, a profile holds at most %d (max_profile_bytes)", total, maxProfile), ErrProfileTooLarge
	}
	return nil, nil
}

// jsonSize is the size of v encoded as JSON, escapes aside (they only make it larger), and
// stops counting past limit: it is checked on every identify, where encoding each trait
// to measure it would double the cost of decoding it.
func jsonSize(v any, limit int) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		return 5
	case string:
		return len(x) + 2
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return len(strconv.FormatInt(int64(x), 10))
		}
		return 24
	case map[string]any:
		n := 2
		for k, e := range x {
			if n += len(k) + 4 + jsonSize(e, limit-n); n > limit {
				return n
			}
		}
		return n
	case []any:
		n := 2
		for _, e := range x {
			if n += 1 + jsonSize(e, limit-n); n > limit {
				return n
			}
		}
		return n
	}
	return 24 // numbers of other types, from events built in Go
}
