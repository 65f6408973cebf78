package api

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/rewards"
)

// Coupons checks coupon codes at a shop's checkout (rewards.Ledger).
type Coupons interface {
	Validate(ctx context.Context, o rewards.Order) (rewards.Check, error)
}

// validateRequest is the body of POST /v1/coupons/validate.
type validateRequest struct {
	Code   *string  `json:"code"`
	UserID *string  `json:"userId"`
	Total  *float64 `json:"total"`
	// Currency is the order's (ISO 4217); optional: an amount coupon in another currency is
	// refused when it is given.
	Currency string `json:"currency"`
}

// validateResponse answers it: valid, or the reason why not (unknown, not_yours, used,
// expired, below_minimum, currency); value is what the code takes off this order, in currency.
type validateResponse struct {
	Valid    bool    `json:"valid"`
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
	Reason   string  `json:"reason,omitempty"`
}

// handleValidateCoupon answers POST /v1/coupons/validate: whether a code may be used by this
// customer on an order of this total, changing nothing. The order that uses it (an Order
// Completed with properties.coupon) redeems it.
func (s *Server) handleValidateCoupon(w http.ResponseWriter, r *http.Request) {
	if s.Coupons == nil {
		writeError(w, http.StatusNotImplemented, "", "coupons are not available on this server")
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req validateRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "", "body must be a JSON object {\"code\", \"userId\", \"total\"[, \"currency\"]}: "+err.Error())
		return
	}
	switch {
	case req.Code == nil || strings.TrimSpace(*req.Code) == "":
		writeError(w, http.StatusBadRequest, "code", "required: the coupon code the customer entered")
		return
	case req.UserID == nil || *req.UserID == "":
		writeError(w, http.StatusBadRequest, "userId", "required: the customer presenting the code")
		return
	case req.Total == nil || *req.Total < 0 || math.IsInf(*req.Total, 0):
		writeError(w, http.StatusBadRequest, "total", "required: the order total, a number at least 0")
		return
	case len(*req.Code) > 64:
		writeError(w, http.StatusBadRequest, "code", "longer than any coupon code")
		return
	}
	c, err := s.Coupons.Validate(r.Context(), rewards.Order{Code: *req.Code, Customer: *req.UserID, Total: *req.Total,
		Currency: req.Currency, At: s.Now()})
	if err != nil {
		s.Log.Error("validate coupon", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not check the code; retry")
		return
	}
	writeJSON(w, http.StatusOK, validateResponse{Valid: c.Valid, Value: c.Value, Currency: c.Currency, Reason: c.Reason})
}
