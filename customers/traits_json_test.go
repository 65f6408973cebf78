package customers

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// sameAsEncodingJSON checks decodeTraits against json.Unmarshal on one input, into a fresh map
// and into a map that already holds a trait.
func sameAsEncodingJSON(t *testing.T, in []byte) {
	t.Helper()
	for _, start := range []map[string]any{nil, {"kept": "yes", "email": "old@example.com"}} {
		want, got := cloneTraits(start), cloneTraits(start)
		werr := json.Unmarshal(in, &want)
		gerr := decodeTraits(in, &got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: encoding/json error %v, decodeTraits error %v", in, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\nencoding/json %#v\ndecodeTraits  %#v", in, want, got)
		}
	}
}

func cloneTraits(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := map[string]any{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func TestDecodeTraitsMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []string{
		`{"email":"anna@example.com","first_name":"Анна","consent":{"email":true,"sms":false},"tz":"Europe/Berlin"}`,
		`{}`, ` { } `, `{"a":[]}`, `{"a":[1,-2.5,3e2,-0,0.5E-3,1E+2]}`, `{"a":null,"b":true,"c":false}`,
		`{"a":"x\"y"}`, `{"a":"\u00e9\ud83d\ude00"}`, `{"a":"tab\tin"}`, `{"a":"\xff"}`, `{"a":1e400}`,
		`{"a":01}`, `{"a":.5}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":nul}`,
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1}x`, `{"a":1} `, `null`, `[1]`, `"s"`, ``, `{`, `{"a":{"b":{"c":[{"d":1}]}}}`,
		`{"a":1,"a":2}`, `{"dup":{"x":1},"dup":"s"}`, "{\"a\":\"new\nline\"}", `{"` + strings.Repeat("k", 300) + `":1}`,
		strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40),
	}
	for _, c := range cases {
		sameAsEncodingJSON(t, []byte(c))
	}
}

// TestDecodeTraitsOnRandomDocuments compares the two on random documents and on random
// corruptions of them (a byte changed, cut short).
func TestDecodeTraitsOnRandomDocuments(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	for range 5000 {
		doc := []byte(randomObject(rng, 0))
		sameAsEncodingJSON(t, doc)
		bad := append([]byte(nil), doc...)
		bad[rng.IntN(len(bad))] = "{}[]\",:0e.-\\ a\x00\xc3"[rng.IntN(15)]
		sameAsEncodingJSON(t, bad)
		sameAsEncodingJSON(t, doc[:rng.IntN(len(doc))])
	}
}

func randomObject(rng *rand.Rand, depth int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range rng.IntN(5) {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(randomString(rng))
		b.WriteString(":")
		b.WriteString(randomValue(rng, depth+1))
	}
	b.WriteString("}")
	return b.String()
}

func randomValue(rng *rand.Rand, depth int) string {
	n := 7
	if depth > 3 {
		n = 5
	}
	switch rng.IntN(n) {
	case 0:
		return randomString(rng)
	case 1:
		return []string{"0", "-1", "12.75", "1e3", "-2.5E-2", "123456789012345678901234567890", "1e309"}[rng.IntN(7)]
	case 2:
		return []string{"true", "false"}[rng.IntN(2)]
	case 3:
		return "null"
	case 4:
		return strconv.Quote(randomWord(rng))
	case 5:
		return randomObject(rng, depth)
	}
	parts := make([]string, rng.IntN(4))
	for i := range parts {
		parts[i] = randomValue(rng, depth+1)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func randomString(rng *rand.Rand) string {
	words := []string{"email", "first_name", "tz", "Анна", "日本", "a b", `q\"uote`, `\u00e9`, `x\\y`, "", "emoji 😀"}
	return `"` + words[rng.IntN(len(words))] + `"`
}

func randomWord(rng *rand.Rand) string {
	return []string{"plain", "tab\t", "nl\n", "ctrl\x01", "bad\xff", "ok é"}[rng.IntN(6)]
}

func FuzzDecodeTraits(f *testing.F) {
	f.Add([]byte(`{"email":"anna@example.com","consent":{"email":true},"n":[1,2.5,null]}`))
	f.Add([]byte(`{"a":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, in []byte) { sameAsEncodingJSON(t, in) })
}

func BenchmarkDecodeTraits(b *testing.B) {
	doc := []byte(`{"email":"c0000001@example.org","first_name":"Anna","last_name":"Example","locale":"de-DE","timezone":"Europe/Berlin","address":{"country":"DE","city":"Berlin"},"consent":{"email":true,"sms":false},"birthday":"1990-04-12","tier":"gold"}`)
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var m map[string]any
			_ = json.Unmarshal(doc, &m)
		}
	})
	b.Run("decodeTraits", func(b *testing.B) {
		for b.Loop() {
			var m map[string]any
			_ = decodeTraits(doc, &m)
		}
	})
}
