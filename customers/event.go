// Package customers owns the customer profile: traits, the purchase summary (recency,
// frequency, monetary value, inter-purchase times), consent, deliverability and recent sends;
// the Redis store that keeps it; the decoding of Segment-style identify and track calls; and
// the CSV/JSONL import of customers and past orders.
package customers

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Event types.
const (
	TypeIdentify = "identify"
	TypeTrack    = "track"
)

// OrderCompleted is the track event that updates the purchase summary.
const OrderCompleted = "Order Completed"

// MaxFutureSkew is how far in the future an event timestamp may lie: a little clock skew
// between the sender and us is normal, an event from tomorrow is a bug upstream.
const MaxFutureSkew = 5 * time.Minute

// Event is one Segment-style identify or track call.
type Event struct {
	Type       string         // "identify" | "track"
	MessageID  string         // idempotency key; see DecodeEvent for a missing one
	UserID     string         // the customer id
	Event      string         // track only, e.g. "Order Completed"
	Traits     map[string]any // identify
	Properties map[string]any // track
	Timestamp  time.Time      // when it happened (defaults to ReceivedAt)
	ReceivedAt time.Time
}

// FieldError names the JSON field that is wrong, so that the API can answer
// {"error": "...", "field": "batch[3].userId"}. Field is empty when the whole body is wrong.
type FieldError struct {
	Field string `json:"field"`
	Msg   string `json:"error"`
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// prefixed returns a copy of e with its field placed under prefix ("batch[3]").
func (e *FieldError) prefixed(prefix string) *FieldError {
	if e.Field == "" {
		return &FieldError{Field: prefix, Msg: e.Msg}
	}
	return &FieldError{Field: prefix + "." + e.Field, Msg: e.Msg}
}

// DecodeEvent decodes one JSON object of the Segment spec. kind is "identify" or "track" (from
// the endpoint) or "" (take the "type" field, as in /v1/batch items). now fills ReceivedAt and
// a missing timestamp. Errors are *FieldError naming the field.
//
// Refused: malformed JSON; a missing userId (anonymousId alone is refused: Rapport keeps
// profiles of identified customers only); a userId that is not a string (numbers are refused
// rather than converted, since 1e21 and "1e21" would silently be different customers); traits
// or properties that are not objects; a timestamp that is not RFC 3339 or lies more than
// MaxFutureSkew after now; ids longer than MaxIDLength or holding control characters; a
// consent trait that is not an object of booleans; and an Order Completed whose total,
// revenue, products, currency or order_id has the wrong type.
//
// A missing messageId gets a random one: such an event cannot be deduplicated, so a sender
// that retries it will apply it twice. Unknown top-level fields (context, integrations,
// anonymousId next to a userId, sentAt, ...) are ignored.
func DecodeEvent(raw []byte, kind string, now time.Time) (Event, error) {
	ev, _, ferr := decodeEvent(raw, kind, now)
	if ferr != nil {
		return Event{}, ferr
	}
	return ev, nil
}

// decodeEvent is DecodeEvent that also says whether the messageId was generated, so that
// the importer can replace it by a deterministic one.
func decodeEvent(raw []byte, kind string, now time.Time) (Event, bool, *FieldError) {
	top, ferr := decodeObject(raw)
	if ferr != nil {
		return Event{}, false, ferr
	}
	ev := Event{ReceivedAt: now.UTC()}

	typ, ferr := optString(top, "type")
	if ferr != nil {
		return Event{}, false, ferr
	}
	switch {
	case kind == "" && typ == "":
		return Event{}, false, fieldErr("type", "is required: identify or track")
	case kind == "":
		ev.Type = typ
	case typ != "" && typ != kind:
		return Event{}, false, fieldErr("type", "is %q but this endpoint takes %s calls", typ, kind)
	default:
		ev.Type = kind
	}
	if ev.Type != TypeIdentify && ev.Type != TypeTrack {
		return Event{}, false, fieldErr("type", "%q is not supported: only identify and track are", ev.Type)
	}

	if _, ok := top["userId"]; !ok || isNull(top["userId"]) {
		if _, anon := top["anonymousId"]; anon {
			return Event{}, false, fieldErr("userId", "is required: anonymousId alone is not accepted, Rapport keeps profiles of identified customers only")
		}
		return Event{}, false, fieldErr("userId", "is required")
	}
	if ev.UserID, ferr = optString(top, "userId"); ferr != nil {
		return Event{}, false, ferr
	}
	if ev.MessageID, ferr = optString(top, "messageId"); ferr != nil {
		return Event{}, false, ferr
	}
	generated := ev.MessageID == ""
	if generated {
		ev.MessageID = "rp-" + rand.Text()
	}
	if ev.Type == TypeTrack {
		if ev.Event, ferr = optString(top, "event"); ferr != nil {
			return Event{}, false, ferr
		}
		if ev.Properties, ferr = optObject(top, "properties"); ferr != nil {
			return Event{}, false, ferr
		}
	} else if ev.Traits, ferr = optObject(top, "traits"); ferr != nil {
		return Event{}, false, ferr
	}

	ts, ferr := optString(top, "timestamp")
	if ferr != nil {
		return Event{}, false, ferr
	}
	ev.Timestamp = ev.ReceivedAt
	if ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return Event{}, false, fieldErr("timestamp", "%q is not an RFC 3339 time such as 2024-05-01T10:00:00Z", ts)
		}
		if t.After(now.Add(MaxFutureSkew)) {
			return Event{}, false, fieldErr("timestamp", "%s is more than %s in the future", ts, MaxFutureSkew)
		}
		ev.Timestamp = t.UTC()
	}
	if ferr := validate(&ev); ferr != nil {
		return Event{}, false, ferr
	}
	return ev, generated, nil
}

// DecodeBatch decodes {"batch":[...]} of identify and track items; page, screen, group and
// alias items are skipped. Field names of errors are prefixed "batch[i].". It returns every
// error (errors.Join of *FieldError) together with the valid events, so that the caller can
// refuse the whole request and name every bad item.
func DecodeBatch(raw []byte, now time.Time) ([]Event, error) {
	events, _, err := DecodeBatchItems(raw, now)
	return events, err
}

// DecodeBatchItems is DecodeBatch that also returns, for each event, its index in the batch
// array, so that an error about an event found later (Store.Apply's *EventError) can name
// it as "batch[i]" although skipped calls shifted the events.
func DecodeBatchItems(raw []byte, now time.Time) ([]Event, []int, error) {
	top, ferr := decodeObject(raw)
	if ferr != nil {
		return nil, nil, ferr
	}
	batch, ok := top["batch"]
	if !ok || isNull(batch) {
		return nil, nil, fieldErr("batch", "is required")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(batch, &list); err != nil {
		return nil, nil, fieldErr("batch", "must be an array")
	}
	if len(list) == 0 {
		return nil, nil, fieldErr("batch", "is empty")
	}
	events := make([]Event, 0, len(list))
	items := make([]int, 0, len(list))
	var errs []error
	for i, item := range list {
		if ignoredType(item) {
			continue
		}
		ev, _, ferr := decodeEvent(item, "", now)
		if ferr != nil {
			errs = append(errs, ferr.prefixed("batch["+strconv.Itoa(i)+"]"))
			continue
		}
		events = append(events, ev)
		items = append(items, i)
	}
	return events, items, errors.Join(errs...)
}

// ignoredTypes are Segment calls a CDP sends in the same batches as identify and track.
// Rapport has no use for them; refusing the batch would make the sender retry it for ever and
// lose the calls Rapport does use, so they are accepted and dropped.
var ignoredTypes = map[string]bool{"page": true, "screen": true, "group": true, "alias": true}

func ignoredType(item json.RawMessage) bool {
	var t struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(item, &t) == nil && ignoredTypes[t.Type]
}

// decodeObject decodes a JSON object into its raw members.
func decodeObject(raw []byte) (map[string]json.RawMessage, *FieldError) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, fieldErr("", "empty body: expected a JSON object")
	}
	if ferr := checkUTF8(trimmed); ferr != nil {
		return nil, ferr
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fieldErr("", "malformed JSON at byte %d: %v", syn.Offset, err)
		}
		if trimmed[0] != '{' {
			return nil, fieldErr("", "must be a JSON object")
		}
		return nil, fieldErr("", "malformed JSON: %v", err)
	}
	if top == nil {
		return nil, fieldErr("", "must be a JSON object, not null")
	}
	return top, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// optString returns the string member name, "" when missing or null.
func optString(top map[string]json.RawMessage, name string) (string, *FieldError) {
	raw, ok := top[name]
	if !ok || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErr(name, "must be a string, got %s", jsonKind(raw))
	}
	return s, nil
}

// optObject returns the object member name, nil when missing or null.
func optObject(top map[string]json.RawMessage, name string) (map[string]any, *FieldError) {
	raw, ok := top[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fieldErr(name, "must be an object, got %s", jsonKind(raw))
	}
	return m, nil
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
