package api

import (
	"crypto/sha256"
	"net/http"
)

// RequireKey serves h only to requests that carry one of keys, as /v1/* requires them
// (Bearer or HTTP Basic); the admin listener puts the task console (asynqmon) behind it,
// since its pages show task payloads (customer ids, event properties).
func RequireKey(keys []string, h http.Handler) http.Handler {
	s := &Server{}
	for _, k := range keys {
		if k != "" {
			s.keyHashes = append(s.keyHashes, sha256.Sum256([]byte(k)))
		}
	}
	return s.auth(h.ServeHTTP)
}
