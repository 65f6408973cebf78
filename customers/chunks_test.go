package customers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/decide"
)

func TestLongProfileStaysAListpack(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(1), map[string]any{
		"email": "jane.doe@example.org", "firstName": "Jane", "lastName": "Doe", "timezone": "Europe/Berlin",
		"note": strings.Repeat("x", 300),
	}))
	for i := range 20 {
		if err := b.store.RecordSend(b.ctx, "u1", decide.Send{Campaign: fmt.Sprintf("campaign-%d", i), Channel: "email", At: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	if enc, _ := b.redis.Client.ObjectEncoding(b.ctx, profileKey("u1")).Result(); enc != "listpack" {
		t.Fatalf("profile is a %s", enc)
	}
	if n, _ := b.redis.Client.HLen(b.ctx, profileKey("u1")).Result(); n < 8 {
		t.Fatalf("%d fields: p and s are not chunked", n)
	}
	if p := b.get(t, "u1"); p.Traits["note"] != strings.Repeat("x", 300) || len(p.Sends) != 20 {
		t.Fatalf("profile read back: %d sends, note %v", len(p.Sends), p.Traits["note"])
	}
}

func TestShorterValueDeletesItsStaleChunks(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"note": strings.Repeat("x", 300)}))
	b.apply(t, identify("u1", "m2", day(1), map[string]any{"note": nil}))
	h, err := b.redis.Client.HGetAll(b.ctx, profileKey("u1")).Result()
	if err != nil {
		t.Fatal(err)
	}
	for f := range h {
		if strings.HasPrefix(f, "p") && f != "p" {
			t.Fatalf("stale chunk %s left: %v", f, h)
		}
	}
	if p := b.get(t, "u1"); p.Traits["note"] != nil {
		t.Fatalf("note %v", p.Traits["note"])
	}
}

func TestWholeLongValueOfAnEarlierVersionIsRead(t *testing.T) {
	b := setup(t)
	// An earlier version stored p whole however long; a profile written since by a version
	// that chunks, then whole again by an earlier one, keeps stale chunks that must be ignored.
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"note": strings.Repeat("x", 300)}))
	st := newState("u1")
	st.traits = map[string]any{"note": strings.Repeat("y", 200)}
	st.stamps["note"] = day(1).UnixMilli()
	st.dirty = dirtyTraits | dirtyMeta
	b2 := []byte{formatV1}
	b2 = st.encodeMeta(b2)
	b2 = st.orders.encode(b2)
	b2 = appendString(b2, "")
	b2 = append(b2, `{"note":"`+strings.Repeat("y", 200)+`"}`...)
	if err := b.redis.Client.HSet(b.ctx, profileKey("u1"), "p", b2).Err(); err != nil {
		t.Fatal(err)
	}
	if p := b.get(t, "u1"); p.Traits["note"] != strings.Repeat("y", 200) {
		t.Fatalf("note %v", p.Traits["note"])
	}
	b.apply(t, identify("u1", "m3", testNow, map[string]any{"firstName": "Jane"}))
	if p := b.get(t, "u1"); p.Traits["note"] != strings.Repeat("y", 200) || p.Traits["firstName"] != "Jane" {
		t.Fatalf("traits after a write over the whole value: %v", p.Traits)
	}
}
