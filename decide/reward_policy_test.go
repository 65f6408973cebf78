package decide

import (
	"strings"
	"testing"

	"github.com/rapporthq/rapport/config"
)

func TestRewardFollowsTheCustomersValueWhenAModelExists(t *testing.T) {
	rewards := []config.Reward{
		{ID: "ten-off", Kind: "coupon", Value: "10%"},
		{ID: "early-access", Kind: "perk", Text: "Early access"},
		{ID: "points", Kind: "points", Value: "200"},
	}
	tests := []struct {
		name      string
		p         *Predictions
		left      map[string]bool
		want      string
		reasonHas string
	}{
		{"no model: the marketer's first", nil, nil, "ten-off", "first that fits"},
		{"active loyal customer: a perk, not a discount", &Predictions{PAlive: 0.9, CLV: 800}, nil, "early-access", "rather than a discount"},
		{"active, perk budget gone: the next non-discount", &Predictions{PAlive: 0.9, CLV: 800}, map[string]bool{"early-access": false}, "points", "rather than a discount"},
		{"at risk with value: the discount", &Predictions{PAlive: 0.3, CLV: 400}, nil, "ten-off", "offered a discount"},
		{"at risk, no value left: no discount", &Predictions{PAlive: 0.05, CLV: 0}, nil, "early-access", "no discount"},
		{"at risk, coupon budget gone: first eligible", &Predictions{PAlive: 0.3, CLV: 400}, map[string]bool{"ten-off": false}, "early-access", "first that fits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, reasons, failed := chooseReward(rewards, map[string]any{}, tt.left, tt.p)
			if failed || r == nil || r.ID != tt.want {
				t.Fatalf("got %v (failed %v), want %s; reasons %v", r, failed, tt.want, reasons)
			}
			if last := reasons[len(reasons)-1]; !strings.Contains(last, tt.reasonHas) {
				t.Errorf("reason %q lacks %q", last, tt.reasonHas)
			}
		})
	}
}

func TestOnlyDiscountsEligibleStillGivesAReward(t *testing.T) {
	rewards := []config.Reward{{ID: "ten-off", Kind: "coupon", Value: "10%"}}
	r, _, _ := chooseReward(rewards, map[string]any{}, nil, &Predictions{PAlive: 0.95, CLV: 900})
	if r == nil || r.ID != "ten-off" {
		t.Fatalf("an active customer whose only eligible reward is a coupon got %v", r)
	}
}
