package main

import (
	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
)

// apiKeys turns api_keys into the API server's keys, each with its scopes (a bare key has
// every scope). apiHandler hands them to api.Server.Keys.
func apiKeys(cfg *config.Config) []api.Key {
	keys := make([]api.Key, len(cfg.Keys))
	for i, k := range cfg.Keys {
		keys[i].Key = k.Key
		for _, s := range k.Scopes {
			keys[i].Scopes = append(keys[i].Scopes, api.Scope(s))
		}
	}
	return keys
}
