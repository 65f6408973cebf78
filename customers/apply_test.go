package customers

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestIdentifyCreatesAndMergesTraits(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(3), map[string]any{
		"email": "Jane.Doe@Example.ORG", "firstName": "Jane", "plan": "gold",
		"address": map[string]any{"country": "de", "city": "Berlin"},
	}))
	res := b.apply(t, identify("u1", "m2", day(2), map[string]any{"last_name": "Doe", "plan": "platinum"}))
	p := b.get(t, "u1")
	if p.Email != "Jane.Doe@example.org" || p.FirstName != "Jane" || p.LastName != "Doe" || p.Country != "DE" {
		t.Fatalf("reserved traits: %+v", p.Customer)
	}
	if p.Traits["plan"] != "platinum" || p.Traits["email"] != "Jane.Doe@Example.ORG" || len(p.Traits) != 5 {
		t.Fatalf("traits: %v", p.Traits)
	}
	if p.Version != 2 || res[0].Profile.Version != 2 || !p.UpdatedAt.Equal(testNow) {
		t.Fatalf("version %d (result %d), updated %v", p.Version, res[0].Profile.Version, p.UpdatedAt)
	}
	if !p.CreatedAt.Equal(day(3)) {
		t.Fatalf("created at %v, want first seen %v", p.CreatedAt, day(3))
	}
	if n, _ := b.store.Count(b.ctx); n != 1 {
		t.Fatalf("count %d", n)
	}
}

func TestReservedTraitsAreNormalisedOrLeftEmpty(t *testing.T) {
	tests := []struct {
		name   string
		traits map[string]any
		check  func(p *Profile) bool
	}{
		{"phone with country", map[string]any{"phone": "030 901820", "address": map[string]any{"country": "DE"}},
			func(p *Profile) bool { return p.Phone == "+4930901820" }},
		{"phone with default region", map[string]any{"phone": "(201) 555-0123"},
			func(p *Profile) bool { return p.Phone == "+12015550123" }},
		{"phone international", map[string]any{"phone": "+44 20 7946 0958", "address": map[string]any{"country": "DE"}},
			func(p *Profile) bool { return p.Phone == "+442079460958" }},
		{"phone garbage kept in traits only", map[string]any{"phone": "call me maybe"},
			func(p *Profile) bool { return p.Phone == "" && p.Traits["phone"] == "call me maybe" }},
		{"phone number type", map[string]any{"phone": 2015550123.0},
			func(p *Profile) bool { return p.Phone == "" && p.Traits["phone"] == 2015550123.0 }},
		{"email invalid", map[string]any{"email": "jane at example"},
			func(p *Profile) bool { return p.Email == "" && p.Traits["email"] == "jane at example" }},
		{"email with name", map[string]any{"email": "Jane <JANE@x.org>"},
			func(p *Profile) bool { return p.Email == "JANE@x.org" }},
		{"email local part kept as given, domain lower-cased", map[string]any{"email": "Anna.Petrova@Example.ORG"},
			func(p *Profile) bool { return p.Email == "Anna.Petrova@example.org" }},
		{"email quoted local part stays quoted", map[string]any{"email": `"a b"@example.com`},
			func(p *Profile) bool { return p.Email == `"a b"@example.com` }},
		{"email internationalised domain kept for display", map[string]any{"email": "user@Bücher.de"},
			func(p *Profile) bool { return p.Email == "user@bücher.de" }},
		{"country name refused", map[string]any{"address": map[string]any{"country": "Germany"}},
			func(p *Profile) bool { return p.Country == "" }},
		{"timezone valid", map[string]any{"timezone": "Europe/Berlin"},
			func(p *Profile) bool { return p.Timezone == "Europe/Berlin" }},
		{"timezone invalid", map[string]any{"timezone": "Mars/Olympus"},
			func(p *Profile) bool { return p.Timezone == "" && p.Traits["timezone"] == "Mars/Olympus" }},
		{"locale canonical", map[string]any{"locale": "ru_ru"},
			func(p *Profile) bool { return p.Locale == "ru-RU" }},
		{"locale invalid", map[string]any{"locale": "not a locale!"},
			func(p *Profile) bool { return p.Locale == "" }},
		{"birthday valid", map[string]any{"birthday": "1990-02-28"},
			func(p *Profile) bool { return p.Birthday == "1990-02-28" }},
		{"birthday impossible", map[string]any{"birthday": "1990-02-30"},
			func(p *Profile) bool { return p.Birthday == "" }},
		{"createdAt", map[string]any{"createdAt": "2020-01-02T03:04:05Z"},
			func(p *Profile) bool { return p.CreatedAt.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) }},
		{"consent", map[string]any{"consent": map[string]any{"email": true, "sms": false}},
			func(p *Profile) bool {
				return p.Consent.Allows("email") && !p.Consent.Allows("sms") && p.Consent.SMS != nil
			}},
	}
	b := setup(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("u%d", i)
			b.apply(t, identify(id, "m", day(1), tt.traits))
			if p := b.get(t, id); !tt.check(p) {
				t.Fatalf("profile %+v", p.Customer)
			}
		})
	}
}

func TestNullDeletesATraitAndAnOlderValueDoesNotBringItBack(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(5), map[string]any{"plan": "gold", "email": "a@b.org"}))
	b.apply(t, identify("u1", "m2", day(3), map[string]any{"plan": nil}))
	b.apply(t, identify("u1", "m3", day(4), map[string]any{"plan": "silver", "email": "old@b.org"}))
	p := b.get(t, "u1")
	if _, ok := p.Traits["plan"]; ok {
		t.Fatalf("deleted trait came back: %v", p.Traits)
	}
	// m3 (day 4) is newer than m1 (day 5), so its email wins even though plan stayed deleted
	if p.Email != "old@b.org" {
		t.Fatalf("a later identify must win: email %q", p.Email)
	}
	b.apply(t, identify("u1", "m4", day(6), map[string]any{"email": "older@b.org"}))
	if p := b.get(t, "u1"); p.Email != "old@b.org" {
		t.Fatalf("an identify older than the trait overwrote it: %q", p.Email)
	}
}

func TestConsentMergesPerChannelByEventTime(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(2), map[string]any{"consent": map[string]any{"sms": false}}))
	b.apply(t, identify("u1", "m2", day(3), map[string]any{"consent": map[string]any{"email": true, "sms": true}}))
	p := b.get(t, "u1")
	if !p.Consent.Allows("email") || p.Consent.Allows("sms") {
		t.Fatalf("consent %+v, want email from the old call and sms from the newer one", p.Traits["consent"])
	}
	if err := b.store.SetConsent(b.ctx, "u1", "email", false); err != nil {
		t.Fatal(err)
	}
	b.apply(t, identify("u1", "m3", day(1), map[string]any{"consent": map[string]any{"email": true}}))
	if p := b.get(t, "u1"); p.Consent.Allows("email") {
		t.Fatalf("an identify older than SetConsent re-enabled email")
	}
	b.apply(t, identify("u1", "m4", testNow.Add(time.Minute), map[string]any{"consent": nil}))
	if p := b.get(t, "u1"); p.Consent.Email != nil || p.Consent.SMS != nil || p.Traits["consent"] != nil {
		t.Fatalf("consent: null must withdraw every channel, got %v", p.Traits["consent"])
	}
}

func TestOrderCompletedUpdatesSummary(t *testing.T) {
	b := setup(t)
	first := orderEvent("u1", "o1", day(30), 20)
	second := Event{Type: TypeTrack, Event: OrderCompleted, UserID: "u1", MessageID: "o2", Timestamp: day(10),
		Properties: map[string]any{"currency": "eur", "coupon": "SPRING", "products": []any{
			map[string]any{"price": 10.0, "quantity": 2.0, "category": "shoes"},
			map[string]any{"price": 5.5, "category": "socks"},
		}}}
	sameDay := orderEvent("u1", "o3", day(10).Add(-time.Hour), 4.5)
	browse := Event{Type: TypeTrack, Event: "Product Viewed", UserID: "u1", MessageID: "v1", Timestamp: day(1)}
	res := b.apply(t, first, second, sameDay, browse)

	s := b.get(t, "u1").Summary
	if s.Orders != 3 || s.Revenue != 50 || s.Currency != "EUR" || s.LastCoupon != "SPRING" || s.LastOrderTotal != 25.5 {
		t.Fatalf("summary %+v", s)
	}
	if !reflect.DeepEqual(s.LastCategories, []string{"shoes", "socks"}) {
		t.Fatalf("categories %v", s.LastCategories)
	}
	if !s.FirstOrderAt.Equal(day(30)) || !s.LastOrderAt.Equal(day(10)) || s.GapMeanDays != 20 {
		t.Fatalf("first %v last %v gap %v", s.FirstOrderAt, s.LastOrderAt, s.GapMeanDays)
	}
	p := b.get(t, "u1")
	if len(p.Days) != 2 || p.Days[1].Orders != 2 || p.Days[1].Value != 30 {
		t.Fatalf("days %+v", p.Days)
	}
	if res[0].Profile.Summary.Orders != 1 || res[3].Profile.Summary.Orders != 3 {
		t.Fatalf("results must carry the profile after each event")
	}
}

func TestReplayedEventChangesNothing(t *testing.T) {
	b := setup(t)
	ev := orderEvent("u1", "m1", day(1), 10)
	b.apply(t, ev, identify("u1", "m2", day(1), map[string]any{"plan": "gold"}))
	before := b.get(t, "u1")

	replay := identify("u1", "m2", day(0), map[string]any{"plan": "silver"})
	res := b.apply(t, ev, replay, orderEvent("u1", "m3", day(0), 5), orderEvent("u1", "m3", day(0), 5))
	want := []bool{true, true, false, true}
	for i, r := range res {
		if r.Duplicate != want[i] {
			t.Fatalf("result %d duplicate=%v, want %v", i, r.Duplicate, want[i])
		}
	}
	after := b.get(t, "u1")
	if after.Summary.Orders != 2 || after.Traits["plan"] != "gold" || after.Version != before.Version+1 {
		t.Fatalf("orders %d plan %v version %d→%d", after.Summary.Orders, after.Traits["plan"], before.Version, after.Version)
	}
	// only duplicates: nothing is written at all
	res = b.apply(t, ev)
	if !res[0].Duplicate || res[0].Profile == nil || b.get(t, "u1").Version != after.Version {
		t.Fatalf("a call of duplicates only must not write")
	}
}

func TestOrderIsCountedOnceByOrderIDWhateverTheMessageID(t *testing.T) {
	b := setup(t)
	a := orderEvent("u1", "shop-webhook-1", day(2), 10)
	a.Properties["order_id"] = "A-100"
	again := orderEvent("u1", "order:A-100", day(2), 10)
	again.Properties["order_id"] = "A-100"
	res := b.apply(t, a, again)
	if res[0].Duplicate || !res[1].Duplicate {
		t.Fatalf("duplicates %v %v", res[0].Duplicate, res[1].Duplicate)
	}
	// orders are remembered for ever, well past DedupeTTL
	ttl, err := b.redis.Client.PTTL(b.ctx, dedupeKey("u1")).Result()
	if err != nil || ttl != -1 {
		t.Fatalf("dedupe set with an order must not expire: %v %v", ttl, err)
	}
}

func TestDedupeOfOtherEventsExpiresAfterTTL(t *testing.T) {
	b := setup(t)
	clock := testNow
	b.store = NewStore(b.redis.Client, Options{DedupeTTL: time.Hour, Now: func() time.Time { return clock }})
	ev := Event{Type: TypeTrack, Event: "Viewed", UserID: "u1", MessageID: "m1", Timestamp: testNow}
	b.apply(t, ev)
	ttl, _ := b.redis.Client.PTTL(b.ctx, dedupeKey("u1")).Result()
	if ttl <= 0 || ttl > time.Hour {
		t.Fatalf("dedupe set ttl %v", ttl)
	}
	if !b.apply(t, ev)[0].Duplicate {
		t.Fatal("replay within the TTL must be a duplicate")
	}
	clock = testNow.Add(2 * time.Hour)
	if b.apply(t, ev)[0].Duplicate {
		t.Fatal("replay after the TTL is applied again")
	}
}

func TestOutOfOrderOrdersGiveTheSameSummary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var orders []Event
	for i := range 50 {
		at := day(400).Add(time.Duration(rng.IntN(400*24)) * time.Hour)
		ev := orderEvent("u", fmt.Sprintf("m%d", i), at, float64(rng.IntN(10000))/100)
		ev.Properties["coupon"] = fmt.Sprintf("C%d", i)
		ev.Properties["currency"] = []string{"EUR", "USD"}[i%2]
		orders = append(orders, ev)
	}
	// two orders at the same millisecond: the last one must not depend on arrival order
	orders[7].Timestamp = orders[3].Timestamp
	b := setup(t)
	var want *Profile
	for perm := range 5 {
		shuffled := append([]Event(nil), orders...)
		if perm > 0 {
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		}
		id := fmt.Sprintf("u%d", perm)
		for i := range shuffled {
			shuffled[i].UserID = id
		}
		// some in one call, the rest one by one, as live and historical traffic mixes
		b.apply(t, shuffled[:20]...)
		for _, ev := range shuffled[20:] {
			b.apply(t, ev)
		}
		got := b.get(t, id)
		if want == nil {
			want = got
			continue
		}
		if !reflect.DeepEqual(got.Summary, want.Summary) || !reflect.DeepEqual(got.Days, want.Days) {
			t.Fatalf("permutation %d:\n got %+v\nwant %+v", perm, got.Summary, want.Summary)
		}
	}
	if want.Summary.Orders != 50 || want.Summary.GapStdDays == 0 {
		t.Fatalf("summary %+v", want.Summary)
	}
}

func TestConcurrentApplyLosesNoOrder(t *testing.T) {
	b := setup(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				evs := []Event{
					orderEvent("hot", fmt.Sprintf("w%d-%d", w, i), day(i), 1),
					identify("hot", fmt.Sprintf("w%d-%d-id", w, i), day(i), map[string]any{fmt.Sprintf("w%d", w): i}),
				}
				if _, err := b.store.Apply(b.ctx, evs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p := b.get(t, "hot")
	if p.Summary.Orders != writers*each || p.Summary.Revenue != writers*each {
		t.Fatalf("orders %d revenue %v, want %d", p.Summary.Orders, p.Summary.Revenue, writers*each)
	}
	for w := range writers {
		if p.Traits[fmt.Sprintf("w%d", w)] != 0.0 { // day(0) is the newest write of each writer
			t.Fatalf("trait w%d = %v", w, p.Traits[fmt.Sprintf("w%d", w)])
		}
	}
	if p.Version != writers*each {
		t.Fatalf("version %d, want one per call", p.Version)
	}
}

func TestApplyRefusesAnInvalidEventAndWritesNothing(t *testing.T) {
	b := setup(t)
	_, err := b.store.Apply(b.ctx, []Event{
		orderEvent("u1", "m1", day(1), 10),
		{Type: TypeTrack, UserID: "u2", MessageID: "m2", Timestamp: day(1)}, // no event name
	})
	if err == nil {
		t.Fatal("want an error")
	}
	if n, _ := b.redis.Client.DBSize(b.ctx).Result(); n != 0 {
		t.Fatalf("%d keys written", n)
	}
}
