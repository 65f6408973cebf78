package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/rewards"
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
	PausedUntil   map[string]time.Time `json:"paused_until,omitempty"`
	// ConsentHistory is the latest consent changes with their source, newest first.
	ConsentHistory []customers.ConsentChange `json:"consent_history"`
	RecentSends    []decide.Send             `json:"recent_sends"`
	// Engagement is per channel (opens and clicks of people, not of proxies and scanners).
	Engagement map[string]engagementView `json:"engagement,omitempty"`
	UpdatedAt  time.Time                 `json:"updated_at,omitzero"`
	// Points (balance and latest entries) and Coupons (granted, redeemed or not, newest
	// first) are what the customer holds; null when the server keeps no reward ledger.
	Points  *rewards.Points      `json:"points"`
	Coupons []rewards.HeldCoupon `json:"coupons"`
}

// Wallets reads what a customer holds (rewards.Ledger). When the Server's Coupons also
// implements it, GET /v1/customers/{id} shows the customer's points and coupons.
type Wallets interface {
	Wallet(ctx context.Context, customer string) (rewards.Wallet, error)
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
	v := viewOf(p)
	if wl, ok := s.Coupons.(Wallets); ok {
		held, err := wl.Wallet(r.Context(), id)
		if err != nil {
			s.Log.Error("read customer's wallet", zap.Error(err))
			writeError(w, http.StatusServiceUnavailable, "", "could not read the customer's points and coupons; retry")
			return
		}
		v.Points, v.Coupons = &held.Points, held.Coupons
	}
	writeJSON(w, http.StatusOK, v)
}

// viewOf is the JSON view of a profile.
func viewOf(p *customers.Profile) customerView {
	c := p.Customer
	sends := c.Sends
	if sends == nil {
		sends = []decide.Send{}
	}
	history := p.ConsentHistory
	if history == nil {
		history = []customers.ConsentChange{}
	}
	return customerView{
		ID: c.ID, Traits: c.Traits, Email: c.Email, Phone: c.Phone, Timezone: c.Timezone, Locale: c.Locale,
		Country: c.Country, Consent: c.Consent, Summary: c.Summary, Predictions: c.Predicted,
		Undeliverable: c.Undeliverable, Unsubscribed: c.Unsubscribed, RecentSends: sends, UpdatedAt: p.UpdatedAt,
		Engagement:  engagementViews(c.Engagement),
		PausedUntil: c.PausedUntil, ConsentHistory: history,
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
