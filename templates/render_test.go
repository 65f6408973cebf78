package templates

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// writeTemplates writes files (slash paths to contents) under a fresh directory.
func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadSet loads files and fails the test on any load error.
func loadSet(t *testing.T, files map[string]string) *Set {
	t.Helper()
	s, err := Load(writeTemplates(t, files))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

var fixedNow = time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)

func emailVariant(subject, html string) *config.Variant {
	return &config.Variant{ID: "v", Email: &config.EmailContent{Subject: subject, HTML: html}}
}

func TestLocaleFallsBackFromRegionToLanguageToDefault(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for _, l := range []string{"", ".ru", ".ru-RU", ".fa", ".zh", ".zh-Hant", ".PT-br"} {
		files["p/x"+l+".html"] = "<p>file" + l + "</p>"
	}
	s := loadSet(t, files)
	tests := []struct{ locale, want string }{
		{"ru-RU", "p/x.ru-RU.html"},
		{"ru_ru", "p/x.ru-RU.html"},
		{"RU-ru", "p/x.ru-RU.html"},
		{"ru-UA", "p/x.ru.html"},
		{"ru", "p/x.ru.html"},
		{"fa-IR", "p/x.fa.html"},
		{"fa", "p/x.fa.html"},
		{"zh-Hans-CN", "p/x.zh.html"},
		{"zh-CN", "p/x.zh.html"},
		{"zh-TW", "p/x.zh-Hant.html"},
		{"zh-Hant-HK", "p/x.zh-Hant.html"},
		{"pt-BR", "p/x.PT-br.html"},
		{"pt-PT", "p/x.html"},
		{"de-DE", "p/x.html"},
		{"en-US-u-ca-gregory", "p/x.html"},
		{"", "p/x.html"},
		{"not a locale!", "p/x.html"},
	}
	for _, tt := range tests {
		got, err := s.Resolve("p/x.html", tt.locale)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(p/x.html, %q) = %q, %v; want %q", tt.locale, got, err, tt.want)
		}
		m, err := s.Render(emailVariant("Hi", "p/x.html"), "email", tt.locale, nil, SampleData(fixedNow))
		if err != nil {
			t.Fatalf("Render in %q: %v", tt.locale, err)
		}
		if wantText := "file" + strings.TrimSuffix(strings.TrimPrefix(tt.want, "p/x"), ".html"); m.Text != wantText {
			t.Errorf("Render in %q: text %q, want %q", tt.locale, m.Text, wantText)
		}
	}
}

func TestLocalisedFileSubjectOverridesInlineSubject(t *testing.T) {
	t.Parallel()
	s, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	v := emailVariant("Thank you, {{.Customer.FirstName}}", "thank-you/gold.html")
	for locale, want := range map[string]string{
		"en":    "Thank you, Anna",
		"de":    "Thank you, Anna",
		"ru":    "Спасибо, Anna!",
		"ru-RU": "Спасибо, Anna!",
	} {
		m, err := s.Render(v, "email", locale, time.UTC, SampleData(fixedNow))
		if err != nil {
			t.Fatalf("Render in %s: %v", locale, err)
		}
		if m.Subject != want {
			t.Errorf("subject in %s = %q, want %q", locale, m.Subject, want)
		}
	}
}

func TestSubjectBlockIsPlainTextOnOneLine(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"a.html": "{{define \"subject\"}}\n  Rock & roll,\n  {{.Customer.FirstName}}\n{{end}}<p>x</p>",
	})
	d := SampleData(fixedNow)
	d.Customer.FirstName = "O'Brien <3"
	m, err := s.Render(emailVariant("", "a.html"), "email", "", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Rock & roll, O'Brien <3"; m.Subject != want {
		t.Errorf("subject = %q, want %q (not HTML-escaped, folded)", m.Subject, want)
	}
}

func TestRenderedTestdataEmailReadsRight(t *testing.T) {
	t.Parallel()
	s, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Render(emailVariant("Thanks", "thank-you/gold.html"), "email", "ru-RU", time.UTC, SampleData(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Спасибо, Anna!", "486,30\u00a0€", "4 апреля 2026 г.", "THANKS-7Q2K", "Отписаться (https://news.example.com/u/sample-token)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "subject") || strings.Contains(m.HTML, "Друг, спасибо") {
		t.Errorf("the subject or sms block leaked into the body:\n%s", m.HTML)
	}
}

func TestProfileValuesAreEscapedInHTML(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"a.html": `<p>{{trait "tier"}}</p><p title="{{.Customer.FirstName}}">{{.Customer.Traits.tier}}</p>` +
			`<a href="{{.Links.ViewOnline}}">view</a><a href="{{safeURL .Links.Unsubscribe}}">u</a>`,
	})
	d := SampleData(fixedNow)
	d.Customer.Traits = map[string]any{"tier": "<script>alert(1)</script>"}
	d.Customer.FirstName = `"><img src=x onerror=alert(1)>`
	d.Links.ViewOnline = "javascript:alert(1)"
	d.Links.Unsubscribe = "javascript:alert(2)"
	m, err := s.Render(emailVariant("{{trait \"tier\"}}", "a.html"), "email", "en", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img", "javascript:"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML carries %q unescaped:\n%s", bad, m.HTML)
		}
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("HTML does not show the trait as text:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, `href="#ZgotmplZ"`) {
		t.Errorf("a javascript: link survived:\n%s", m.HTML)
	}
	// The subject and the text part are plain text: there the value is shown as it is.
	if m.Subject != "<script>alert(1)</script>" {
		t.Errorf("subject = %q", m.Subject)
	}
}

func TestSafeURLKeepsTelAndSMSLinks(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{"a.html": `<a href="{{safeURL "tel:+15550100"}}">call</a><a href="{{"tel:+1"}}">x</a>`})
	m, err := s.Render(emailVariant("Hi", "a.html"), "email", "en", nil, SampleData(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	// html/template writes + as &#43; in attributes, which a mail client reads back as +.
	if !strings.Contains(m.HTML, `href="tel:&#43;15550100"`) || !strings.Contains(m.HTML, `href="#ZgotmplZ"`) {
		t.Errorf("safeURL should keep tel: and only it:\n%s", m.HTML)
	}
}

func TestMissingValuesRenderEmpty(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"a.html": `<p>[{{.Customer.Traits.nope}}][{{.Event.nope}}][{{trait "nope"}}][{{default "x" .Customer.Traits.nope}}]</p>`,
		"a.txt":  `[{{.Customer.Traits.nope}}][{{.Event.nope}}][{{trait "nope.deeper"}}]`,
		"s.sms":  `[{{.Customer.Traits.nope}}]`,
	})
	d := SampleData(fixedNow)
	d.Event = nil
	v := &config.Variant{ID: "v",
		Email: &config.EmailContent{Subject: "Hi{{.Customer.Traits.nope}}", HTML: "a.html", Text: "a.txt"},
		SMS:   &config.SMSContent{Text: "Hi{{.Customer.Traits.nope}}{{.Event.nope}}"},
	}
	m, err := s.Render(v, "email", "en", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	sms, err := s.Render(v, "sms", "en", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	smsFile, err := s.Render(&config.Variant{ID: "f", SMS: &config.SMSContent{File: "s.sms"}}, "sms", "en", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{"subject": m.Subject, "html": m.HTML, "text": m.Text, "sms": sms.SMS, "sms file": smsFile.SMS}
	want := map[string]string{"subject": "Hi", "html": "<p>[][][][x]</p>", "text": "[][][]", "sms": "Hi", "sms file": "[]"}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s = %q, want %q", k, got[k], want[k])
		}
		if strings.Contains(got[k], "no value") {
			t.Errorf("%s shows <no value>: %q", k, got[k])
		}
	}
}

func TestSMSRendersInlineFileAndLocalisedBlock(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"m/promo.sms":     "{{.Customer.FirstName}}, {{with .Reward}}{{.Text}}{{end}}",
		"m/promo.de.sms":  "{{.Customer.FirstName}}, Ihr Code: {{.Reward.Code}}\n",
		"m/mail.html":     "<p>x</p>",
		"m/mail.fr.html":  "{{define \"sms\"}}Merci {{.Customer.FirstName}} !{{end}}<p>x</p>",
		"m/not-text.html": "<p>x</p>",
	})
	d := SampleData(fixedNow)
	inline := &config.Variant{ID: "i",
		Email: &config.EmailContent{Subject: "S", HTML: "m/mail.html"},
		SMS:   &config.SMSContent{Text: "  {{.Customer.FirstName}}, thank you! {{.Reward.Text}}  "}}
	byFile := &config.Variant{ID: "f", SMS: &config.SMSContent{File: "m/promo.sms"}}
	tests := []struct {
		name   string
		v      *config.Variant
		locale string
		want   string
	}{
		{"inline text", inline, "en", "Anna, thank you! 10% off your next order"},
		{"inline text translated by the email file's sms block", inline, "fr-FR", "Merci Anna !"},
		{"file", byFile, "en", "Anna, 10% off your next order"},
		{"file by locale", byFile, "de-AT", "Anna, Ihr Code: THANKS-7Q2K"},
	}
	for _, tt := range tests {
		m, err := s.Render(tt.v, "sms", tt.locale, nil, d)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if m.SMS != tt.want || m.Subject != "" || m.HTML != "" {
			t.Errorf("%s: %+v, want SMS %q", tt.name, m, tt.want)
		}
	}
	htmlSMS := &config.Variant{ID: "h", SMS: &config.SMSContent{File: "m/not-text.html"}}
	if _, err := s.Render(htmlSMS, "sms", "en", nil, d); err == nil || !strings.Contains(err.Error(), "HTML template") {
		t.Errorf("an HTML file as SMS: got %v", err)
	}
	empty := &config.Variant{ID: "e", SMS: &config.SMSContent{Text: "{{.Customer.Traits.nope}} "}}
	if _, err := s.Render(empty, "sms", "en", nil, d); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("an empty SMS: got %v", err)
	}
}

func TestTextPartIsTheTextFileOrGeneratedFromHTML(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"a.html": "<h1>Hello {{.Customer.FirstName}}</h1><p><a href=\"{{.Links.ViewOnline}}\">Online</a></p>",
		"a.txt":  "\nHello {{.Customer.FirstName}} in text\n\n",
	})
	d := SampleData(fixedNow)
	gen, err := s.Render(emailVariant("S", "a.html"), "email", "en", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Hello Anna\n\nOnline (https://news.example.com/v/sample-token)"; gen.Text != want {
		t.Errorf("generated text = %q, want %q", gen.Text, want)
	}
	v := &config.Variant{ID: "v", Email: &config.EmailContent{Subject: "S", HTML: "a.html", Text: "a.txt"}}
	both, err := s.Render(v, "email", "en", nil, d)
	if err != nil {
		t.Fatal(err)
	}
	if both.Text != "Hello Anna in text" {
		t.Errorf("text file part = %q", both.Text)
	}
	textOnly := &config.Variant{ID: "t", Email: &config.EmailContent{Subject: "S", Text: "a.txt"}}
	m, err := s.Render(textOnly, "email", "en", nil, d)
	if err != nil || m.HTML != "" || m.Text != "Hello Anna in text" {
		t.Errorf("text-only email = %+v, %v", m, err)
	}
}

func TestPartialsAreSharedByFilesOfTheirKind(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"_footer.html": `{{define "footer"}}<p><a href="{{.Links.Unsubscribe}}">Unsubscribe</a></p>{{end}}`,
		"a.html":       `<p>Hi</p>{{template "footer" .}}`,
		"b/c.ru.html":  `<p>Привет</p>{{template "footer" .}}`,
		"b/c.html":     `<p>Hello</p>`,
	})
	m, err := s.Render(emailVariant("S", "a.html"), "email", "en", nil, SampleData(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `href="https://news.example.com/u/sample-token"`) {
		t.Errorf("footer missing: %s", m.HTML)
	}
	if _, err := s.Render(emailVariant("S", "b/c.html"), "email", "ru", nil, SampleData(fixedNow)); err != nil {
		t.Errorf("a partial from a subdirectory file: %v", err)
	}
	if _, err := s.Resolve("_footer.html", ""); err == nil {
		t.Error("a partial resolved as a message")
	}
}

func TestRenderErrorsSayWhatIsWrong(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{"a.html": "<p>{{.Customer.Nope}}</p>", "ok.html": "<p>ok</p>"})
	d := SampleData(fixedNow)
	tests := []struct {
		name string
		v    *config.Variant
		ch   string
		want string
	}{
		{"unknown channel", emailVariant("S", "ok.html"), "fax", "unknown channel"},
		{"no email", &config.Variant{ID: "v"}, "email", "no email"},
		{"no sms", emailVariant("S", "ok.html"), "sms", "no sms"},
		{"missing file", emailVariant("S", "nope.html"), "email", "not found"},
		{"path outside the root", emailVariant("S", "../etc/passwd.html"), "email", "relative"},
		{"no subject anywhere", emailVariant("", "ok.html"), "email", "no subject"},
		{"broken inline subject", emailVariant("{{.X", "ok.html"), "email", "email subject:1:"},
		{"unknown field", emailVariant("S", "a.html"), "email", "a.html:1:14: at <.Customer.Nope>: can't evaluate field Nope"},
	}
	for _, tt := range tests {
		_, err := s.Render(tt.v, tt.ch, "en", nil, d)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := s.Render(emailVariant("S", "nope.html"), "email", "en", nil, d); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: %v is not ErrNotFound", err)
	}
}

func TestConcurrentRendersKeepTheirOwnLocaleAndCustomer(t *testing.T) {
	t.Parallel()
	s := loadSet(t, map[string]string{
		"a.html": `<p>{{.Customer.FirstName}} {{trait "n"}} {{money 1234.5 "EUR"}} {{date .Now "long"}}</p>`,
	})
	locales := map[string]string{"en": "€1,234.50 March 5, 2026", "de": "1.234,50\u00a0€ 5. März 2026", "ru": "1\u00a0234,50\u00a0€ 5 марта 2026 г."}
	var wg sync.WaitGroup
	for i := range 64 {
		for locale, want := range locales {
			wg.Go(func() {
				d := SampleData(fixedNow)
				name := fmt.Sprintf("c%d%s", i, locale)
				d.Customer.FirstName = name
				d.Customer.Traits = map[string]any{"n": name}
				m, err := s.Render(emailVariant("{{.Customer.FirstName}}", "a.html"), "email", locale, nil, d)
				if err != nil {
					t.Error(err)
					return
				}
				if w := name + " " + name + " " + want; m.Text != w || m.Subject != name {
					t.Errorf("got %q / %q, want %q / %q", m.Text, m.Subject, w, name)
				}
			})
		}
	}
	wg.Wait()
}
