package api_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/results"
)

// learnCampaign has three variants under select: learn; "c" was never sent.
func learnCampaign() *config.Campaign {
	return &config.Campaign{ID: "spring", Select: config.Select{Mode: config.SelectLearn}, Explore: 0.1,
		Goal:     &config.Goal{MinSends: 100},
		Variants: []config.Variant{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
}

func TestCampaignVariantsShowRatesSharesAndTheLeader(t *testing.T) {
	t.Parallel()
	r := testenv.NewRedis(t)
	store, err := results.New(r.Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, e := range []results.Event{
		{Variant: "a", Metric: results.Sent, N: 400}, {Variant: "a", Metric: results.Conversions, N: 40}, {Variant: "a", Metric: results.Clicked, N: 90},
		{Variant: "b", Metric: results.Sent, N: 400}, {Variant: "b", Metric: results.Conversions, N: 8}, {Variant: "b", Metric: results.Clicked, N: 50},
		// A holdout's and a removed variant's counters count for nobody's standing.
		{Variant: "b", Metric: results.Conversions, N: 300, Arm: results.Holdout},
		{Variant: "old", Metric: results.Sent, N: 50},
	} {
		e.Campaign, e.Channel, e.At = "spring", "email", at
		if e.Arm == "" {
			e.Arm = results.Treatment
		}
		if err := store.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	c := learnCampaign()
	s := &api.Server{APIKeys: []string{"k2"}, Reports: &api.Reports{Store: store,
		Known:    func(id string) bool { return id == c.ID },
		Campaign: func(id string) *config.Campaign { return map[string]*config.Campaign{c.ID: c}[id] }}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv}
	for _, tt := range []struct {
		name, path string
		hdr        map[string]string
		code       int
	}{
		{"no key", "/v1/campaigns/spring/variants", nil, http.StatusUnauthorized},
		{"unknown campaign", "/v1/campaigns/nope/variants", bearer, http.StatusNotFound},
		{"known campaign", "/v1/campaigns/spring/variants", bearer, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out := b.do(t, http.MethodGet, tt.path, "", tt.hdr)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %v", code, tt.code, out)
			}
			if code != http.StatusOK {
				return
			}
			vs, _ := out["variants"].([]any)
			if len(vs) != 3 || out["select"] != "learn" || out["min_sends"] != 100.0 {
				t.Fatalf("answer %v, want the three variants of the YAML under learn", out)
			}
			byID := map[string]map[string]any{}
			for _, v := range vs {
				m := v.(map[string]any)
				byID[m["variant"].(string)] = m
			}
			a, bb, cc := byID["a"], byID["b"], byID["c"]
			if a["sends"] != 400.0 || a["conversions"] != 40.0 || a["clicks"] != 90.0 || bb["conversions"] != 8.0 {
				t.Errorf("counts a %v b %v, want treatment counts only", a, bb)
			}
			rate := a["rate"].(map[string]any)
			if rate["estimate"] != 0.1 || rate["low"].(float64) >= 0.1 || rate["high"].(float64) <= 0.1 {
				t.Errorf("a's rate %v, want 0.1 inside its Wilson interval", rate)
			}
			if cc["sends"] != 0.0 || cc["judged_by"] != "clicks" || a["judged_by"] != "conversions" {
				t.Errorf("c %v a %v: a variant under min_sends is judged by clicks", cc, a)
			}
			// c, never sent, keeps the uniform prior's good chance: exploring it is the point.
			if pa, pb := a["prob_best"].(float64), bb["prob_best"].(float64); pa <= pb || pb > 0.01 {
				t.Errorf("a converts 10%% against b's 2%%, P(best) a %v b %v", pa, pb)
			}
			sum := 0.0
			for _, v := range byID {
				sh := v["share"].(float64)
				if sh < 0.1/3-1e-9 {
					t.Errorf("variant %v gets %v, below the exploration floor 0.1/3", v["variant"], sh)
				}
				sum += sh
			}
			if math.Abs(sum-1) > 1e-9 || a["share"].(float64) <= bb["share"].(float64) {
				t.Errorf("shares a %v b %v c %v: want the leader most, summing to 1", a["share"], bb["share"], cc["share"])
			}
		})
	}
}

func TestVariantSharesFollowTheCampaignsSelect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		sel    config.Select
		shares []any // per variant a, b; nil: no share
	}{
		{"first: it depends on each customer", config.Select{Mode: config.SelectFirst}, []any{nil, nil}},
		{"weights: normalised", config.Select{Mode: config.SelectWeights, Weights: map[string]float64{"a": 3, "b": 1}}, []any{0.75, 0.25}},
		{"learn without data: even", config.Select{Mode: config.SelectLearn}, []any{0.5, 0.5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &config.Campaign{ID: "x", Select: tt.sel, Variants: []config.Variant{{ID: "a"}, {ID: "b"}}}
			rep := api.CampaignVariants(c, results.Counts{})
			for i, v := range rep.Variants {
				switch want := tt.shares[i].(type) {
				case nil:
					if v.Share != nil {
						t.Errorf("%s share %v, want none", v.Variant, *v.Share)
					}
				case float64:
					if v.Share == nil || math.Abs(*v.Share-want) > 0.02 {
						t.Errorf("%s share %v, want %v", v.Variant, v.Share, want)
					}
				}
			}
		})
	}
}
