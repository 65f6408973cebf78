package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console/chart"
)

// pageNames are the templates/*.html that are pages; layout.html wraps each of them.
var pageNames = []string{"login", "error", "campaigns", "campaign", "customer", "loyalty", "calendar", "preview"}

// page is what layout.html sees.
type page struct {
	Title string
	// Nav is the section highlighted in the menu.
	Nav string
	// User is nil on the login and error pages of a visitor.
	User *config.ConsoleUser
	CSRF string
	// Refresh, when set, lets console.js reload the page every that many seconds.
	Refresh int
	Data    any
}

var funcs = template.FuncMap{
	"num": chart.Number,
	"int": func(n any) string {
		switch v := n.(type) {
		case int:
			return chart.Int(int64(v))
		case int64:
			return chart.Int(v)
		}
		return fmt.Sprint(n)
	},
	"pct": func(v float64) string { return chart.Number(100*v) + "%" },
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02")
	},
	"join": strings.Join,
	// switchArgs is what the pause switch's form needs (campaigns.html's "switch").
	"switchArgs": func(id, state, csrf, next string) map[string]string {
		return map[string]string{"ID": id, "State": state, "CSRF": csrf, "Next": next}
	},
}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render writes a page of a logged-in user (s may be the zero session on visitor pages).
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, s session, p page) {
	if s.User.Name != "" {
		u := s.User
		p.User = &u
		p.CSRF = h.keys.csrf("session", s.Nonce)
	}
	var buf bytes.Buffer
	if err := h.pages[name].Execute(&buf, p); err != nil {
		h.cfg.Log.Error("console: render", zap.String("page", name), zap.String("path", r.URL.Path), zap.Error(err))
		http.Error(w, "the page could not be drawn; see the logs", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail answers with the error page.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s, _ := h.session(r)
	h.render(w, r, status, "error", s, page{Title: http.StatusText(status), Data: msg})
}

// unavailable logs a failed read and answers 503.
func (h *handler) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.cfg.Log.Error("console: "+what, zap.String("path", r.URL.Path), zap.Error(err))
	h.fail(w, r, http.StatusServiceUnavailable, "Could not read "+what+"; try again in a moment.")
}

// clearPII tells whether the user may see addresses and phone numbers in clear: editors
// always, viewers only with console.show_pii.
func (h *handler) clearPII(s session) bool {
	return s.User.Role == config.RoleEditor || h.cfg.Settings.Console.ShowPII
}

// email and phone show a contact in clear or masked as channels does in logs.
func (h *handler) email(s session, addr string) string {
	if addr == "" || h.clearPII(s) {
		return addr
	}
	return channels.MaskEmail(addr)
}

func (h *handler) phone(s session, number string) string {
	if number == "" || h.clearPII(s) {
		return number
	}
	return channels.MaskPhone(number)
}
