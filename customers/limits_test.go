package customers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestProfileOfAnySizeUnderTheLimitIsStored(t *testing.T) {
	// 300 KB and 1 MB profiles: HSET of every 64-byte chunk in one Lua call stopped at
	// "too many results to unpack" from about 255 KB on.
	for _, size := range []int{300 << 10, 1 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			r := setup(t)
			s := NewStore(r.redis.Client, Options{Now: func() time.Time { return testNow }, MaxProfileBytes: 2 << 20, MaxTraitBytes: 2 << 20})
			note := strings.Repeat("n", size)
			if _, err := s.Apply(r.ctx, []Event{identify("u1", "m1", day(1), map[string]any{"note": note})}); err != nil {
				t.Fatal(err)
			}
			// and shrinking it deletes the chunks it no longer needs, in bounded groups too
			if _, err := s.Apply(r.ctx, []Event{identify("u1", "m2", testNow, map[string]any{"note": "short"})}); err != nil {
				t.Fatal(err)
			}
			p, err := s.Get(r.ctx, "u1")
			if err != nil || p.Traits["note"] != "short" {
				t.Fatalf("read back: %v", err)
			}
			if n, _ := r.redis.Client.HLen(r.ctx, profileKey("u1")).Result(); n > 4 {
				t.Fatalf("%d fields left after shrinking", n)
			}
		})
	}
}

func TestOversizedTraitOrProfileIsRefusedAndNothingIsWritten(t *testing.T) {
	big := func(n int) string { return strings.Repeat("x", n) }
	many := map[string]any{} // 20 traits of 15 KiB: each under the trait limit, 300 KiB together
	for i := range 20 {
		many[fmt.Sprintf("t%02d", i)] = big(15 << 10)
	}
	tests := []struct {
		name    string
		events  []Event
		index   int
		field   string
		wantErr error
	}{
		{"one trait", []Event{identify("u1", "m1", day(1), map[string]any{"bio": big(300 << 10)})}, 0, "traits.bio", ErrTraitTooLarge},
		{"nested trait", []Event{identify("u1", "m1", day(1), map[string]any{"a": map[string]any{"b": []any{big(17 << 10)}}})}, 0, "traits.a", ErrTraitTooLarge},
		{"the whole profile", []Event{identify("u1", "m1", day(1), many)}, 0, "traits", ErrProfileTooLarge},
		{"one item of a batch", []Event{
			identify("u2", "m0", day(2), map[string]any{"firstName": "Ann"}),
			orderEvent("u2", "o0", day(2), 10),
			identify("u1", "m1", day(1), many),
		}, 2, "traits", ErrProfileTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setup(t)
			_, err := b.store.Apply(b.ctx, tt.events)
			var ee *EventError
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &ee) || ee.Index != tt.index || ee.Field.Field != tt.field {
				t.Fatalf("got %v, want %v on event %d field %q", err, tt.wantErr, tt.index, tt.field)
			}
			for _, id := range []string{"u1", "u2"} {
				if _, err := b.store.Get(b.ctx, id); !errors.Is(err, ErrNotFound) {
					t.Errorf("customer %s written: %v", id, err)
				}
			}
		})
	}
}

func TestProfileGrowingPastTheLimitIsRefusedAndKeepsItsValue(t *testing.T) {
	b := setup(t)
	for i := range 16 {
		b.apply(t, identify("u1", fmt.Sprint("m", i), day(2), map[string]any{fmt.Sprint("t", i): strings.Repeat("x", 16<<10-100)}))
	}
	_, err := b.store.Apply(b.ctx, []Event{identify("u1", "m99", day(1), map[string]any{"t99": strings.Repeat("y", 16<<10-100)})})
	if !errors.Is(err, ErrProfileTooLarge) {
		t.Fatalf("got %v", err)
	}
	if p := b.get(t, "u1"); len(p.Traits) != 16 {
		t.Fatalf("%d traits", len(p.Traits))
	}
	// Orders still count: refusing them would lose revenue, and they add a few bytes a day.
	b.apply(t, orderEvent("u1", "o1", day(1), 10))
	// Removing traits is always allowed.
	b.apply(t, identify("u1", "m100", testNow, map[string]any{"t0": nil}))
}

func TestImportOfAnOversizedCellLoadsNothingAndNamesTheColumn(t *testing.T) {
	b := setup(t)
	cell := strings.Repeat("c", 300<<10)
	for _, tc := range []struct{ name, body, want string }{
		{"p.csv", "userId,firstName,bio\nu1,Ann,short\nu2,Bob," + cell + "\n", "p.csv:3: bio: is more than 16384 bytes"},
		{"p.jsonl", `{"type":"identify","userId":"u1"}` + "\n" + `{"type":"identify","userId":"u2","traits":{"bio":"` + cell + `"}}` + "\n",
			"p.jsonl:2: traits.bio: is more than 16384 bytes"},
	} {
		rep, err := Import(b.ctx, b.store, strings.NewReader(tc.body), tc.name, ImportOptions{Now: testNow})
		if !errors.Is(err, ErrBadRows) || len(rep.Errors) != 1 || !strings.HasPrefix(rep.Errors[0].Error(), tc.want) {
			t.Fatalf("%s: %v %v, want %q", tc.name, err, rep.Errors, tc.want)
		}
		if n, _ := b.store.Count(b.ctx); n != 0 {
			t.Fatalf("%s: %d customers loaded", tc.name, n)
		}
	}
	// With the limit raised, the same file loads whole.
	s := NewStore(b.redis.Client, Options{Now: func() time.Time { return testNow }, MaxTraitBytes: 1 << 20, MaxProfileBytes: 1 << 20})
	rep, err := Import(b.ctx, s, strings.NewReader("userId,firstName,bio\nu1,Ann,short\nu2,Bob,"+cell+"\n"), "p.csv", ImportOptions{Now: testNow})
	if err != nil || rep.Events != 2 {
		t.Fatalf("%v %+v", err, rep)
	}
	if p := b.get(t, "u2"); p.Traits["bio"] != cell {
		t.Fatal("bio not stored whole")
	}
}
