package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/refit"
)

// openModels wires the customer-base models: the cache of the published model that fills
// predictions for the deliverer, the ingester and the API; the refitter behind the
// "rapport:refit" task and `rapport predict fit`; and the scheduler role's trigger of the
// refit at every occurrence of config predict.refit, read in the default time zone.
func (a *app) openModels() error {
	mo, err := analytics.ModelOptionsOf(a.cfg.Predict)
	if err != nil {
		return err
	}
	sched, err := config.ParseCron(a.cfg.Predict.Refit)
	if err != nil {
		return fmt.Errorf("predict.refit: %w", err)
	}
	a.models = analytics.NewModels(a.rdb, analytics.ModelsOptions{})
	a.refitter = &analytics.Refitter{Customers: a.store, Models: a.models, Options: analytics.RefitOptions{ModelOptions: mo}, Log: a.log}
	a.refits = &refit.Schedule{Cron: sched, Location: a.cfg.Location(), Enqueue: a.client, Models: a.models, Log: a.log}
	return nil
}

// predictedCustomers is the API's customer store with the models next to it, so that GET
// /v1/customers/{id} shows predictions (api.Predictor).
type predictedCustomers struct {
	*customers.Store
	models *analytics.Models
}

// Predict implements api.Predictor.
func (p predictedCustomers) Predict(ctx context.Context, prof *customers.Profile, now time.Time) (*decide.Predictions, error) {
	return p.models.Predict(ctx, prof, now)
}
