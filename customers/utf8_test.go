package customers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestInvalidUTF8IsRefusedNamingTheField(t *testing.T) {
	const bad = "\xff\xfe" // never valid UTF-8; encoding/json would turn it into U+FFFD
	tests := []struct {
		name, kind, body, field string
	}{
		{"trait value", "identify", `{"userId":"u1","traits":{"firstName":"Ann` + bad + `"}}`, "traits.firstName"},
		{"nested trait", "identify", `{"userId":"u1","traits":{"address":{"city":"K` + bad + `ln"}}}`, "traits.address.city"},
		{"trait name", "identify", `{"userId":"u1","traits":{"n` + bad + `":"x"}}`, "traits.n\ufffd\ufffd"},
		{"array element", "track", `{"userId":"u1","event":"Order Completed","properties":{"products":[{"name":"a"},{"name":"` + bad + `"}]}}`, "properties.products[1].name"},
		{"string in array", "track", `{"userId":"u1","event":"x","properties":{"tags":["a","b` + bad + `"]}}`, "properties.tags[1]"},
		{"userId", "identify", `{"userId":"u` + bad + `"}`, "userId"},
		{"event name", "track", `{"userId":"u1","event":"` + bad + `"}`, "event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(tt.body), tt.kind, testNow)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Msg, "UTF-8") {
				t.Fatalf("got %v, want a UTF-8 error on field %q", err, tt.field)
			}
		})
	}
}

func TestInvalidUTF8InABatchNamesTheItem(t *testing.T) {
	body := `{"batch":[{"type":"identify","userId":"u1"},{"type":"identify","userId":"u2","traits":{"city":"K` + "\xc3" + `ln"}}]}`
	_, err := DecodeBatch([]byte(body), testNow)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "batch[1].traits.city" {
		t.Fatalf("got %v, want batch[1].traits.city", err)
	}
}

func TestValidUTF8StaysAccepted(t *testing.T) {
	ev, err := DecodeEvent([]byte(`{"userId":"u1","traits":{"city":"Köln","emoji":"😀","esc":"\ud83d\ude00 \u00e9"}}`), "identify", testNow)
	if err != nil || ev.Traits["city"] != "Köln" || ev.Traits["esc"] != "😀 é" {
		t.Fatalf("%v %v", err, ev.Traits)
	}
}

// benchBatchBody is a /v1/batch of 100 identify and track calls, as a CDP sends them.
func benchBatchBody() []byte {
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, `{"type":"identify","userId":"cust-%d","messageId":"m-%d","timestamp":"2025-02-01T10:00:00Z",`+
				`"traits":{"email":"c%d@example.org","firstName":"Jürgen","lastName":"Müller","city":"Köln","plan":"gold"},"context":{"ip":"10.0.0.1"}}`, i, i, i)
		} else {
			fmt.Fprintf(&b, `{"type":"track","userId":"cust-%d","messageId":"m-%d","event":"Order Completed","timestamp":"2025-02-01T10:00:00Z",`+
				`"properties":{"total":19.99,"currency":"EUR","order_id":"o-%d","products":[{"name":"Tee","price":19.99,"category":"shirts"}]}}`, i, i, i)
		}
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkDecodeBatch100 decodes a valid 100-item batch: the path every ingest call takes.
func BenchmarkDecodeBatch100(b *testing.B) {
	body := benchBatchBody()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBatch(body, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckUTF8Batch100 is what the check adds to BenchmarkDecodeBatch100 for a valid
// body: the whole body once, then each item again as decodeEvent checks it.
func BenchmarkCheckUTF8Batch100(b *testing.B) {
	body := benchBatchBody()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if checkUTF8(body) != nil {
			b.Fatal("invalid")
		}
	}
}

func TestImportRefusesACSVThatIsNotUTF8(t *testing.T) {
	b := setup(t)
	csv := "userId,firstName,city\nu1,Ann,Berlin\nu2,J\xfcrgen,K\xf6ln\n" // Latin-1, as Excel saves it
	jsonl := `{"type":"identify","userId":"u1","traits":{"city":"K` + "\xf6" + `ln"}}` + "\n"
	for _, tc := range []struct{ name, body, want string }{
		{"p.csv", csv, "p.csv:3: firstName: is not valid UTF-8"},
		{"p.jsonl", jsonl, "p.jsonl:1: traits.city: is not valid UTF-8"},
	} {
		rep, err := Import(b.ctx, b.store, strings.NewReader(tc.body), tc.name, ImportOptions{Now: testNow})
		if !errors.Is(err, ErrBadRows) || len(rep.Errors) != 1 || !strings.HasPrefix(rep.Errors[0].Error(), tc.want) {
			t.Fatalf("%s: %v %v, want %q", tc.name, err, rep.Errors, tc.want)
		}
	}
}
