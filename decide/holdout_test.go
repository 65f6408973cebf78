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

func TestGlobalControlGroupIsStableAndIndependentOfCampaignHoldouts(t *testing.T) {
	t.Parallel()
	const n = 20000
	in, both := 0, 0
	for i := range n {
		id := fmt.Sprintf("c-%d", i)
		g := InControlGroup(id, 0.05)
		if g != InControlGroup(id, 0.05) {
			t.Fatalf("global draw for %s changed between calls", id)
		}
		if g {
			in++
			if InHoldout("thank-you", id, 0.5) {
				both++
			}
		}
	}
	if share := float64(in) / n; math.Abs(share-0.05) > 0.005 {
		t.Errorf("%.2f%% in the global control group, want 5%% within half a point", share*100)
	}
	// Independent draws: about half of the global group is also in a 50% campaign holdout.
	if frac := float64(both) / float64(in); math.Abs(frac-0.5) > 0.06 {
		t.Errorf("%.2f of the global group is in a 50%% campaign holdout, want about 0.5", frac)
	}
}

func TestGlobalControlGroupHoldsOutMarketingButNotTransactional(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name          string
		share         float64
		transactional bool
		wantHoldout   bool
	}{
		{"marketing campaign, customer in the group", 1, false, true},
		{"transactional campaign, customer in the group", 1, true, false},
		{"no control group", 0, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t)
			in.Policy.ControlGroup = tt.share
			in.Campaign.Transactional = tt.transactional
			d := Decide(in)
			if d.Holdout != tt.wantHoldout || d.Eligible == tt.wantHoldout {
				t.Fatalf("holdout %v eligible %v, want holdout %v", d.Holdout, d.Eligible, tt.wantHoldout)
			}
			if tt.wantHoldout {
				if d.Skip != SkipHoldout {
					t.Errorf("skip %q, want %q (reports count it as the holdout arm)", d.Skip, SkipHoldout)
				}
				requireReason(t, d, "global control group")
				if d.Variant == nil || d.Channel == "" {
					t.Errorf("variant %v channel %q: the rest must still be decided for comparison", d.Variant, d.Channel)
				}
			}
		})
	}
}
