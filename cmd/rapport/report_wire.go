package main

import (
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/results"
)

// resultsOf is the campaign counters of rapport.yaml: attribution (last or first touch) and
// revenue in the base currency when there is one.
func resultsOf(cfg *config.Config, rdb redis.UniversalClient) (*results.Store, error) {
	s, err := results.New(rdb, 0)
	if err != nil {
		return nil, err
	}
	return s.WithAttribution(results.Attribution{FirstTouch: cfg.FirstTouch(), Base: cfg.Currency.Base, Rates: cfg.Currency.Rates}), nil
}

// reports serves GET /v1/campaigns/{id}/report for the campaigns of the current catalog.
func (a *app) reports() *api.Reports {
	return &api.Reports{Store: a.results, Location: a.cfg.Location(),
		Known:    func(id string) bool { return a.catalog.Load().Set.Campaign(id) != nil },
		Campaign: func(id string) *config.Campaign { return a.catalog.Load().Set.Campaign(id) }}
}
