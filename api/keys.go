package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Scope is what an API key may do. A key that only feeds events (the shop's or the CDP's)
// should not be able to read, export or erase customers or reload the configuration.
type Scope string

const (
	// ScopeIngest: POST /v1/identify, /v1/track, /v1/batch (and coupon validation).
	ScopeIngest Scope = "ingest"
	// ScopeRead: GET /v1/customers/{id}, GET /v1/campaigns/...
	ScopeRead Scope = "read"
	// ScopeAdmin: DELETE /v1/customers/{id}, export, POST /v1/admin/reload, and the
	// handlers of Server.Admin (monitoring).
	ScopeAdmin Scope = "admin"
)

// Scopes are every scope, in the order they are documented.
var Scopes = []Scope{ScopeIngest, ScopeRead, ScopeAdmin}

// scopeBit is a scope's bit in a key's mask.
func scopeBit(s Scope) int {
	for i, k := range Scopes {
		if k == s {
			return 1 << i
		}
	}
	return 0
}

// Key is an API key and what it may do; a key with no scopes may do nothing.
type Key struct {
	Key    string
	Scopes []Scope
}

// keyHash is a key as the server keeps it: its SHA-256 digest and its scopes as a mask.
type keyHash struct {
	sum    [32]byte
	scopes int
}

// hashKeys digests the configured keys: Server.APIKeys with every scope, then Server.Keys.
func (s *Server) hashKeys() []keyHash {
	var out []keyHash
	all := 1<<len(Scopes) - 1
	for _, k := range s.APIKeys {
		if k != "" {
			out = append(out, keyHash{sha256.Sum256([]byte(k)), all})
		}
	}
	for _, k := range s.Keys {
		if k.Key == "" {
			continue
		}
		h := keyHash{sum: sha256.Sum256([]byte(k.Key))}
		for _, sc := range k.Scopes {
			h.scopes |= scopeBit(sc)
		}
		out = append(out, h)
	}
	return out
}

// lookup returns the scopes of key and whether it is a configured key. Every configured key
// is compared, as a SHA-256 digest, in constant time, and the scopes are picked without a
// branch, so neither the content nor the length of a key, nor which key matched, leaks
// through timing.
func (s *Server) lookup(key string) (scopes int, ok bool) {
	h := sha256.Sum256([]byte(key))
	found := 0
	for _, k := range s.keys {
		eq := subtle.ConstantTimeCompare(h[:], k.sum[:])
		found |= eq
		scopes |= subtle.ConstantTimeSelect(eq, k.scopes, 0)
	}
	return scopes, found == 1
}

// auth accepts "Authorization: Bearer KEY" or HTTP Basic with the key as user name (as
// Segment sends it), and a key that has scope: 401 without a valid key, 403 naming the
// missing scope with one. Keys are never logged.
func (s *Server) auth(scope Scope, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := ""
		if user, _, ok := r.BasicAuth(); ok {
			key = user
		} else {
			key = bearerToken(r.Header.Get("Authorization"))
		}
		scopes, ok := s.lookup(key)
		if key == "" || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
			writeError(w, http.StatusUnauthorized, "", "missing or invalid API key")
			return
		}
		if scopes&scopeBit(scope) == 0 {
			writeJSON(w, http.StatusForbidden, map[string]string{
				"error": "this API key does not have the scope " + string(scope), "scope": string(scope)})
			return
		}
		next(w, r)
	}
}

// bearerToken returns the credentials of an "Authorization: Bearer KEY" header, "" for any
// other. The scheme is matched case-insensitively (RFC 9110 section 11.1): some HTTP clients
// and CDP destinations send "bearer", and Basic is already matched so by net/http.
func bearerToken(h string) string {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}
