package api

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/links"
)

// ConsentChanger records consent changes with their source (customers.Store). When the
// Server's Customers implements it, unsubscribes, pauses, STOP and START go through it and
// are kept in the customer's consent history; otherwise the unsubscribe page falls back to
// SetUnsubscribed and pauses are refused.
type ConsentChanger interface {
	ChangeConsent(ctx context.Context, id string, c customers.ConsentChange) (bool, error)
}

// pauseFor is the length of the page's "pause" choice.
const pauseFor = 30 * 24 * time.Hour

// unsubscribePage works without JavaScript: a plain form that posts to its own URL, whose
// signed token is the capability (nothing else to steal, so no CSRF token is needed; a
// forged cross-site post can only do what the link's holder could). Addresses are masked:
// the link may be forwarded.
var unsubscribePage = template.Must(template.New("u").Parse(`<!doctype html>
<html lang="{{.T.Lang}}" dir="{{.T.Dir}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><title>{{.T.Title}}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em">
<h1 style="font-size:1.3em">{{.T.Title}}</h1>
{{if .Invalid}}<p>{{.T.Invalid}}</p>
{{else if .Until}}<p>{{.T.Paused}} {{.Until}}</p>
{{else if .Done}}<p>{{.T.Done}}</p>
{{else}}<form method="post">
<p>{{.T.Intro}}</p>
{{range .Choices}}<p><label><input type="checkbox" name="channel" value="{{.Channel}}"{{if .Checked}} checked{{end}}> {{.Label}} <bdi dir="ltr">{{.Address}}</bdi></label></p>
{{end}}<p><button type="submit" name="action" value="unsubscribe">{{.T.Unsubscribe}}</button>
<button type="submit" name="action" value="pause">{{.T.Pause}}</button></p>
</form>{{end}}
</body></html>`))

type pageChoice struct {
	Channel, Label, Address string
	Checked                 bool
}

type pageData struct {
	T       *pageText
	Choices []pageChoice
	Done    bool
	Invalid bool
	Until   string
}

// handleUnsubscribePage shows the preferences form: a GET must not unsubscribe, because mail
// scanners follow links.
func (s *Server) handleUnsubscribePage(w http.ResponseWriter, r *http.Request) {
	tok, err := s.Links.Verify(r.PathValue("token"), links.PurposeUnsubscribe)
	if err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{T: textFor(""), Invalid: true})
		return
	}
	channel := tokenChannel(tok)
	p, err := s.Customers.Get(r.Context(), tok.Customer)
	if err != nil && !errors.Is(err, customers.ErrNotFound) {
		s.Log.Error("unsubscribe page", zap.Error(err))
		http.Error(w, "Please try again in a moment.", http.StatusServiceUnavailable)
		return
	}
	d := pageData{T: textFor("")}
	if p == nil {
		// An erased customer: offer the link's channel, with nothing to show of the address.
		d.Choices = []pageChoice{{Channel: channel, Label: d.T.Email, Checked: true}}
		if channel == "sms" {
			d.Choices[0].Label = d.T.SMS
		}
	} else {
		d.T = textFor(p.Locale)
		if p.Email != "" || channel == "email" {
			d.Choices = append(d.Choices, pageChoice{Channel: "email", Label: d.T.Email, Address: maskedOrEmpty(p.Email, channels.MaskEmail), Checked: channel == "email"})
		}
		if p.Phone != "" || channel == "sms" {
			d.Choices = append(d.Choices, pageChoice{Channel: "sms", Label: d.T.SMS, Address: maskedOrEmpty(p.Phone, channels.MaskPhone), Checked: channel == "sms"})
		}
	}
	s.renderPage(w, http.StatusOK, d)
}

func maskedOrEmpty(addr string, mask func(string) string) string {
	if addr == "" {
		return ""
	}
	return mask(addr)
}

func (s *Server) renderPage(w http.ResponseWriter, code int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = unsubscribePage.Execute(w, d)
}

// tokenChannel is the channel an unsubscribe link was sent on; email for links without one.
func tokenChannel(tok links.Token) string {
	if tok.Channel == "" {
		return "email"
	}
	return tok.Channel
}

// handleUnsubscribe is both the form's target and RFC 8058 one-click unsubscribe
// (List-Unsubscribe-Post: List-Unsubscribe=One-Click). The form's channels are only email and
// sms; a post without any (a bare POST, the old form) unsubscribes the link's channel.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	tok, err := s.Links.Verify(r.PathValue("token"), links.PurposeUnsubscribe)
	if err != nil {
		writeError(w, http.StatusBadRequest, "token", "invalid unsubscribe token")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "", "unreadable form")
		return
	}
	oneClick := r.PostFormValue("List-Unsubscribe") == "One-Click"
	var chosen []string
	for _, ch := range r.PostForm["channel"] {
		if (ch == "email" || ch == "sms") && !slices.Contains(chosen, ch) {
			chosen = append(chosen, ch)
		}
	}
	if oneClick || len(chosen) == 0 {
		chosen = []string{tokenChannel(tok)}
	}
	now := s.Now()
	change := customers.ConsentChange{At: now, Action: customers.ConsentOptOut, Source: customers.SourcePage}
	if oneClick {
		change.Source = customers.SourceOneClick
	} else if r.PostFormValue("action") == "pause" {
		change.Action, change.Until = customers.ConsentPause, now.Add(pauseFor)
	}
	optedOut := false
	for _, ch := range chosen {
		change.Channel = ch
		changed, err := s.changeConsent(r.Context(), tok.Customer, change)
		if err != nil {
			s.Log.Error("unsubscribe", zap.String("customer", tok.Customer), zap.Error(err))
			writeError(w, http.StatusServiceUnavailable, "", "could not record the unsubscribe; retry")
			return
		}
		optedOut = optedOut || (changed && change.Action == customers.ConsentOptOut)
	}
	if optedOut {
		// One unsubscribe of the message the link came from, however many channels it chose.
		s.countUnsubscribe(r.Context(), tok.Customer, tok.Campaign, tokenChannel(tok))
	}
	if oneClick {
		writeJSON(w, http.StatusOK, map[string]bool{"unsubscribed": true})
		return
	}
	d := pageData{T: textFor(""), Done: true}
	if p, err := s.Customers.Get(r.Context(), tok.Customer); err == nil {
		d.T = textFor(p.Locale)
	}
	if change.Action == customers.ConsentPause {
		d.Until = change.Until.UTC().Format(time.DateOnly)
	}
	s.renderPage(w, http.StatusOK, d)
}

// changeConsent applies a consent change and reports whether it changed anything (always
// true on a store that keeps no consent history); an erased customer has nothing left to
// change.
func (s *Server) changeConsent(ctx context.Context, id string, c customers.ConsentChange) (bool, error) {
	var err error
	changed := true
	if cc, ok := s.Customers.(ConsentChanger); ok {
		changed, err = cc.ChangeConsent(ctx, id, c)
	} else if c.Action == customers.ConsentOptOut {
		err = s.Customers.SetUnsubscribed(ctx, id, c.Channel, c.At)
	} else {
		err = errors.New("pauses need a store that records consent changes")
	}
	if errors.Is(err, customers.ErrNotFound) {
		return false, nil
	}
	return changed && err == nil, err
}
