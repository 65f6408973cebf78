package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/links"
)

func TestOversizedTraitOrProfileIsRefusedNamingTheFieldAndNothingIsWritten(t *testing.T) {
	r := testenv.NewRedis(t)
	store := customers.NewStore(r.Client, customers.Options{})
	s := &api.Server{Ingest: storeIngester{store}, Customers: store, APIKeys: []string{"k2"}, Links: links.NewSigner("s", "https://x.example")}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv, store: store}

	var many []string // 20 traits of 15,000 bytes: each under max_trait_bytes, 300 KB together
	for i := range 20 {
		many = append(many, fmt.Sprintf(`"t%d":"%s"`, i, strings.Repeat("x", 15000)))
	}
	manyTraits := "{" + strings.Join(many, ",") + "}"
	tests := []struct {
		name, path, body string
		code             int
		field            string
	}{
		{"a 300 KB trait", "/v1/identify", `{"userId":"1","messageId":"m1","traits":{"bio":"` + strings.Repeat("b", 300<<10) + `"}}`, 400, "traits.bio"},
		{"a 300 KB profile", "/v1/identify", `{"userId":"1","messageId":"m1","traits":` + manyTraits + `}`, 413, "traits"},
		{"one item of a batch", "/v1/batch", `{"batch":[{"type":"identify","userId":"2","messageId":"a","traits":{"firstName":"Ann"}},` +
			`{"type":"page","userId":"2","messageId":"p"},{"type":"identify","userId":"1","messageId":"b","traits":` + manyTraits + `}]}`, 413, "batch[2].traits"},
	}
	for _, tc := range tests {
		code, out := b.do(t, "POST", tc.path, tc.body, bearer)
		if code != tc.code || out["field"] != tc.field {
			t.Errorf("%s: %d %v, want %d naming %s", tc.name, code, out["field"], tc.code, tc.field)
		}
	}
	for _, id := range []string{"1", "2"} {
		if _, err := store.Get(context.Background(), id); err == nil {
			t.Errorf("customer %s was written by a refused request", id)
		}
	}
}
