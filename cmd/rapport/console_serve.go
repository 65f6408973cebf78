package main

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/jobs/schedule"
)

// withConsole mounts the marketers' console at /console/ next to the API on the api role's
// listener. A console that cannot start (no secret to sign its sessions) is left out with an
// error in the log rather than taking the API down with it.
//
// The console's schedule.Describer lives as long as the app (this handler): it keeps the
// holiday calendar that most of describing a holiday campaign costs. Its lint warnings use
// the traits `rapport lint` knows: rapport.yaml's and the customers CSVs' columns.
func (a *app) withConsole(apiHandler http.Handler) http.Handler {
	cc := console.Config{
		Settings: a.cfg, Catalog: a.catalog, Log: a.log,
		Customers: a.store, Predictor: a.models, Outcomes: a.claims, Base: a.store, Models: a.models,
		Pauser: a.states, Rewards: a.ledger, Runs: &schedule.Runs{RDB: a.rdb, Catalog: a.catalog},
		Describer: schedule.NewDescriber(), Deliverer: a.deliverer, Audience: a.store,
	}
	if a.results != nil { // a nil *results.Store in the interface would not read as nil
		cc.Results = a.results
	}
	if a.cfg.File != "" {
		cc.Traits = csvTraits(a.cfg.Dir("customers"))
	}
	h, err := console.Handler(cc)
	if err != nil {
		a.log.Error("console not served", zap.Error(err))
		return apiHandler
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", h)
	mux.Handle("/", apiHandler)
	return mux
}
