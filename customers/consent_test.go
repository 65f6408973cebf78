package customers

import (
	"fmt"
	"testing"
	"time"
)

func TestConsentChangesAreKeptAsADatedHistoryWithTheirSource(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "a@x.org", "consent": map[string]any{"email": true, "sms": true}}))
	steps := []struct {
		c       ConsentChange
		changed bool
	}{
		{ConsentChange{At: day(2), Channel: "sms", Action: ConsentOptOut, Source: SourceSMSKeyword}, true},
		{ConsentChange{At: day(2).Add(time.Minute), Channel: "sms", Action: ConsentOptOut, Source: SourceSMSKeyword}, false},
		{ConsentChange{At: day(1), Channel: "email", Action: ConsentPause, Until: day(1).AddDate(0, 0, 30), Source: SourcePage}, true},
		{ConsentChange{At: testNow, Channel: "sms", Action: ConsentOptIn, Source: SourceSMSKeyword}, true},
	}
	for i, s := range steps {
		changed, err := b.store.ChangeConsent(b.ctx, "c1", s.c)
		if err != nil || changed != s.changed {
			t.Fatalf("step %d: changed %v, %v; want %v", i, changed, err, s.changed)
		}
	}
	p := b.get(t, "c1")
	var got []string
	for _, c := range p.ConsentHistory {
		got = append(got, fmt.Sprintf("%s %s %s %s", c.At.Format(time.DateOnly), c.Channel, c.Action, c.Source))
	}
	want := []string{
		testNow.Format(time.DateOnly) + " sms opt_in sms_keyword",
		day(1).Format(time.DateOnly) + " email pause page",
		day(2).Format(time.DateOnly) + " sms opt_out sms_keyword",
		day(3).Format(time.DateOnly) + " email opt_in api",
		day(3).Format(time.DateOnly) + " sms opt_in api",
	}
	if fmt.Sprint(sortedTail(got, 2)) != fmt.Sprint(sortedTail(want, 2)) {
		t.Fatalf("history\n%q\nwant\n%q", got, want)
	}
	if _, ok := p.Unsubscribed["sms"]; ok {
		t.Error("START left sms unsubscribed")
	}
	if u := p.PausedUntil["email"]; !u.Equal(day(1).AddDate(0, 0, 30)) {
		t.Errorf("email paused until %v", u)
	}
	if p.ConsentHistory[1].Until.IsZero() {
		t.Error("the pause entry lost its end")
	}
}

// sortedTail sorts the last n entries, which were written by one identify in map order.
func sortedTail(s []string, n int) []string {
	out := append([]string(nil), s...)
	tail := out[len(out)-n:]
	if len(tail) == 2 && tail[0] > tail[1] {
		tail[0], tail[1] = tail[1], tail[0]
	}
	return out
}

func TestConsentHistoryIsBounded(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"phone": "+14155550100"}))
	for i := range MaxConsentHistory + 10 {
		a := ConsentOptOut
		if i%2 == 1 {
			a = ConsentOptIn
		}
		if _, err := b.store.ChangeConsent(b.ctx, "c1", ConsentChange{At: day(2).Add(time.Duration(i) * time.Minute), Channel: "sms", Action: a, Source: SourceSMSKeyword}); err != nil {
			t.Fatal(err)
		}
	}
	p := b.get(t, "c1")
	if len(p.ConsentHistory) != MaxConsentHistory {
		t.Fatalf("%d entries kept, want %d", len(p.ConsentHistory), MaxConsentHistory)
	}
	if last := p.ConsentHistory[0]; last.Action != ConsentOptIn || !last.At.Equal(day(2).Add(time.Duration(MaxConsentHistory+9)*time.Minute)) {
		t.Fatalf("newest entry %+v", last)
	}
}

func TestChangeConsentRefusesBadInputAndWritesNothing(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "a@x.org"}))
	for name, c := range map[string]ConsentChange{
		"no channel":         {At: testNow, Action: ConsentOptOut, Source: SourcePage},
		"unknown action":     {At: testNow, Channel: "email", Action: "maybe", Source: SourcePage},
		"no time":            {Channel: "email", Action: ConsentOptOut, Source: SourcePage},
		"no source":          {At: testNow, Channel: "email", Action: ConsentOptOut},
		"pause without end":  {At: testNow, Channel: "email", Action: ConsentPause, Source: SourcePage},
		"pause of two years": {At: testNow, Channel: "email", Action: ConsentPause, Until: testNow.AddDate(2, 0, 0), Source: SourcePage},
	} {
		if _, err := b.store.ChangeConsent(b.ctx, "c1", c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if p := b.get(t, "c1"); len(p.ConsentHistory) != 0 || len(p.Unsubscribed) != 0 {
		t.Fatalf("bad input changed the profile: %+v %+v", p.ConsentHistory, p.Unsubscribed)
	}
}
