package segments_test

import (
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/segments"
)

func cond(t *testing.T, src string) *config.Condition {
	t.Helper()
	c, err := config.NewCondition(src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMatchesAgreesWithDecide checks the one-source-of-truth promise: for every customer the
// audience keeps or drops, decide's audience step says the same with the same reason code.
func TestMatchesAgreesWithDecide(t *testing.T) {
	now := time.Date(2027, 3, 21, 10, 0, 0, 0, time.UTC)
	set := &config.Set{Segments: map[string]*config.Segment{
		"loyal": {ID: "loyal", Where: cond(t, "customer.orders >= 3")},
	}}
	camp := &config.Campaign{ID: "c", Audience: config.Audience{Segment: "loyal", Where: cond(t, `customer.tier == "gold"`)},
		Channels: []string{"email"}, Variants: []config.Variant{{ID: "v", Email: &config.EmailContent{Subject: "s", HTML: "h"}}}}
	yes := true
	tests := []struct {
		name   string
		orders int
		traits map[string]any
		want   decide.SkipReason
	}{
		{"loyal gold customer is in", 5, map[string]any{"tier": "gold"}, decide.SkipNone},
		{"too few orders fails the segment", 1, map[string]any{"tier": "gold"}, decide.SkipSegment},
		{"silver fails audience where", 5, map[string]any{"tier": "silver"}, decide.SkipAudience},
		{"no tier fails audience where", 5, nil, decide.SkipAudience},
	}
	a := segments.Compile(set, camp)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &decide.Customer{ID: "x", Email: "x@example.com", Consent: decide.Consent{Email: &yes}, Traits: tt.traits,
				Summary: decide.Summary{Orders: tt.orders}}
			ok, skip, why := a.Matches(c, now)
			if skip != tt.want || ok != (tt.want == decide.SkipNone) {
				t.Fatalf("Matches = %v %q (%s), want %q", ok, skip, why, tt.want)
			}
			dec := decide.Decide(decide.Input{Campaign: camp, Customer: c, Now: now, Due: now, Segment: a.Segment()})
			if tt.want != decide.SkipNone && dec.Skip != tt.want {
				t.Errorf("decide skipped with %q, the audience with %q", dec.Skip, tt.want)
			}
			if tt.want == decide.SkipNone && (dec.Skip == decide.SkipSegment || dec.Skip == decide.SkipAudience) {
				t.Errorf("the audience keeps the customer, decide drops them: %q %v", dec.Skip, dec.Reasons)
			}
		})
	}
}

func TestUnknownSegmentKeepsEverybodyOut(t *testing.T) {
	camp := &config.Campaign{ID: "c", Audience: config.Audience{Segment: "gone"}}
	ok, skip, _ := segments.Compile(&config.Set{}, camp).Matches(&decide.Customer{ID: "x"}, time.Now())
	if ok || skip != decide.SkipSegment {
		t.Fatalf("Matches = %v %q, want a segment skip", ok, skip)
	}
}

func TestNoAudienceMatchesEverybody(t *testing.T) {
	ok, _, _ := segments.Compile(&config.Set{}, &config.Campaign{ID: "c"}).Matches(&decide.Customer{ID: "x"}, time.Now())
	if !ok {
		t.Fatal("a campaign without audience must match everybody")
	}
}
