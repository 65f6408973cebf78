package main

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/console"
)

// withConsole mounts the marketers' console at /console/ next to the API on the api role's
// listener. A console that cannot start (no secret to sign its sessions) is left out with an
// error in the log rather than taking the API down with it.
func (a *app) withConsole(apiHandler http.Handler) http.Handler {
	h, err := console.Handler(console.Config{
		Settings: a.cfg, Catalog: a.catalog, Log: a.log,
		Customers: a.store, Predictor: a.models, Outcomes: a.claims, Base: a.store, Models: a.models,
		Deliverer: a.deliverer, Audience: a.store,
	})
	if err != nil {
		a.log.Error("console not served", zap.Error(err))
		return apiHandler
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", h)
	mux.Handle("/", apiHandler)
	return mux
}
