package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/links"
)

func TestKeysCanOnlyDoWhatTheirScopesAllow(t *testing.T) {
	r := testenv.NewRedis(t)
	store := customers.NewStore(r.Client, customers.Options{})
	monitoring := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	s := &api.Server{Ingest: storeIngester{store}, Customers: store, Links: links.NewSigner("s", "https://x.example"),
		APIKeys: []string{"all"},
		Keys: []api.Key{
			{Key: "shop", Scopes: []api.Scope{api.ScopeIngest}},
			{Key: "crm", Scopes: []api.Scope{api.ScopeIngest, api.ScopeRead}},
			{Key: "ops", Scopes: []api.Scope{api.ScopeIngest, api.ScopeRead, api.ScopeAdmin}},
			{Key: "none"},
		},
		Reload: func(context.Context) error { return nil },
		Admin:  map[string]http.Handler{"/monitoring/": monitoring},
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv, store: store}
	if code, _ := b.do(t, "POST", "/v1/identify", `{"userId":"1","messageId":"m0"}`, map[string]string{"Authorization": "Bearer all"}); code != 200 {
		t.Fatalf("setup: %d", code)
	}

	type call struct{ method, path, body string }
	ingest := call{"POST", "/v1/identify", `{"userId":"1","messageId":"m1"}`}
	read := call{"GET", "/v1/customers/1", ""}
	reload := call{"POST", "/v1/admin/reload", ""}
	monitor := call{"GET", "/monitoring/", ""}
	erase := call{"DELETE", "/v1/customers/1", ""}
	tests := []struct {
		key   string
		c     call
		code  int
		scope string // named in a 403
	}{
		{"shop", ingest, 200, ""},
		{"shop", read, 403, "read"},
		{"shop", reload, 403, "admin"},
		{"shop", monitor, 403, "admin"},
		{"shop", erase, 403, "admin"},
		{"crm", read, 200, ""},
		{"crm", erase, 403, "admin"},
		{"none", ingest, 403, "ingest"},
		{"nobody", ingest, 401, ""},
		{"", monitor, 401, ""},
		{"ops", reload, 200, ""},
		{"ops", monitor, 200, ""},
		{"all", read, 200, ""},
		{"all", erase, 200, ""},
	}
	for _, tc := range tests {
		hdr := map[string]string{"Authorization": "Bearer " + tc.key}
		code, out := b.do(t, tc.c.method, tc.c.path, tc.c.body, hdr)
		if code != tc.code || (tc.scope != "" && out["scope"] != tc.scope) {
			t.Errorf("%s %s with %q: %d %v, want %d naming scope %q", tc.c.method, tc.c.path, tc.key, code, out, tc.code, tc.scope)
		}
	}
}
