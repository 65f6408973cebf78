package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/links"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// storeIngester applies events to the real store; triggers are covered by the jobs tests.
type storeIngester struct{ s *customers.Store }

func (i storeIngester) Ingest(ctx context.Context, evs []customers.Event) ([]customers.Result, error) {
	return i.s.Apply(ctx, evs)
}

type testBundle struct {
	srv    *httptest.Server
	store  *customers.Store
	signer *links.Signer
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	r := testenv.NewRedis(t)
	store := customers.NewStore(r.Client, customers.Options{})
	signer := links.NewSigner("secret", "https://news.example.com")
	s := &api.Server{Ingest: storeIngester{store}, Customers: store, APIKeys: []string{"k1", "k2"}, Links: signer,
		BodyLimit: 4096, Ready: func(ctx context.Context) error { return r.Client.Ping(ctx).Err() }}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &testBundle{srv: srv, store: store, signer: signer}
}

func (b *testBundle) do(t *testing.T, method, path, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

var bearer = map[string]string{"Authorization": "Bearer k2"}

func TestAPIKeysAsBearerOrBasicUser(t *testing.T) {
	b := setup(t)
	body := `{"userId":"1","traits":{"firstName":"A"},"messageId":"m1"}`
	for name, tc := range map[string]struct {
		hdr  map[string]string
		want int
	}{
		"no key":       {nil, 401},
		"wrong key":    {map[string]string{"Authorization": "Bearer nope"}, 401},
		"prefix of k1": {map[string]string{"Authorization": "Bearer k"}, 401},
		"bearer":       {bearer, 200},
		// RFC 9110 11.1: the scheme is case-insensitive; some clients send "bearer".
		"lower-case bearer": {map[string]string{"Authorization": "bearer k2"}, 200},
		"upper-case bearer": {map[string]string{"Authorization": "BEARER k2"}, 200},
		"extra spaces":      {map[string]string{"Authorization": "Bearer   k2 "}, 200},
		"scheme alone":      {map[string]string{"Authorization": "Bearer"}, 401},
		"bearerk2":          {map[string]string{"Authorization": "bearerk2"}, 401},
		// Segment sends the write key as the Basic user name with an empty password.
		"basic user": {map[string]string{"Authorization": "Basic " + basic("k1:")}, 200},
	} {
		if code, out := b.do(t, "POST", "/v1/identify", body, tc.hdr); code != tc.want {
			t.Errorf("%s: %d %v, want %d", name, code, out, tc.want)
		}
	}
}

func TestBadInputIsRefusedNamingTheField(t *testing.T) {
	b := setup(t)
	for name, tc := range map[string]struct{ path, body, field string }{
		"malformed":                     {"/v1/track", `{"userId":`, ""},
		"missing userId":                {"/v1/track", `{"event":"x","messageId":"m"}`, "userId"},
		"userId not string":             {"/v1/identify", `{"userId":42,"messageId":"m"}`, "userId"},
		"traits not object":             {"/v1/identify", `{"userId":"1","traits":[1],"messageId":"m"}`, "traits"},
		"bad item":                      {"/v1/batch", `{"batch":[{"type":"identify","userId":"1","messageId":"a"},{"type":"track","messageId":"b","event":"x"}]}`, "batch[1].userId"},
		"empty batch":                   {"/v1/batch", `{"batch":[]}`, "batch"},
		"invalid UTF-8":                 {"/v1/identify", "{\"userId\":\"1\",\"traits\":{\"city\":\"K\xf6ln\"},\"messageId\":\"m\"}", "traits.city"},
		"invalid UTF-8 in a batch item": {"/v1/batch", "{\"batch\":[{\"type\":\"identify\",\"userId\":\"1\",\"messageId\":\"a\",\"traits\":{\"n\":\"\xff\"}}]}", "batch[0].traits.n"},
	} {
		code, out := b.do(t, "POST", tc.path, tc.body, bearer)
		if code != 400 || out["error"] == nil || (tc.field != "" && out["field"] != tc.field) {
			t.Errorf("%s: %d %v, want 400 naming %q", name, code, out, tc.field)
		}
	}
	// Nothing of the refused batch was applied.
	if _, err := b.store.Get(context.Background(), "1"); err == nil {
		t.Errorf("a refused batch created a customer")
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	b := setup(t)
	big := `{"userId":"1","messageId":"m","traits":{"x":"` + strings.Repeat("a", 5000) + `"}}`
	if code, out := b.do(t, "POST", "/v1/identify", big, bearer); code != 413 {
		t.Fatalf("%d %v, want 413", code, out)
	}
}

func TestDuplicateMessageIsAcceptedAndIgnored(t *testing.T) {
	b := setup(t)
	ev := `{"userId":"1","event":"Order Completed","messageId":"o1","properties":{"total":10}}`
	b.do(t, "POST", "/v1/track", ev, bearer)
	code, out := b.do(t, "POST", "/v1/track", ev, bearer)
	if code != 200 || out["duplicates"] != float64(1) {
		t.Fatalf("replay: %d %v", code, out)
	}
	p, err := b.store.Get(context.Background(), "1")
	if err != nil || p.Summary.Orders != 1 {
		t.Fatalf("orders after a replay: %+v %v", p.Summary, err)
	}
}

func TestCustomerCanBeReadAndErased(t *testing.T) {
	b := setup(t)
	b.do(t, "POST", "/v1/identify", `{"userId":"9","traits":{"email":"nine@example.com","tier":"gold"},"messageId":"m"}`, bearer)
	code, out := b.do(t, "GET", "/v1/customers/9", "", bearer)
	if code != 200 || out["email"] != "nine@example.com" || out["traits"].(map[string]any)["tier"] != "gold" {
		t.Fatalf("GET: %d %v", code, out)
	}
	if code, _ := b.do(t, "DELETE", "/v1/customers/9", "", bearer); code != 200 {
		t.Fatalf("DELETE: %d", code)
	}
	if code, _ := b.do(t, "GET", "/v1/customers/9", "", bearer); code != 404 {
		t.Fatalf("GET after DELETE: %d", code)
	}
}

func TestUnsubscribeNeedsAPostAndASignedToken(t *testing.T) {
	b := setup(t)
	b.do(t, "POST", "/v1/identify", `{"userId":"5","traits":{"email":"five@example.com"},"messageId":"m"}`, bearer)
	link := b.signer.Unsubscribe("5", "thank-you", "email")
	path := strings.TrimPrefix(link, "https://news.example.com")
	// A GET (a mail scanner following the link) shows a form and changes nothing.
	if code, _ := b.do(t, "GET", path, "", nil); code != 200 {
		t.Fatalf("GET page: %d", code)
	}
	if p, _ := b.store.Get(context.Background(), "5"); len(p.Unsubscribed) != 0 {
		t.Fatalf("GET unsubscribed the customer")
	}
	if code, _ := b.do(t, "POST", path+"x", "List-Unsubscribe=One-Click", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); code != 400 {
		t.Fatalf("tampered token: %d", code)
	}
	code, out := b.do(t, "POST", path, url.Values{"List-Unsubscribe": {"One-Click"}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if code != 200 || out["unsubscribed"] != true {
		t.Fatalf("one-click: %d %v", code, out)
	}
	if p, _ := b.store.Get(context.Background(), "5"); p.Unsubscribed["email"].IsZero() {
		t.Fatalf("one-click did not unsubscribe: %+v", p.Unsubscribed)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	b := setup(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, _ := b.do(t, "GET", p, "", nil); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	// Operations endpoints live on the admin listener, never on the public one.
	for _, p := range []string{"/metrics", "/monitoring/"} {
		if code, _ := b.do(t, "GET", p, "", nil); code != 404 {
			t.Errorf("%s on the public listener: %d, want 404", p, code)
		}
	}
}

func TestRequireKeyGuardsOperationsPages(t *testing.T) {
	srv := httptest.NewServer(api.RequireKey([]string{"k1"}, []api.Key{{Key: "ro", Scopes: []api.Scope{api.ScopeRead}}}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("tasks"))
	})))
	defer srv.Close()
	for _, tc := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer nope", 401}, {"Bearer ro", 403}, {"Bearer k1", 200}} {
		req, _ := http.NewRequest("GET", srv.URL+"/monitoring/", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("auth %q: %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
	}
}

func TestReadinessFailsWhenRedisIsDown(t *testing.T) {
	s := &api.Server{Ready: func(context.Context) error { return errors.New("dial tcp: connection refused") }}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with Redis down: %d, want 503", resp.StatusCode)
	}
}

func basic(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestBatchWithPageAndScreenCallsKeepsTheRest(t *testing.T) {
	b := setup(t)
	body := `{"batch":[{"type":"page","userId":"7","name":"Home","messageId":"p1"},
		{"type":"identify","userId":"7","traits":{"firstName":"Ada"},"messageId":"i1"},
		{"type":"screen","userId":"7","name":"Cart","messageId":"s1"}]}`
	code, out := b.do(t, "POST", "/v1/batch", body, bearer)
	if code != 200 || out["accepted"] != float64(1) {
		t.Fatalf("mixed batch: %d %v, want 200 with the identify accepted", code, out)
	}
	if p, err := b.store.Get(context.Background(), "7"); err != nil || p.FirstName != "Ada" {
		t.Fatalf("identify of a mixed batch not applied: %v %v", p, err)
	}
	if code, _ := b.do(t, "POST", "/v1/batch", `{"batch":[{"type":"page","userId":"7","messageId":"p2"}]}`, bearer); code != 200 {
		t.Fatalf("a batch of page calls only: %d, want 200", code)
	}
}
