package channels

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

func TestPartEncodingLeavesOnlySevenBitCleanTextUnencoded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		content string
		plain   bool
	}{
		{"ascii with LF", "Thank you, Anna!\nSee you soon.\n", true},
		{"ascii with CRLF and tabs", "a\tb\r\nc\r\n", true},
		{"html attributes", `<p style="color: #222"><a href="https://x.test/?a=1&b=2">x</a></p>`, true},
		{"line of 998 octets", strings.Repeat("x", 998) + "\n", true},
		{"line of 999 octets", strings.Repeat("x", 999), false},
		{"utf-8", "Спасибо, Анна", false},
		{"latin-1 byte", "caf\xe9", false},
		{"bare CR", "a\rb", false},
		{"NUL", "a\x00b", false},
		{"escape", "a\x1bb", false},
		{"empty", "", true},
	}
	for _, c := range cases {
		if got := partEncoding(c.content) != nil; got != c.plain {
			t.Errorf("%s: unencoded = %v, want %v", c.name, got, c.plain)
		}
	}
}

// TestASCIIPartsArriveUnencodedOnEveryTransport: a 7-bit clean message goes without
// quoted-printable on each transport, a line starting with a dot and LF line ends included,
// and arrives as written.
func TestASCIIPartsArriveUnencodedOnEveryTransport(t *testing.T) {
	t.Parallel()
	text := "Thank you, Anna!\n.this line starts with a dot\n..and this one with two\nBye.\n"
	html := "<!doctype html>\n<p style=\"color: #222\">Thank you, <b>Anna</b>!</p>\n.<p>dot</p>\n"
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			b := setupTransport(t, tr.noPipelining, tr.noChunking)
			m := &Email{To: "anna@example.com", ToName: "Anna", Subject: "Thanks", Text: text, HTML: html,
				MessageID: "rapport.ascii@shop.example.com"}
			if _, err := b.pool.SendEmail(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := b.sink.Wait(t, 1, 2*time.Second)[0]
			raw := string(got.Raw)
			if strings.Contains(raw, "quoted-printable") || strings.Contains(raw, "=3D") {
				t.Errorf("a 7-bit clean message was quoted-printable encoded:\n%s", raw)
			}
			if n := strings.Count(raw, "Content-Transfer-Encoding: "+string(mail.NoEncoding)); n != 2 {
				t.Errorf("%d parts labelled %s, want 2:\n%s", n, mail.NoEncoding, raw)
			}
			if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
				t.Errorf("a bare LF reached the server:\n%q", raw)
			}
			lf := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
			if lf(got.Text) != text || lf(got.HTML) != html {
				t.Errorf("content changed on the way:\ntext %q\nhtml %q", got.Text, got.HTML)
			}
		})
	}
}
