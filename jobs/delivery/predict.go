package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
)

// Predictor computes a customer's predictions from the published models
// (analytics.Models implements it). It returns nil predictions, and no error, when there is no
// fit or nothing to predict from; an error only when the models cannot be read (Redis), which
// is worth a retry.
type Predictor interface {
	Predict(ctx context.Context, prof *customers.Profile, now time.Time) (*decide.Predictions, error)
}

// FillPredictions sets prof.Customer.Predicted as p says at now; a nil p (predictions not
// wired) leaves the customer without predictions, as when there is no fit.
func FillPredictions(ctx context.Context, p Predictor, prof *customers.Profile, now time.Time) error {
	if p == nil || prof == nil {
		return nil
	}
	pred, err := p.Predict(ctx, prof, now)
	if err != nil {
		return fmt.Errorf("predictions for customer %s: %w", prof.ID, err)
	}
	prof.Customer.Predicted = pred
	return nil
}
