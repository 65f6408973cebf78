package channels

import (
	"mime"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncodeWords: any header text Rapport encodes (a subject or a display name from a trait)
// decodes back to itself, in words that fit a header line (RFC 2047: 75 characters a word).
func FuzzEncodeWords(f *testing.F) {
	for _, seed := range []string{"Hello", "=?utf-8?q?Hi?=", "Привет, Мария", "سلام رضا ۱۵٪", "杨芳", strings.Repeat("x", 300), "a_b c=d?e", "\t \r\n"} {
		f.Add(seed)
	}
	dec := new(mime.WordDecoder)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		enc := encodeWords(s)
		for _, w := range strings.Fields(enc) {
			if len(w) > 75 {
				t.Fatalf("word of %d characters: %q", len(w), w)
			}
		}
		got, err := dec.DecodeHeader(enc)
		if err != nil {
			t.Fatalf("decode %q: %v", enc, err)
		}
		if got != s {
			t.Fatalf("%q encodes as %q, which decodes as %q", s, enc, got)
		}
	})
}
