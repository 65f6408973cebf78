package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/results"
)

func TestCampaignReportNeedsAKeyAKnownCampaignAndValidDates(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	store, err := results.New(r.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := store.Add(context.Background(), results.Event{Campaign: "spring", Variant: "a", Channel: "email", Metric: results.Sent, At: at}); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{APIKeys: []string{"k2"}, Reports: &api.Reports{Store: store, Known: func(id string) bool { return id == "spring" }}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv}
	for _, tt := range []struct {
		name, path string
		hdr        map[string]string
		code       int
		sent       float64
	}{
		{"no key", "/v1/campaigns/spring/report", nil, http.StatusUnauthorized, 0},
		{"whole life", "/v1/campaigns/spring/report", bearer, http.StatusOK, 1},
		{"the day of the send", "/v1/campaigns/spring/report?from=2026-12-01&to=2026-12-01", bearer, http.StatusOK, 1},
		{"the day after", "/v1/campaigns/spring/report?from=2026-12-02&to=2026-12-03", bearer, http.StatusOK, 0},
		{"unknown campaign", "/v1/campaigns/nope/report", bearer, http.StatusNotFound, 0},
		{"bad date", "/v1/campaigns/spring/report?from=yesterday", bearer, http.StatusBadRequest, 0},
		{"to before from", "/v1/campaigns/spring/report?from=2026-12-02&to=2026-12-01", bearer, http.StatusBadRequest, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out := b.do(t, http.MethodGet, tt.path, "", tt.hdr)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %v", code, tt.code, out)
			}
			if code != http.StatusOK {
				return
			}
			funnel, _ := out["funnel"].(map[string]any)
			if funnel["sent"] != tt.sent || out["campaign"] != "spring" {
				t.Errorf("answer %v, want %v sent", out, tt.sent)
			}
		})
	}
}
