package channels

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/templates"
)

// The interop corpus: one email template in four locales (two scripts written left to
// right, one right to left, one without spaces), rendered by templates as the worker renders
// it. Every part holds what SMTP transports get wrong: a line that is a lone dot (which ends
// the DATA content unless stuffed), lines that start with one or two dots, and a line of
// exactly 998 octets, SMTP's limit (RFC 5322 §2.1.1), which must neither be cut nor wrapped.
// English stays 7-bit clean, so its parts go unencoded and the long line and dots travel as
// they are; the others are UTF-8 and go quoted-printable.

// corpusLocale is one locale of the corpus.
type corpusLocale struct {
	locale, hello, name string
	// fill repeats to make the 998-octet line.
	fill string
}

var corpusLocales = []corpusLocale{
	{"en", "Thank you", "Anna", "x"},
	{"ru", "Спасибо", "Анна", "ж"},
	{"fa", "سپاس", "زهرا", "ش"},
	{"zh", "谢谢", "李娜", "谢"},
}

// line998 is a line of exactly 998 octets (UTF-8), fill repeated and padded with ASCII.
func line998(fill string) string {
	s := strings.Repeat(fill, 998/len(fill))
	return s + strings.Repeat("a", 998-len(s))
}

// writeCorpus writes the templates under dir and returns the variant that names them.
func writeCorpus(t *testing.T, dir string) *config.Variant {
	t.Helper()
	for _, l := range corpusLocales {
		suffix := "." + l.locale
		if l.locale == "en" {
			suffix = ""
		}
		long := line998(l.fill)
		html := fmt.Sprintf(`{{define "subject"}}%[1]s, {{.Customer.FirstName}} (#{{.Event.n}}){{end}}<!doctype html>
<html lang="%[2]s"><body>
<p>%[1]s, {{.Customer.FirstName}}!</p>
.
..
.starts with a dot
<p>
%[3]s
</p>
<p>#{{.Event.n}}</p>
</body></html>
`, l.hello, l.locale, long)
		text := fmt.Sprintf(`%[1]s, {{.Customer.FirstName}}!
.
..two dots
.one dot
%[2]s
 .a space first
#{{.Event.n}}
`, l.hello, long)
		files := map[string]string{
			"interop/note" + suffix + ".html": html,
			"interop/note" + suffix + ".txt":  text,
		}
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &config.Variant{ID: "standard", Email: &config.EmailContent{HTML: "interop/note.html", Text: "interop/note.txt"}}
}

// corpusMessage is one rendered message of the corpus and where it goes.
type corpusMessage struct {
	email *Email
	want  *templates.Message
}

// renderCorpus renders n messages, locale by locale in turn, for recipients at domain.
func renderCorpus(t *testing.T, n int, domain string) []corpusMessage {
	t.Helper()
	dir := t.TempDir()
	v := writeCorpus(t, dir)
	set, err := templates.Load(dir)
	if err != nil {
		t.Fatalf("load the corpus templates: %v", err)
	}
	out := make([]corpusMessage, n)
	for i := range out {
		l := corpusLocales[i%len(corpusLocales)]
		d := &templates.Data{
			Customer: templates.CustomerData{ID: fmt.Sprintf("c%04d", i), FirstName: l.name, Locale: l.locale},
			Event:    map[string]any{"n": i},
		}
		m, err := set.Render(v, templates.ChannelEmail, l.locale, nil, d)
		if err != nil {
			t.Fatalf("render message %d: %v", i, err)
		}
		out[i] = corpusMessage{want: m, email: &Email{
			To: fmt.Sprintf("c%04d@%s", i, domain), ToName: l.name,
			Subject: m.Subject, HTML: m.HTML, Text: m.Text,
			MessageID:       fmt.Sprintf("interop.%04d@shop.example.com", i),
			ListUnsubscribe: "https://news.example.com/u/" + d.Customer.ID,
			Headers:         map[string]string{"X-Rapport-Campaign": "interop"},
		}}
	}
	return out
}

// deliveredMessage is a message read back from a maildir, its parts decoded.
type deliveredMessage struct {
	header     mail.Header
	subject    string
	text, html string
}

// parseDelivered reads a maildir file: RFC 5322 with LF line ends, the body a
// multipart/alternative of a text and an HTML part.
func parseDelivered(raw []byte) (*deliveredMessage, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	out := &deliveredMessage{header: m.Header}
	if out.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		return nil, fmt.Errorf("content type %q (%v): want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var r io.Reader = part
		switch cte := strings.ToLower(part.Header.Get("Content-Transfer-Encoding")); cte {
		case "quoted-printable":
			r = quotedprintable.NewReader(part)
		case "8bit", "7bit", "":
		default:
			return nil, fmt.Errorf("part encoded %q: want quoted-printable or none", cte)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		// The maildir keeps LF line ends where SMTP carried CRLF: compare in one convention.
		body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			out.text = string(body)
		case "text/html":
			out.html = string(body)
		default:
			return nil, fmt.Errorf("unexpected part %q", ct)
		}
	}
}
