package api_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/campaignstate"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestOnlyAnAdminKeyPausesAndAReadKeySeesTheState(t *testing.T) {
	r := testenv.NewRedis(t)
	states := campaignstate.NewStore(r.Client, campaignstate.Options{})
	s := &api.Server{Keys: []api.Key{
		{Key: "shop", Scopes: []api.Scope{api.ScopeIngest}},
		{Key: "crm", Scopes: []api.Scope{api.ScopeRead}},
		{Key: "ops", Scopes: []api.Scope{api.ScopeAdmin}},
	}, States: &api.States{Store: states, Known: func(id string) bool { return id == "spring" }}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv}
	as := func(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

	for _, tc := range []struct {
		name, method, path, key, body string
		want                          int
	}{
		{"an ingest key cannot pause", "POST", "/v1/campaigns/spring/pause", "shop", "", 403},
		{"a read key cannot pause", "POST", "/v1/campaigns/spring/pause", "crm", "", 403},
		{"a read key cannot resume", "POST", "/v1/campaigns/spring/resume", "crm", "", 403},
		{"an ingest key cannot read the state", "GET", "/v1/campaigns/spring/state", "shop", "", 403},
		{"an unknown campaign", "POST", "/v1/campaigns/autumn/pause", "ops", "", 404},
		{"a body that is not an object", "POST", "/v1/campaigns/spring/pause", "ops", `["ann"]`, 400},
		{"an admin key pauses", "POST", "/v1/campaigns/spring/pause", "ops", `{"by":"ann"}`, 200},
		{"a read key reads the state", "GET", "/v1/campaigns/spring/state", "crm", "", 200},
	} {
		if code, out := b.do(t, tc.method, tc.path, tc.body, as(tc.key)); code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.want)
		}
	}
	paused, by, _, err := states.State(context.Background(), "spring")
	if err != nil || !paused || by != "ann" {
		t.Fatalf("state: %v %q %v", paused, by, err)
	}
	if p, _, _, _ := states.State(context.Background(), "autumn"); p {
		t.Fatal("an unknown campaign was paused")
	}
}
