package templates

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// BenchmarkRenderEmail measures one localised email (subject block, HTML body, generated text
// part) once the pool holds escaped instances: the per-message cost of a send batch.
func BenchmarkRenderEmail(b *testing.B) {
	s, err := Load("testdata")
	if err != nil {
		b.Fatal(err)
	}
	v := emailVariant("Thank you, {{.Customer.FirstName}}", "thank-you/gold.html")
	d := SampleData(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Render(v, "email", "ru-RU", time.UTC, d); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// greetingHTML is the holiday greeting of bench/holiday (bench/internal/rig.GreetingFiles):
// an inline subject, an HTML body and no text file, so the text part is generated.
const greetingHTML = `<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<h1>Happy Bench Day{{with .Customer.FirstName}}, {{.}}{{end}}!</h1>
<p>Today we celebrate with everyone who shops with us, wherever they live. Thank you for being
one of them: every order, every question and every review helps us do better.</p>
<p>Questions about an order? Reply to this email and a person from our team will answer,
usually within a working day.</p>
<table role="presentation" style="border-collapse: collapse">
<tr><td style="padding: 4px 8px">Customer</td><td style="padding: 4px 8px">{{.Customer.ID}}</td></tr>
<tr><td style="padding: 4px 8px">Campaign</td><td style="padding: 4px 8px">{{.Campaign.Name}}</td></tr>
</table>
<p>With our best wishes,<br>The Rapport Demo Shop team</p>
<p style="font-size: 12px; color: #777">You receive this email because you ordered from the
Rapport Demo Shop. <a href="{{.Links.Unsubscribe}}">Unsubscribe</a></p>
</body></html>
`

// greetingSet loads the greeting template and returns it with its variant and data.
func greetingSet(b *testing.B) (*Set, *config.Variant, *Data) {
	b.Helper()
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "greeting"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "greeting", "standard.html"), []byte(greetingHTML), 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	v := emailVariant("Happy Bench Day{{with .Customer.FirstName}}, {{.}}{{end}}!", "greeting/standard.html")
	d := SampleData(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	return s, v, d
}

// BenchmarkRenderGreeting measures the email of the holiday benchmark on one goroutine, whole
// and by part, so that ns/op is CPU per message.
func BenchmarkRenderGreeting(b *testing.B) {
	s, v, d := greetingSet(b)
	ctx := func() *renderCtx { return &renderCtx{lang: newLang("en-US"), loc: time.UTC} }
	b.Run("email", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Render(v, ChannelEmail, "en-US", time.UTC, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("subject", func(b *testing.B) {
		c := ctx()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.subject(v.Email.Subject, nil, nil, c, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	f, err := s.lookup(v.Email.HTML, "en-US")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("html", func(b *testing.B) {
		c := ctx()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.tmpl.execHTML(c, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	html, err := f.tmpl.execHTML(ctx(), d)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			HTMLToText(html)
		}
	})
}
