package customers

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rapporthq/rapport/decide"
)

func TestRecordSendsRecordsLikeRecordSendOnEach(t *testing.T) {
	b := setup(t)
	b.store = NewStore(b.redis.Client, Options{RecentSends: 2, MaxSends: 2, Now: func() time.Time { return testNow }})
	b.apply(t, identify("u1", "m1", day(1), nil), identify("u2", "m2", day(1), nil))
	at := func(h int) time.Time { return testNow.Add(time.Duration(h) * time.Hour) }
	errs := b.store.RecordSends(b.ctx, []SendOf{
		{ID: "u1", Send: decide.Send{Campaign: "a", Occurrence: "o", Channel: "email", At: at(1)}},
		{ID: "u2", Send: decide.Send{Campaign: "a", Occurrence: "o", Channel: "email", At: at(1)}},
		// the same customer twice in one group: the second loses the compare-and-set and is
		// recorded alone, after the first
		{ID: "u1", Send: decide.Send{Campaign: "b", Occurrence: "o", Channel: "email", At: at(2)}},
		{ID: "ghost", Send: decide.Send{Campaign: "a", Channel: "email", At: at(1)}},
		{ID: "u2", Send: decide.Send{Campaign: "", Channel: "email", At: at(1)}},
	})
	for i, want := range []bool{true, true, true, false, false} {
		if (errs[i] == nil) != want {
			t.Fatalf("send %d: error %v", i, errs[i])
		}
	}
	if !errors.Is(errs[3], ErrNotFound) {
		t.Fatalf("ghost: %v", errs[3])
	}
	// a retried group replaces its sends, and the newest RecentSends are kept
	errs = b.store.RecordSends(b.ctx, []SendOf{
		{ID: "u1", Send: decide.Send{Campaign: "a", Occurrence: "o", Channel: "email", At: at(3)}},
		{ID: "u1", Send: decide.Send{Campaign: "c", Occurrence: "o", Channel: "email", At: at(0)}},
	})
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	campaigns := func(id string) []string {
		var out []string
		for _, s := range b.get(t, id).Sends {
			out = append(out, s.Campaign)
		}
		return out
	}
	if got := campaigns("u1"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("u1 sends %v", got)
	}
	if got := campaigns("u2"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("u2 sends %v", got)
	}
	if _, err := b.store.Get(b.ctx, "ghost"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a send brought back a customer: %v", err)
	}
}

func TestRecordSendsOnProfilesAsReadKeepsLaterChanges(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"firstName": "Ann"}), identify("u2", "m2", day(2), nil))
	profs, err := b.store.GetMany(b.ctx, []string{"u1", "u2"})
	if err != nil {
		t.Fatal(err)
	}
	// u1 changes after it was read: its send must not write the old profile back.
	b.apply(t, identify("u1", "m3", day(1), map[string]any{"firstName": "Anna"}))
	send := decide.Send{Campaign: "a", Occurrence: "o", Channel: "email", At: testNow}
	errs := b.store.RecordSends(b.ctx, []SendOf{
		{ID: "u1", Send: send, Read: profs[0]}, {ID: "u2", Send: send, Read: profs[1]},
		{ID: "u2", Send: decide.Send{Campaign: "b", Occurrence: "o", Channel: "email", At: testNow}, Read: profs[1]},
	})
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatal(errs)
	}
	u1 := b.get(t, "u1")
	if u1.FirstName != "Anna" || len(u1.Sends) != 1 {
		t.Fatalf("u1: %q, sends %+v", u1.FirstName, u1.Sends)
	}
	if u2 := b.get(t, "u2"); len(u2.Sends) != 2 || u2.Version != profs[1].Version+2 {
		t.Fatalf("u2: version %d, sends %+v", u2.Version, u2.Sends)
	}
}
