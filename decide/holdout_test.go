package decide

import (
	"fmt"
	"math"
	"testing"
)

func TestHoldoutDrawIsDeterministicAndProportional(t *testing.T) {
	t.Parallel()
	const n = 10000
	for _, campaign := range []string{"thank-you", "win-back", "birthday"} {
		in := 0
		for i := range n {
			id := fmt.Sprintf("c-%d", i)
			a := InHoldout(campaign, id, 0.10)
			if a != InHoldout(campaign, id, 0.10) {
				t.Fatalf("draw for %s/%s changed between calls", campaign, id)
			}
			if a {
				in++
			}
		}
		if share := float64(in) / n; math.Abs(share-0.10) > 0.01 {
			t.Errorf("%s: %.2f%% in the control group, want 10%% within 1 point", campaign, share*100)
		}
	}
}

func TestHoldoutEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		share float64
		want  bool
	}{
		{0, false}, {-1, false}, {math.NaN(), false}, {1, true}, {2, true},
	}
	for _, tt := range tests {
		if got := InHoldout("c", "x", tt.share); got != tt.want {
			t.Errorf("InHoldout(share %v) = %v, want %v", tt.share, got, tt.want)
		}
	}
	// The draw is stable across releases: past reports depend on who was in the control group.
	if got := holdoutDraw("thank-you", "c-1"); got < 0 || got >= 1 {
		t.Errorf("draw %v outside [0,1)", got)
	}
	// The separator keeps ("a","bc") and ("ab","c") apart.
	if holdoutDraw("a", "bc") == holdoutDraw("ab", "c") {
		t.Error("campaign and customer ids run together")
	}
}

func TestHoldoutGroupsDifferPerCampaign(t *testing.T) {
	t.Parallel()
	both := 0
	for i := range 10000 {
		id := fmt.Sprintf("c-%d", i)
		if InHoldout("a", id, 0.5) && InHoldout("b", id, 0.5) {
			both++
		}
	}
	// Independent draws put about a quarter in both groups.
	if both < 2300 || both > 2700 {
		t.Errorf("%d of 10000 in both 50%% control groups, want about 2500", both)
	}
}
