package customers

import (
	"bytes"
	"context"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeBatch: a /v1/batch body never panics the decoder, and whatever it accepts is
// identify or track events of a customer, in valid UTF-8 (invalid UTF-8 is refused by field).
func FuzzDecodeBatch(f *testing.F) {
	for _, seed := range []string{
		`{"batch":[{"type":"identify","userId":"u1","traits":{"email":"a@example.com"}}]}`,
		`{"batch":[{"type":"track","userId":"u1","event":"Order Completed","messageId":"m1","properties":{"total":12.5,"currency":"EUR","products":[{"id":"p"}]}}]}`,
		`{"batch":[{"type":"page"},{"type":"track","userId":"","event":"x"}]}`,
		`{"batch":null}`, `{"batch":[1,2,3]}`, `{"batch":[{"type":"identify","userId":"u","traits":{"a":{"b":{"c":[1,{"d":"\ud800"}]}}}}]}`,
		"{\"batch\":[{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"city\":\"\xff\"}}]}",
	} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		events, err := DecodeBatch(raw, now)
		if err != nil {
			return
		}
		for _, e := range events {
			if e.UserID == "" || (e.Type != "identify" && e.Type != "track") {
				t.Fatalf("accepted %+v from %q", e, raw)
			}
			if !utf8.ValidString(e.UserID) || !utf8.ValidString(e.Event) {
				t.Fatalf("accepted invalid UTF-8 from %q", raw)
			}
		}
	})
}

// FuzzImportRows: any CSV, customers or orders, validates on a dry run without panicking, and
// a file with a bad row loads nothing (the dry run reports it rather than counting it loaded).
func FuzzImportRows(f *testing.F) {
	for _, seed := range []string{
		"userId,email,firstName,birthday,timezone,locale\nu1,a@example.com,Ana,1990-02-29,Europe/Berlin,de\n",
		"userId,timestamp,total,order_id,currency,coupon\nu1,2026-01-02T10:00:00Z,12.50,o1,EUR,\nu1,2026-02-03,7,o2,RUB,X\n",
		"userId,email\n,\n\"a\"\"b\",\"x@\n", "userId,total\nu1,NaN\n", "\xff\xfe,\n",
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte, jsonl bool) {
		name := "fuzz.csv"
		if jsonl {
			name = "fuzz.jsonl"
		}
		rep, err := Import(context.Background(), nil, bytes.NewReader(raw), name, ImportOptions{DryRun: true, Now: now})
		if err == nil && rep.Bad > 0 {
			t.Fatalf("%d bad rows and no error: %+v", rep.Bad, rep)
		}
		if rep.Events > rep.Rows {
			t.Fatalf("more events than rows: %+v", rep)
		}
	})
}
