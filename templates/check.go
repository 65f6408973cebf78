package templates

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Check verifies what campaigns ask of the templates, for rapport lint: every inline subject
// and SMS text parses; every file a variant names exists for the default locale and is of the
// right kind; and every variant renders, on every channel it has, in the default locale and
// in every locale one of its files is translated into. It renders twice per locale: with
// sample (SampleData when nil), and with a sparse customer (no name, traits, purchases or
// predictions, and no reward unless the campaign always gives one), because a template that
// only works for the sample fails on the first real customer without a fitted model.
//
// Every problem is returned, each as an *Error at the campaign file:line:col of the variant
// or its email/sms content, with the template's own file:line[:col] in the message.
func (s *Set) Check(campaigns []*config.Campaign, sample *Data) []error {
	if sample == nil {
		sample = SampleData(time.Now())
	}
	loc := time.UTC
	if l, err := time.LoadLocation(sample.Customer.Timezone); err == nil && sample.Customer.Timezone != "" {
		loc = l
	}
	var errs []error
	for _, c := range campaigns {
		if c == nil {
			continue
		}
		full := *sample
		full.Campaign = CampaignData{ID: c.ID, Name: c.Name}
		if !c.Triggered() {
			full.Event = nil // scheduled campaigns have no event
		}
		sparse := full.sparse(alwaysRewards(c))
		for i := range c.Variants {
			v := &c.Variants[i]
			at := func(p config.Pos) func(string, ...any) {
				return func(format string, args ...any) {
					errs = append(errs, checkError(c, v, p, format, args...))
				}
			}
			ok := true
			if v.Email != nil {
				ok = s.checkEmail(v.Email, at(orPos(v.Email.Pos, v.Pos))) && ok
			}
			if v.SMS != nil {
				ok = s.checkSMS(v.SMS, at(orPos(v.SMS.Pos, v.Pos))) && ok
			}
			if !ok {
				continue // rendering would only repeat what is already reported
			}
			for _, ch := range variantChannels(v) {
				for _, locale := range s.checkLocales(v, ch) {
					name := ch
					if locale != "" {
						name += " (locale " + locale + ")"
					}
					report := at(channelPos(v, ch))
					if _, err := s.Render(v, ch, locale, loc, &full); err != nil {
						report("%s: %s", name, unwrapRender(err))
						continue
					}
					if _, err := s.Render(v, ch, locale, loc, sparse); err != nil {
						report("%s fails for a customer without name, traits, purchases, predictions or reward "+
							"(guard optional data with {{with}}): %s", name, unwrapRender(err))
					}
				}
			}
		}
	}
	return errs
}

// checkEmail checks the parts of an email that do not depend on the data; it reports whether
// the email can be rendered at all.
func (s *Set) checkEmail(e *config.EmailContent, report func(string, ...any)) bool {
	ok := true
	if e.Subject != "" {
		if _, err := s.inlineTemplate(inlineSubject, e.Subject); err != nil {
			report("%s", err)
			ok = false
		}
	}
	if e.HTML == "" && e.Text == "" {
		report("email: name an html or a text template file")
		return false
	}
	var defs []*file
	for _, r := range []struct {
		ref string
		k   kind
	}{{e.HTML, kindHTML}, {e.Text, kindText}} {
		if r.ref == "" {
			continue
		}
		f, err := s.defaultFile(r.ref, r.k)
		if err != nil {
			report("email: %s", err)
			ok = false
			continue
		}
		defs = append(defs, f)
	}
	if ok && e.Subject == "" && !slices.ContainsFunc(defs, func(f *file) bool { return f.tmpl.blocks["subject"] }) {
		report("email: no subject: set subject, or define a \"subject\" block in %s", strings.Join(refs(defs), " or "))
		ok = false
	}
	return ok
}

func (s *Set) checkSMS(c *config.SMSContent, report func(string, ...any)) bool {
	switch {
	case c.File != "" && c.Text != "":
		report("sms: set text or file, not both")
		return false
	case c.File != "":
		if _, err := s.defaultFile(c.File, kindText); err != nil {
			report("sms: %s", err)
			return false
		}
	case c.Text != "":
		if _, err := s.inlineTemplate(inlineSMS, c.Text); err != nil {
			report("%s", err)
			return false
		}
	default:
		report("sms: set text or file")
		return false
	}
	return true
}

// defaultFile finds the untranslated file a campaign names: it is what every locale without a
// translation gets, so it must exist.
func (s *Set) defaultFile(ref string, k kind) (*file, error) {
	f, err := s.lookupKind(ref, "", k)
	if err != nil {
		return nil, err
	}
	if c, _ := cleanRef(ref); !strings.EqualFold(f.rel, c) {
		return nil, fmt.Errorf("%s in %s: %w", ref, s.root, ErrNotFound)
	}
	return f, nil
}

// checkLocales lists "" (the default) and every locale a file that a channel of the variant
// may use is translated into, sorted. An inline SMS may come from the email files' sms blocks.
func (s *Set) checkLocales(v *config.Variant, ch string) []string {
	var refs []string
	if v.Email != nil && (ch == ChannelEmail || v.SMS != nil && v.SMS.File == "") {
		refs = append(refs, v.Email.HTML, v.Email.Text)
	}
	if ch == ChannelSMS && v.SMS != nil {
		refs = append(refs, v.SMS.File)
	}
	seen := map[string]bool{}
	out := []string{""}
	for _, r := range refs {
		c, err := cleanRef(r)
		if err != nil {
			continue
		}
		for _, l := range s.locales[strings.ToLower(c)] {
			if k := strings.ToLower(l); !seen[k] {
				seen[k] = true
				out = append(out, l)
			}
		}
	}
	slices.Sort(out[1:])
	return out
}

func variantChannels(v *config.Variant) []string {
	var chs []string
	if v.Email != nil {
		chs = append(chs, ChannelEmail)
	}
	if v.SMS != nil {
		chs = append(chs, ChannelSMS)
	}
	return chs
}

func channelPos(v *config.Variant, ch string) config.Pos {
	if ch == ChannelEmail && v.Email != nil {
		return orPos(v.Email.Pos, v.Pos)
	}
	if ch == ChannelSMS && v.SMS != nil {
		return orPos(v.SMS.Pos, v.Pos)
	}
	return v.Pos
}

func orPos(p, fallback config.Pos) config.Pos {
	if p.Line > 0 {
		return p
	}
	return fallback
}

// alwaysRewards reports whether a campaign gives every customer a reward: one of its rewards
// has no condition, no budget to run out of, and is a real reward.
func alwaysRewards(c *config.Campaign) bool {
	for _, r := range c.Rewards {
		if r.When == nil && r.Budget == nil && r.Kind != "none" {
			return true
		}
	}
	return false
}

func checkError(c *config.Campaign, v *config.Variant, p config.Pos, format string, args ...any) *Error {
	if p.Line == 0 {
		p = c.Pos
	}
	e := &Error{File: c.File, Line: p.Line, Col: p.Col, Msg: "variant " + v.ID + ": " + fmt.Sprintf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			e.Err = err
		}
	}
	return e
}

// unwrapRender drops the "render variant ..." prefix Render adds, which Check already says.
func unwrapRender(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func refs(fs []*file) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = path.Clean(f.rel)
	}
	return out
}
