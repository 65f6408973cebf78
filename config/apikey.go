package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Scopes an API key may have: ingest (identify, track, batch, coupon validation), read
// (GET customers and campaigns), admin (erase and export customers, reload, monitoring).
const (
	ScopeIngest = "ingest"
	ScopeRead   = "read"
	ScopeAdmin  = "admin"
)

// AllScopes are every scope, the scopes of a bare key.
var AllScopes = []string{ScopeIngest, ScopeRead, ScopeAdmin}

// APIKey is one entry of api_keys: a bare key ("k1"), which may do everything, or
// {key: k1, scopes: [ingest]}, which may do only what its scopes name.
type APIKey struct {
	Key    string   `yaml:"key"`
	Scopes []string `yaml:"scopes"`
}

// UnmarshalYAMLScalar reads a bare key: every scope, as api_keys meant before scopes.
func (k *APIKey) UnmarshalYAMLScalar(n ast.Node) error {
	*k = bareKey(scalar(n))
	return nil
}

func bareKey(key string) APIKey { return APIKey{Key: key, Scopes: slices.Clone(AllScopes)} }

// AllScoped reports whether the key has every scope.
func (k APIKey) AllScoped() bool {
	for _, s := range AllScopes {
		if !slices.Contains(k.Scopes, s) {
			return false
		}
	}
	return true
}

// validateKeys checks api_keys; errors never quote a key, since they end up in logs.
func (k *configChecker) validateKeys(keys []APIKey) {
	seen := map[string]int{}
	for i, key := range keys {
		field := fmt.Sprintf("api_keys[%d]", i)
		if strings.TrimSpace(key.Key) == "" {
			k.errorf(field, "empty API key")
			continue
		}
		if j, dup := seen[key.Key]; dup {
			k.errorf(field, "the same key as api_keys[%d]", j)
		}
		seen[key.Key] = i
		if len(key.Scopes) == 0 {
			k.errorf(field+".scopes", "required: one or more of %s", strings.Join(AllScopes, ", "))
		}
		for j, s := range key.Scopes {
			if !slices.Contains(AllScopes, s) {
				k.errorf(fmt.Sprintf("%s.scopes[%d]", field, j), "unknown scope %q: want %s", s, strings.Join(AllScopes, ", "))
			}
		}
	}
}
