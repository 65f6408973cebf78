package api

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/links"
)

// Predictor computes a customer's predictions from the fitted models (analytics.Models). When the
// Server's Customers also implements it, GET /v1/customers/{id} shows them; otherwise, and
// while no model has been fitted, "predictions" is null.
type Predictor interface {
	Predict(ctx context.Context, p *customers.Profile, now time.Time) (*decide.Predictions, error)
}

// customerView is the JSON of GET /v1/customers/{id}.
type customerView struct {
	ID       string         `json:"id"`
	Traits   map[string]any `json:"traits"`
	Email    string         `json:"email,omitempty"`
	Phone    string         `json:"phone,omitempty"`
	Timezone string         `json:"timezone,omitempty"`
	Locale   string         `json:"locale,omitempty"`
	Country  string         `json:"country,omitempty"`
	Consent  decide.Consent `json:"consent"`
	// Summary's money is in summary.currency, the reporting currency (config currency.base):
	// revenue counts the orders that convert into it, by_currency the totals as ordered,
	// unconverted those of currencies without a rate, never added in.
	Summary       decide.Summary       `json:"summary"`
	Predictions   *decide.Predictions  `json:"predictions"`
	Undeliverable map[string]string    `json:"undeliverable,omitempty"`
	Unsubscribed  map[string]time.Time `json:"unsubscribed,omitempty"`
	RecentSends   []decide.Send        `json:"recent_sends"`
	UpdatedAt     time.Time            `json:"updated_at,omitzero"`
}

func (s *Server) handleGetCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p, err := s.Customers.Get(r.Context(), id)
	if errors.Is(err, customers.ErrNotFound) {
		writeError(w, http.StatusNotFound, "id", "no customer with this id")
		return
	}
	if err != nil {
		s.Log.Error("get customer", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not read the customer; retry")
		return
	}
	if pr, ok := s.Customers.(Predictor); ok {
		if p.Customer.Predicted, err = pr.Predict(r.Context(), p, s.Now()); err != nil {
			s.Log.Error("predict customer", zap.Error(err))
			writeError(w, http.StatusServiceUnavailable, "", "could not read the customer's predictions; retry")
			return
		}
	}
	writeJSON(w, http.StatusOK, viewOf(p))
}

// viewOf is the JSON view of a profile.
func viewOf(p *customers.Profile) customerView {
	c := p.Customer
	sends := c.Sends
	if sends == nil {
		sends = []decide.Send{}
	}
	return customerView{
		ID: c.ID, Traits: c.Traits, Email: c.Email, Phone: c.Phone, Timezone: c.Timezone, Locale: c.Locale,
		Country: c.Country, Consent: c.Consent, Summary: c.Summary, Predictions: c.Predicted,
		Undeliverable: c.Undeliverable, Unsubscribed: c.Unsubscribed, RecentSends: sends, UpdatedAt: p.UpdatedAt,
	}
}

func (s *Server) handleDeleteCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	found, err := s.Customers.Delete(r.Context(), id)
	if err != nil {
		s.Log.Error("delete customer", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not erase the customer; retry")
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, "id", "no customer with this id")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": id})
}

var unsubscribePage = template.Must(template.New("u").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Unsubscribe</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
{{if .Done}}<p>You will not receive these messages any more.</p>
{{else}}<p>Stop receiving {{.Channel}} messages from us?</p>
<form method="post"><button type="submit">Unsubscribe</button></form>{{end}}
</body></html>`))

// handleUnsubscribePage shows a confirmation form: a GET must not unsubscribe, because mail
// scanners follow links.
func (s *Server) handleUnsubscribePage(w http.ResponseWriter, r *http.Request) {
	tok, err := s.Links.Verify(r.PathValue("token"), links.PurposeUnsubscribe)
	if err != nil {
		http.Error(w, "This unsubscribe link is not valid.", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = unsubscribePage.Execute(w, map[string]any{"Channel": tok.Channel, "Done": false})
}

// handleUnsubscribe is both the form's target and RFC 8058 one-click unsubscribe
// (List-Unsubscribe-Post: List-Unsubscribe=One-Click).
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	tok, err := s.Links.Verify(r.PathValue("token"), links.PurposeUnsubscribe)
	if err != nil {
		writeError(w, http.StatusBadRequest, "token", "invalid unsubscribe token")
		return
	}
	channel := tok.Channel
	if channel == "" {
		channel = "email"
	}
	if err := s.Customers.SetUnsubscribed(r.Context(), tok.Customer, channel, s.Now()); err != nil && !errors.Is(err, customers.ErrNotFound) {
		s.Log.Error("unsubscribe", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not record the unsubscribe; retry")
		return
	}
	if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" && r.FormValue("List-Unsubscribe") == "One-Click" {
		writeJSON(w, http.StatusOK, map[string]bool{"unsubscribed": true})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = unsubscribePage.Execute(w, map[string]any{"Channel": channel, "Done": true})
}
