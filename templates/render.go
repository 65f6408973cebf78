package templates

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rapporthq/rapport/config"
)

// Message is a rendered message: Subject, HTML and Text for email, SMS for SMS.
type Message struct {
	Subject string
	HTML    string
	Text    string
	SMS     string
}

// Channels a variant can be rendered for.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Inline templates are named after what they are, so that their errors read
// "email subject:1:12: ..." after the campaign's file:line:col.
const (
	inlineSubject = "email subject"
	inlineSMS     = "sms text"
)

// Render renders one variant for one channel in one locale, with dates and times in loc (UTC
// when nil).
//
// For "email", the subject is the subject block of the file serving the locale when it
// defines one, else the inline EmailContent.Subject; the HTML body is the file
// EmailContent.HTML looked up by locale; the text body is the file EmailContent.Text when
// given, else generated from the HTML by HTMLToText. An email may also have only a text file.
//
// For "sms", the text is the file SMSContent.File looked up by locale, or else the sms block
// of the variant's localised email file when it defines one, or else the inline
// SMSContent.Text.
func (s *Set) Render(v *config.Variant, channel, locale string, loc *time.Location, d *Data) (*Message, error) {
	if v == nil {
		return nil, errors.New("render: no variant")
	}
	if d == nil {
		d = &Data{}
	}
	if loc == nil {
		loc = time.UTC
	}
	ctx := &renderCtx{lang: newLang(locale), loc: loc, traits: d.Customer.Traits}
	var (
		m   *Message
		err error
	)
	switch channel {
	case ChannelEmail:
		m, err = s.renderEmail(v.Email, locale, ctx, d)
	case ChannelSMS:
		m, err = s.renderSMS(v, locale, ctx, d)
	default:
		err = fmt.Errorf("unknown channel %q (want email or sms)", channel)
	}
	if err != nil {
		return nil, fmt.Errorf("render variant %s %s in locale %q: %w", v.ID, channel, locale, err)
	}
	return m, nil
}

func (s *Set) renderEmail(e *config.EmailContent, locale string, ctx *renderCtx, d *Data) (*Message, error) {
	if e == nil {
		return nil, errors.New("the variant has no email")
	}
	if e.HTML == "" && e.Text == "" {
		return nil, errors.New("the email names neither an html nor a text file")
	}
	var htmlFile, textFile *file
	var err error
	if e.HTML != "" {
		if htmlFile, err = s.lookupKind(e.HTML, locale, kindHTML); err != nil {
			return nil, fmt.Errorf("html: %w", err)
		}
	}
	if e.Text != "" {
		if textFile, err = s.lookupKind(e.Text, locale, kindText); err != nil {
			return nil, fmt.Errorf("text: %w", err)
		}
	}
	m := &Message{}
	if m.Subject, err = s.subject(e.Subject, htmlFile, textFile, ctx, d); err != nil {
		return nil, err
	}
	if htmlFile != nil {
		if m.HTML, err = htmlFile.tmpl.execHTML(ctx, d); err != nil {
			return nil, err
		}
	}
	if textFile != nil {
		if m.Text, err = textFile.tmpl.execText(ctx, "", d); err != nil {
			return nil, err
		}
		m.Text = strings.TrimSpace(m.Text)
	} else {
		m.Text = HTMLToText(m.HTML)
	}
	return m, nil
}

// subject renders the subject block of the localised HTML file, else of the text file, else
// the inline subject, folded onto one line: a header cannot hold a line break.
func (s *Set) subject(inline string, htmlFile, textFile *file, ctx *renderCtx, d *Data) (string, error) {
	var (
		c     *compiled
		block string
		err   error
	)
	switch {
	case htmlFile != nil && htmlFile.tmpl.blocks["subject"]:
		c, block = htmlFile.tmpl, "subject"
	case textFile != nil && textFile.tmpl.blocks["subject"]:
		c, block = textFile.tmpl, "subject"
	case inline != "":
		if c, err = s.inlineTemplate(inlineSubject, inline); err != nil {
			return "", err
		}
	default:
		return "", errors.New("no subject: set email.subject, or define a \"subject\" block in the template file")
	}
	buf := getBuffer()
	defer putBuffer(buf)
	b, err := c.execTextTo(buf, ctx, block, d)
	if err != nil {
		return "", err
	}
	if b = foldSpace(b); len(b) == 0 {
		return "", errors.New("the subject renders empty")
	}
	return string(b), nil
}

// foldSpace joins the words of b with single spaces, in place, as
// strings.Join(strings.Fields(string(b)), " ") does, without a slice of words and a second
// string for every subject.
func foldSpace(b []byte) []byte {
	w := 0
	word := false // inside a word
	for r := 0; r < len(b); {
		c, n := rune(b[r]), 1
		if c >= utf8.RuneSelf {
			c, n = utf8.DecodeRune(b[r:])
		}
		if unicode.IsSpace(c) {
			word = false
			r += n
			continue
		}
		if !word && w > 0 {
			b[w] = ' '
			w++
		}
		word = true
		w += copy(b[w:], b[r:r+n])
		r += n
	}
	return b[:w]
}

func (s *Set) renderSMS(v *config.Variant, locale string, ctx *renderCtx, d *Data) (*Message, error) {
	c := v.SMS
	if c == nil {
		return nil, errors.New("the variant has no sms")
	}
	var out string
	var err error
	switch {
	case c.File != "":
		var f *file
		if f, err = s.lookupKind(c.File, locale, kindText); err != nil {
			return nil, err
		}
		out, err = f.tmpl.execText(ctx, "", d)
	case c.Text != "":
		if f := s.smsBlockFile(v, locale); f != nil {
			out, err = f.tmpl.execText(ctx, "sms", d)
			break
		}
		var t *compiled
		if t, err = s.inlineTemplate(inlineSMS, c.Text); err == nil {
			out, err = t.execText(ctx, "", d)
		}
	default:
		return nil, errors.New("the sms has neither text nor file")
	}
	if err != nil {
		return nil, err
	}
	out = strings.TrimSpace(out)
	if out == "" {
		return nil, errors.New("the sms renders empty")
	}
	return &Message{SMS: out}, nil
}

// smsBlockFile returns the variant's email file serving locale when it defines an sms block,
// which is how an inline SMS text gets translated.
func (s *Set) smsBlockFile(v *config.Variant, locale string) *file {
	if v.Email == nil {
		return nil
	}
	for _, ref := range []string{v.Email.HTML, v.Email.Text} {
		if ref == "" {
			continue
		}
		if f, err := s.lookup(ref, locale); err == nil && f.tmpl.blocks["sms"] {
			return f
		}
	}
	return nil
}

// lookupKind is lookup that also checks the engine: an SMS must not be an HTML file.
func (s *Set) lookupKind(ref, locale string, k kind) (*file, error) {
	f, err := s.lookup(ref, locale)
	if err != nil {
		return nil, err
	}
	if f.kind != k {
		return nil, fmt.Errorf("%s is an %s template where a %s one is needed (%s)", f.rel, f.kind, k, extensions(k))
	}
	return f, nil
}

func extensions(k kind) string {
	if k == kindHTML {
		return ".html or .htm"
	}
	return ".txt, .text or .sms"
}

// inlineKey is a key of Set.inline.
type inlineKey struct{ name, text string }

// inlineEntry is a cached parse of an inline text, successful or not.
type inlineEntry struct {
	c   *compiled
	err error
}

// inlineTemplate parses an inline campaign text once and caches it.
func (s *Set) inlineTemplate(name, text string) (*compiled, error) {
	key := inlineKey{name, text}
	if e, ok := s.inline.Load(key); ok {
		e := e.(*inlineEntry)
		return e.c, e.err
	}
	c, err := compileInline(name, text)
	e, _ := s.inline.LoadOrStore(key, &inlineEntry{c: c, err: err})
	ie := e.(*inlineEntry)
	return ie.c, ie.err
}
