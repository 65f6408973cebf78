package customers

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/decide"
)

// TestRecordingASendRewritesOnlyTheSends checks that a send, by RecordSend or by the batch
// path RecordSends, writes field s (and the version) and leaves the rest of the hash, the
// profile p in particular, byte for byte as it was; UpdatedAt stays.
func TestRecordingASendRewritesOnlyTheSends(t *testing.T) {
	t.Parallel()
	record := map[string]func(b *testBundle, send decide.Send) error{
		"RecordSend": func(b *testBundle, send decide.Send) error { return b.store.RecordSend(b.ctx, "u1", send) },
		"RecordSends": func(b *testBundle, send decide.Send) error {
			return firstErr(b.store.RecordSends(b.ctx, []SendOf{{ID: "u1", Send: send}}))
		},
	}
	for name, rec := range record {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			// A clock that moves, so that a rewrite of p would differ from what was there.
			clock := testNow
			b.store = NewStore(b.redis.Client, Options{Now: func() time.Time { clock = clock.Add(time.Minute); return clock }})
			b.apply(t, identify("u1", "m1", day(1), map[string]any{"email": "anna@example.org", "note": strings.Repeat("x", 200)}))
			before, err := b.redis.Client.HGetAll(b.ctx, profileKey("u1")).Result()
			if err != nil {
				t.Fatal(err)
			}
			p0 := b.get(t, "u1")
			send := decide.Send{Campaign: "greeting", Occurrence: "2025-03-01", Channel: "email", At: testNow.Add(time.Hour)}
			if err := rec(b, send); err != nil {
				t.Fatal(err)
			}
			after, err := b.redis.Client.HGetAll(b.ctx, profileKey("u1")).Result()
			if err != nil {
				t.Fatal(err)
			}
			changed := map[string]bool{}
			for f := range maps.Keys(after) {
				if before[f] != after[f] {
					changed[f] = true
				}
			}
			for f := range maps.Keys(before) {
				if _, ok := after[f]; !ok {
					changed[f] = true
				}
			}
			for f := range changed {
				if f != fieldVersion && f != fieldSends && !strings.HasPrefix(f, fieldSends) {
					t.Errorf("field %q changed by recording a send", f)
				}
			}
			if !changed[fieldVersion] {
				t.Error("version did not move")
			}
			p := b.get(t, "u1")
			if len(p.Sends) != 1 || p.Sends[0].Campaign != "greeting" || p.Version != p0.Version+1 {
				t.Fatalf("sends %+v, version %d after %d", p.Sends, p.Version, p0.Version)
			}
			if !p.UpdatedAt.Equal(p0.UpdatedAt) {
				t.Errorf("UpdatedAt moved from %v to %v", p0.UpdatedAt, p.UpdatedAt)
			}
		})
	}
}

// firstErr returns the first error of a RecordSends answer.
func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
