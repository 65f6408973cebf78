package customers

import (
	"testing"
	"time"
)

func sentLinks(id string, send byte, at time.Time, links ...string) SentLinks {
	return SentLinks{Customer: id, Send: [8]byte{send}, Campaign: "thank-you", Channel: "email", At: at,
		UTCOffset: 3 * 3600, Links: links}
}

func TestClicksCountOncePerSendAndRedirectOnlyToStoredLinks(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"email": "a@b.org"}))
	sent := testNow.Add(-time.Hour)
	if err := b.store.SaveLinks(b.ctx, sentLinks("u1", 1, sent, "https://shop.example/a", "https://shop.example/b")); err != nil {
		t.Fatal(err)
	}
	// a retried send saves the same links again: received once
	if err := b.store.SaveLinks(b.ctx, sentLinks("u1", 1, sent, "https://shop.example/a", "https://shop.example/b")); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		index     int
		wantURL   string
		wantFirst bool
	}{
		{1, "https://shop.example/b", true},
		{1, "https://shop.example/b", false},
		{0, "https://shop.example/a", false},
	} {
		r, err := b.store.RecordHit(b.ctx, Hit{Customer: "u1", Send: [8]byte{1}, Click: true, Index: tc.index, At: testNow, ScannerWindow: 10 * time.Second})
		if err != nil || !r.Found || r.URL != tc.wantURL || r.First != tc.wantFirst || r.Flag != "" {
			t.Fatalf("click %d: %+v %v", i, r, err)
		}
	}
	for name, h := range map[string]Hit{
		"unknown link": {Customer: "u1", Send: [8]byte{1}, Click: true, Index: 2, At: testNow},
		"unknown send": {Customer: "u1", Send: [8]byte{9}, Click: true, Index: 0, At: testNow},
		"other user":   {Customer: "u2", Send: [8]byte{1}, Click: true, Index: 0, At: testNow},
	} {
		if r, err := b.store.RecordHit(b.ctx, h); err != nil || r.Found || r.URL != "" {
			t.Errorf("%s: %+v %v", name, r, err)
		}
	}
	st, err := b.store.SendStats(b.ctx, "u1", [8]byte{1})
	if err != nil || st.Clicks != 3 || st.UniqueClicks != 1 || st.FlaggedClicks != 0 {
		t.Fatalf("stats %+v %v", st, err)
	}
	p, err := b.store.Get(b.ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	e := p.Engagement["email"]
	// clicked at 12:00 UTC, 15:00 at the customer's +03:00
	if e.Received != 1 || e.Clicks != 1 || e.Engaged != 1 || e.Rate() != 1 || e.BestHour() != 15 || !e.LastEngagement.Equal(testNow) {
		t.Fatalf("engagement %+v", e)
	}
}

func TestMachineOpensAndClicksAreFlaggedNotEngagement(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"email": "a@b.org"}))
	if err := b.store.SaveLinks(b.ctx, sentLinks("u1", 1, testNow, "https://a/1", "https://a/2")); err != nil {
		t.Fatal(err)
	}
	for _, h := range []Hit{
		{Customer: "u1", Send: [8]byte{1}, At: testNow.Add(time.Second), Proxy: true},
		{Customer: "u1", Send: [8]byte{1}, Click: true, Index: 0, At: testNow.Add(2 * time.Second), ScannerWindow: 10 * time.Second},
		{Customer: "u1", Send: [8]byte{1}, Click: true, Index: 1, At: testNow.Add(2 * time.Second), ScannerWindow: 10 * time.Second},
	} {
		r, err := b.store.RecordHit(b.ctx, h)
		if err != nil || !r.Found || r.Flag == "" || r.First {
			t.Fatalf("%+v: %+v %v", h, r, err)
		}
	}
	st, _ := b.store.SendStats(b.ctx, "u1", [8]byte{1})
	if st.Opens != 1 || st.FlaggedOpens != 1 || st.UniqueOpens != 0 || st.FlaggedClicks != 2 || !st.Scanned {
		t.Fatalf("stats %+v", st)
	}
	eng, err := b.store.Engagement(b.ctx, "u1", "email", "sms")
	if err != nil {
		t.Fatal(err)
	}
	if e := eng["email"]; e.Received != 1 || e.Engaged != 0 || e.Opens != 0 || e.Clicks != 0 || e.BestHour() != -1 {
		t.Fatalf("engagement %+v", e)
	}
	if _, ok := eng["sms"]; ok {
		t.Fatalf("sms engagement without any sms: %+v", eng)
	}
}

func TestEngagementCostsUnder150BytesPerCustomer(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"email": "a@b.org"}))
	before, err := b.redis.Client.MemoryUsage(b.ctx, profileKey("u1"), 0).Result()
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range []string{"email", "sms"} {
		l := sentLinks("u1", byte(i), testNow.Add(-time.Hour))
		l.Channel = ch
		if err := b.store.SaveLinks(b.ctx, l); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.RecordHit(b.ctx, Hit{Customer: "u1", Send: [8]byte{byte(i)}, Click: ch == "email", At: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := b.redis.Client.MemoryUsage(b.ctx, profileKey("u1"), 0).Result()
	if added := after - before; added >= 150 {
		t.Fatalf("engagement of email and sms added %d bytes to the profile, want < 150", added)
	}
	t.Logf("profile %d -> %d bytes", before, after)
}

func TestEngagementOfAnErasedCustomerIsNotWritten(t *testing.T) {
	b := setup(t)
	if err := b.store.SaveLinks(b.ctx, sentLinks("ghost", 1, testNow)); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.redis.Client.Exists(b.ctx, profileKey("ghost")).Result(); n != 0 {
		t.Fatalf("a profile hash was created for a customer who has none")
	}
}
