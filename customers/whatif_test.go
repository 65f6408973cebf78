package customers

import (
	"reflect"
	"testing"
)

// TestWhatIfShowsTheProfileApplyWouldWriteAndWritesNothing: the profile WhatIf returns for an
// order is the one Apply then writes, a replayed order is a duplicate, and nothing is written.
func TestWhatIfShowsTheProfileApplyWouldWriteAndWritesNothing(t *testing.T) {
	b := setup(t)
	b.apply(t, orderEvent("u1", "m1", day(3), 10), orderEvent("u1", "m2", day(2), 20))
	tests := []struct {
		name      string
		ev        Event
		duplicate bool
		orders    int
	}{
		{"a new order counts", orderEvent("u1", "m3", day(1), 30), false, 3},
		{"a replayed order is a duplicate", orderEvent("u1", "m2", day(2), 20), true, 2},
		{"a new customer is made of the event", orderEvent("u9", "m1", day(1), 5), false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.store.WhatIf(b.ctx, tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if got.Duplicate != tt.duplicate || got.Profile.Summary.Orders != tt.orders {
				t.Fatalf("duplicate %v orders %d, want %v %d", got.Duplicate, got.Profile.Summary.Orders, tt.duplicate, tt.orders)
			}
			if tt.ev.UserID == "u1" {
				stored, err := b.store.Get(b.ctx, "u1")
				if err != nil || stored.Summary.Orders != 2 {
					t.Fatalf("WhatIf wrote: %d orders stored, %v", stored.Summary.Orders, err)
				}
			}
		})
	}
	want, err := b.store.WhatIf(b.ctx, orderEvent("u1", "m3", day(1), 30))
	if err != nil {
		t.Fatal(err)
	}
	applied := b.apply(t, orderEvent("u1", "m3", day(1), 30))
	if !reflect.DeepEqual(want.Profile.Summary, applied[0].Profile.Summary) {
		t.Errorf("WhatIf summary %+v, Apply wrote %+v", want.Profile.Summary, applied[0].Profile.Summary)
	}
}
