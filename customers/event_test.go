package customers

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeEventRefusesBadInputNamingTheField(t *testing.T) {
	now := testNow
	future := now.Add(10 * time.Minute).Format(time.RFC3339)
	tests := []struct {
		name, kind, body string
		field, msg       string
	}{
		{"malformed JSON", "identify", `{"userId": "u1",`, "", "malformed JSON"},
		{"not an object", "identify", `["u1"]`, "", "JSON object"},
		{"null body", "identify", `null`, "", "JSON object"},
		{"empty body", "identify", ``, "", "empty body"},
		{"missing userId", "identify", `{"traits": {}}`, "userId", "required"},
		{"anonymousId alone", "track", `{"anonymousId": "a1", "event": "x"}`, "userId", "anonymousId alone"},
		{"userId number", "identify", `{"userId": 42}`, "userId", "must be a string, got a number"},
		{"blank userId", "identify", `{"userId": "  "}`, "userId", "blank"},
		{"overlong userId", "identify", `{"userId": "` + strings.Repeat("x", 300) + `"}`, "userId", "at most 256"},
		{"traits not object", "identify", `{"userId": "u1", "traits": "vip"}`, "traits", "must be an object, got a string"},
		{"properties not object", "track", `{"userId": "u1", "event": "x", "properties": [1]}`, "properties", "must be an object, got an array"},
		{"timestamp garbage", "identify", `{"userId": "u1", "timestamp": "yesterday"}`, "timestamp", "RFC 3339"},
		{"timestamp not string", "identify", `{"userId": "u1", "timestamp": 1700000000}`, "timestamp", "must be a string"},
		{"timestamp 10 min in future", "identify", `{"userId": "u1", "timestamp": "` + future + `"}`, "timestamp", "in the future"},
		{"track without event", "track", `{"userId": "u1"}`, "event", "required"},
		{"type missing in batch item", "", `{"userId": "u1"}`, "type", "required"},
		{"unsupported type", "", `{"type": "page", "userId": "u1"}`, "type", "not supported"},
		{"type against endpoint", "track", `{"type": "identify", "userId": "u1"}`, "type", "this endpoint takes track"},
		{"messageId number", "identify", `{"userId": "u1", "messageId": 7}`, "messageId", "must be a string"},
		{"consent not object", "identify", `{"userId": "u1", "traits": {"consent": true}}`, "traits.consent", "must be an object"},
		{"consent not boolean", "identify", `{"userId": "u1", "traits": {"consent": {"sms": "yes"}}}`, "traits.consent.sms", "true, false or null"},
		{"order total text", "track", `{"userId": "u1", "event": "Order Completed", "properties": {"total": "lots"}}`, "properties.total", "must be a number"},
		{"order total negative", "track", `{"userId": "u1", "event": "Order Completed", "properties": {"total": -5}}`, "properties.total", "at least 0"},
		{"order currency", "track", `{"userId": "u1", "event": "Order Completed", "properties": {"total": 5, "currency": "euros"}}`, "properties.currency", "ISO 4217"},
		{"order product price", "track", `{"userId": "u1", "event": "Order Completed", "properties": {"products": [{"price": 1}, {"price": true}]}}`, "properties.products[1].price", "must be a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(tt.body), tt.kind, now)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *FieldError, got %v", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Msg, tt.msg) {
				t.Fatalf("got field %q msg %q, want field %q msg containing %q", fe.Field, fe.Msg, tt.field, tt.msg)
			}
		})
	}
}

func TestDecodeEventFillsDefaults(t *testing.T) {
	ev, err := DecodeEvent([]byte(`{"userId":"u1","traits":{"email":"a@b.org"},"context":{"ip":"1.2.3.4"}}`), "identify", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != TypeIdentify || ev.UserID != "u1" || ev.Traits["email"] != "a@b.org" {
		t.Fatalf("decoded %+v", ev)
	}
	if !ev.Timestamp.Equal(testNow) || !ev.ReceivedAt.Equal(testNow) {
		t.Fatalf("timestamp %v received %v, want both %v", ev.Timestamp, ev.ReceivedAt, testNow)
	}
	other, _ := DecodeEvent([]byte(`{"userId":"u1"}`), "identify", testNow)
	if ev.MessageID == "" || ev.MessageID == other.MessageID {
		t.Fatalf("missing messageIds must get distinct random ids, got %q and %q", ev.MessageID, other.MessageID)
	}

	ev, err = DecodeEvent([]byte(`{"type":"track","userId":"u1","event":"Order Completed","messageId":"m1",
		"timestamp":"2024-05-01T10:00:00.250+02:00","properties":{"revenue":"12.50"}}`), "", testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 5, 1, 8, 0, 0, 250e6, time.UTC)
	if ev.MessageID != "m1" || !ev.Timestamp.Equal(want) || ev.Timestamp.Location() != time.UTC {
		t.Fatalf("decoded %+v", ev)
	}
	// a little clock skew is fine
	if _, err := DecodeEvent([]byte(`{"userId":"u1","timestamp":"`+testNow.Add(4*time.Minute).Format(time.RFC3339)+`"}`), "identify", testNow); err != nil {
		t.Fatalf("4 minutes ahead: %v", err)
	}
}

func TestDecodeBatchReportsEveryBadItemWithItsPath(t *testing.T) {
	body := `{"batch":[
		{"type":"identify","userId":"u1","traits":{"email":"a@b.org"}},
		{"type":"track","userId":7,"event":"x"},
		{"type":"track","userId":"u2","event":"Order Completed","properties":{"total":"x"}},
		"oops",
		{"type":"track","userId":"u3","event":"Viewed"}
	]}`
	events, err := DecodeBatch([]byte(body), testNow)
	if len(events) != 2 || events[0].UserID != "u1" || events[1].UserID != "u3" {
		t.Fatalf("valid events: %+v", events)
	}
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("not a *FieldError: %v", e)
		}
		fields = append(fields, fe.Field)
	}
	want := []string{"batch[1].userId", "batch[2].properties.total", "batch[3]"}
	if strings.Join(fields, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v", fields, want)
	}
}

func TestDecodeBatchRefusesABodyWithoutBatch(t *testing.T) {
	for body, field := range map[string]string{
		`{}`:              "batch",
		`{"batch": {}}`:   "batch",
		`{"batch": [1,}`:  "",
		`{"batch": null}`: "batch",
	} {
		_, err := DecodeBatch([]byte(body), testNow)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: got %v, want an error on field %q", body, err, field)
		}
	}
	var fe *FieldError
	if _, err := DecodeBatch([]byte(`{"batch": []}`), testNow); !errors.As(err, &fe) || fe.Field != "batch" {
		t.Fatalf("empty batch: %v, want an error on field batch", err)
	}
	events, err := DecodeBatch([]byte(`{"batch": [{"type":"alias","userId":"u","previousId":"a"}]}`), testNow)
	if err != nil || len(events) != 0 {
		t.Fatalf("a batch of ignored calls: %v %v, want nothing and no error", events, err)
	}
}

func TestOrderWithoutTotalGetsOneFromRevenueOrProducts(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for name, body := range map[string]string{
		"revenue":  `{"userId":"u","event":"Order Completed","messageId":"m","properties":{"revenue":42.5}}`,
		"products": `{"userId":"u","event":"Order Completed","messageId":"m","properties":{"products":[{"price":20,"quantity":2},{"price":2.5}]}}`,
	} {
		ev, err := DecodeEvent([]byte(body), "track", now)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ev.Properties["total"] != 42.5 {
			t.Errorf("%s: total = %v, want 42.5", name, ev.Properties["total"])
		}
	}
}
