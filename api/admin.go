package api

import "net/http"

// RequireKey serves h only to requests carrying a key with the admin scope, as /v1/*
// requires keys (Bearer or HTTP Basic): all are the bare keys (every scope), keys the scoped
// ones. The admin listener puts the task console (asynqmon) behind it, since its pages show
// task payloads (customer ids, event properties) and can act on tasks.
func RequireKey(all []string, keys []Key, h http.Handler) http.Handler {
	s := &Server{APIKeys: all, Keys: keys}
	s.keys = s.hashKeys()
	return s.auth(ScopeAdmin, h.ServeHTTP)
}
