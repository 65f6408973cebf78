package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/api"
)

func TestScopedKeysOfTheConfigurationReachTheAPI(t *testing.T) {
	dir := writeTree(t, map[string]string{"rapport.yaml": "secret: s\napi_keys: [{key: shop, scopes: [ingest]}, ops]\n"})
	cfg, err := loadConfig(filepath.Join(dir, "rapport.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// No Reload: a key that may reload gets 501, one that may not 403.
	srv := httptest.NewServer((&api.Server{Keys: apiKeys(cfg)}).Handler())
	defer srv.Close()
	for key, want := range map[string]int{"shop": 403, "ops": 501} {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/admin/reload", strings.NewReader(""))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("reload with %s: %d, want %d", key, resp.StatusCode, want)
		}
	}
}
