package customers

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
)

// recordDaily records sends of campaign "news", one a day at testNow's hour, from `from`
// days before testNow down to `to` days before it.
func recordDaily(t *testing.T, b *testBundle, id string, from, to int) {
	t.Helper()
	for i := from; i >= to; i-- {
		send := decide.Send{Campaign: "news", Occurrence: day(i).Format("2006-01-02"), Channel: "email", At: day(i)}
		if err := b.store.RecordSend(b.ctx, id, send); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCapOf30In30DaysBindsAfter30SendsThroughTheStore records a month of daily sends and
// decides on the profile as read: with only the 20 newest sends kept (before the send log),
// a cap of 30/30d never bound.
func TestCapOf30In30DaysBindsAfter30SendsThroughTheStore(t *testing.T) {
	b := setup(t)
	b.store = NewStore(b.redis.Client, Options{SendHistory: config.LongestCap(nil, []*config.Campaign{{Limits: config.Limits{
		PerCustomer: config.Limit{Count: 30, Period: config.Duration(30 * 24 * time.Hour)}}}}), Now: func() time.Time { return testNow }})
	b.apply(t, identify("u1", "m1", day(60), map[string]any{"email": "u1@example.com", "consent": map[string]any{"email": true}}))
	camp := &config.Campaign{ID: "offer", Channels: []string{"email"}, OnCap: config.OnCapSkip,
		Variants: []config.Variant{{ID: "a", Email: &config.EmailContent{Subject: "Hi", HTML: "a.html"}}}}
	policy := decide.Policy{DefaultTimezone: time.UTC, PerCustomer: config.Limit{Count: 30, Period: config.Duration(30 * 24 * time.Hour)}}
	decideNow := func() decide.Decision {
		p := b.get(t, "u1")
		return decide.Decide(decide.Input{Campaign: camp, Customer: &p.Customer, Due: testNow.Add(time.Hour), Now: testNow.Add(time.Hour), Policy: policy})
	}
	recordDaily(t, b, "u1", 28, 1)
	if d := decideNow(); !d.Eligible {
		t.Fatalf("28 sends in 30 days: skipped %q %v", d.Skip, d.Reasons)
	}
	recordDaily(t, b, "u1", 44, 29) // older ones: only those a 30-day cap may count stay
	if n := len(b.get(t, "u1").Sends); n != 32 {
		t.Errorf("kept %d sends, want 32 (days 1 to 32): the 20 newest, then older ones within 30 days and a margin day of the newest", n)
	}
	if d := decideNow(); !d.Eligible {
		t.Fatalf("29 sends in the 30 local days: skipped %q %v", d.Skip, d.Reasons)
	}
	recordDaily(t, b, "u1", 0, 0)
	if d := decideNow(); d.Skip != decide.SkipFrequencyCap {
		t.Fatalf("30 sends in 30 days: skip %q, want frequency_cap; reasons %v", d.Skip, d.Reasons)
	}
}

func TestSendLogIsBoundedByMaxSends(t *testing.T) {
	b := setup(t)
	b.store = NewStore(b.redis.Client, Options{SendHistory: 365 * 24 * time.Hour, Now: func() time.Time { return testNow }})
	b.apply(t, identify("u1", "m1", day(400), nil))
	recordDaily(t, b, "u1", config.MaxSends+30, 0)
	p := b.get(t, "u1")
	if len(p.Sends) != config.MaxSends || !p.Sends[0].At.Equal(day(0)) {
		t.Fatalf("kept %d sends from %s, want the newest %d", len(p.Sends), p.Sends[0].At, config.MaxSends)
	}
	enc, _ := b.redis.Client.ObjectEncoding(b.ctx, profileKey("u1")).Result()
	mem, _ := b.redis.Client.MemoryUsage(b.ctx, profileKey("u1"), 0).Result()
	t.Logf("a profile with %d sends: %d bytes in Redis (%s)", len(p.Sends), mem, enc)
	if enc != "listpack" {
		t.Errorf("a full send log turned the profile into a %s", enc)
	}
}

// realSends are a triggered campaign's sends as delivery records them, newest first.
func realSends(n int) []decide.Send {
	out := make([]decide.Send, n)
	for i := range out {
		s := decide.Send{Campaign: []string{"thank-you", "win-back", "birthday"}[i%3], Channel: []string{"email", "sms"}[i%2],
			Variant: []string{"gold", "standard"}[i%2], Reward: []string{"points-200", "welcome-10", ""}[i%3],
			Occurrence: fmt.Sprintf("8c1e7f7e-6b1a-4f0e-9f5e-%012d", i), At: testNow.Add(-time.Duration(i) * 26 * time.Hour).Add(time.Duration(i) * 1234 * time.Millisecond),
			Priority: config.Priority(i%3 - 1)}
		if i%2 == 0 {
			s.ProviderID = fmt.Sprintf("4Q%010d", i)
		}
		out[i] = s
	}
	return out
}

// encodeSendsV1 is the format written before the send log, kept to measure and to check that
// such values are still read.
func encodeSendsV1(sends []decide.Send) []byte {
	b := []byte{formatV1}
	b = binary.AppendUvarint(b, uint64(len(sends)))
	var prev int64
	for _, s := range sends {
		at := s.At.UnixMilli()
		b = binary.AppendVarint(b, at-prev)
		prev = at
		for _, f := range []string{s.Campaign, s.Occurrence, s.Variant, s.Channel, s.Reward, s.ProviderID} {
			b = appendString(b, f)
		}
	}
	return b
}

func TestSendLogBytesPerSend(t *testing.T) {
	sends := realSends(config.MaxSends)
	v1, v2 := len(encodeSendsV1(sends)), len(encodeSends(sends))
	full := len(encodeSends(sends[:fullSends]))
	short := float64(v2-full) / float64(config.MaxSends-fullSends)
	t.Logf("%d sends: formatV1 %d bytes (%.1f a send), formatV2 %d bytes (%.1f a full send, %.1f a short one)",
		len(sends), v1, float64(v1)/float64(len(sends)), v2, float64(full)/fullSends, short)
	if short > 6 || v2 > 2048 {
		t.Errorf("formatV2 takes %d bytes for %d sends, %.1f a short one; want under 2 KiB, 6 bytes", v2, len(sends), short)
	}
}

func TestSendLogKeepsRecentSendsWholeAndOlderOnesShort(t *testing.T) {
	sends := realSends(fullSends + 5)
	got, err := decodeSends(string(encodeSends(sends)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sends {
		want := sends[i]
		want.At = want.At.UTC().Truncate(time.Millisecond)
		if i >= fullSends {
			want = decide.Send{Campaign: want.Campaign, Channel: want.Channel, Priority: want.Priority, At: want.At.Truncate(time.Minute)}
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("send %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
}

func TestSendLogOfTheFormerFormatIsReadAsNormalPriority(t *testing.T) {
	sends := realSends(3)
	got, err := decodeSends(string(encodeSendsV1(sends)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sends {
		want := sends[i]
		want.At, want.Priority = want.At.UTC().Truncate(time.Millisecond), config.PriorityNormal
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("send %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
}

func TestCorruptSendLogIsAnErrorNotAPanic(t *testing.T) {
	good := encodeSends(realSends(fullSends + 3))
	for cut := 1; cut < len(good); cut++ {
		if _, err := decodeSends(string(good[:cut])); err == nil {
			t.Fatalf("truncated at %d of %d: no error", cut, len(good))
		}
	}
	bad := append([]byte(nil), good...)
	bad[2] = 0xff // a name's length beyond the value
	if _, err := decodeSends(string(bad)); err == nil {
		t.Error("corrupt name table: no error")
	}
}

func TestReloadedLongerCapKeepsOlderSendsFromTheNextSend(t *testing.T) {
	b := setup(t) // SendHistory: the default 7 days
	b.apply(t, identify("u1", "m1", day(60), nil))
	recordDaily(t, b, "u1", 40, 1)
	if n := len(b.get(t, "u1").Sends); n != 20 {
		t.Fatalf("kept %d sends with a 7-day history, want the newest 20", n)
	}
	b.store.SetSendHistory(30 * 24 * time.Hour)
	recordDaily(t, b, "u1", 25, 21) // back in the log, now that a cap may count them
	recordDaily(t, b, "u1", 0, 0)
	if n := len(b.get(t, "u1").Sends); n != 26 {
		t.Fatalf("kept %d sends with a 30-day history, want 26 (days 0 to 25)", n)
	}
}

// FuzzDecodeSends: whatever field s holds, decoding gives sends or an error, never a panic,
// and what decodes encodes back to the same sends.
func FuzzDecodeSends(f *testing.F) {
	f.Add(encodeSends(realSends(fullSends + 4)))
	f.Add(encodeSendsV1(realSends(3)))
	f.Add([]byte{formatV2, 1, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		sends, err := decodeSends(string(b))
		if err != nil || len(sends) > fullSends {
			return // beyond fullSends, encoding shortens entries on purpose
		}
		again, err := decodeSends(string(encodeSends(sends)))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		for i := range sends {
			want := sends[i]
			want.At = want.At.UTC()
			if !reflect.DeepEqual(again[i], want) {
				t.Fatalf("send %d: %+v, then %+v", i, sends[i], again[i])
			}
		}
	})
}

func TestSendTimeTheLogCannotHoldIsRefused(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(1), nil))
	for _, at := range []time.Time{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if err := b.store.RecordSend(b.ctx, "u1", decide.Send{Campaign: "c", Channel: "email", At: at}); err == nil {
			t.Errorf("a send at %s was recorded: the log could not be read back", at)
		}
	}
	if err := b.store.RecordSend(b.ctx, "u1", decide.Send{Campaign: "c", Channel: "email", At: testNow}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Get(b.ctx, "u1"); err != nil {
		t.Fatal(err)
	}
}
