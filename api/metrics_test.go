package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestHTTPMetricsLabelTheStatusCodeByNumber: rapport_http_requests_total{code} holds "200",
// "401", as Prometheus exporters do (it held "OK", "Unauthorized").
func TestHTTPMetricsLabelTheStatusCodeByNumber(t *testing.T) {
	srv := httptest.NewServer((&Server{APIKeys: []string{"k"}}).Handler())
	defer srv.Close()
	before200 := testutil.ToFloat64(httpRequests.WithLabelValues("GET /healthz", "200"))
	before401 := testutil.ToFloat64(httpRequests.WithLabelValues("POST /v1/track", "401"))
	for _, req := range []struct{ method, path string }{{"GET", "/healthz"}, {"POST", "/v1/track"}} {
		r, _ := http.NewRequest(req.method, srv.URL+req.path, nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := testutil.ToFloat64(httpRequests.WithLabelValues("GET /healthz", "200")) - before200; got != 1 {
		t.Errorf("code=\"200\" counted %v times, want 1", got)
	}
	if got := testutil.ToFloat64(httpRequests.WithLabelValues("POST /v1/track", "401")) - before401; got != 1 {
		t.Errorf("code=\"401\" counted %v times, want 1", got)
	}
}
