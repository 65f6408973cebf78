package customers

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/decide"
)

func TestDeleteErasesEverythingOfTheCustomer(t *testing.T) {
	b := setup(t)
	b.apply(t,
		identify("u1", "m1", day(2), map[string]any{"email": "a@b.org", "phone": "+12015550123"}),
		orderEvent("u1", "m2", day(1), 10),
		Event{Type: TypeTrack, Event: "Viewed", UserID: "u1", MessageID: "m3", Timestamp: day(1)},
		identify("u2", "m1", day(2), map[string]any{"email": "c@d.org"}),
	)
	if err := b.store.RecordSend(b.ctx, "u1", decide.Send{Campaign: "c", Channel: "email", At: testNow}); err != nil {
		t.Fatal(err)
	}
	found, err := b.store.Delete(b.ctx, "u1")
	if err != nil || !found {
		t.Fatalf("delete: %v %v", found, err)
	}
	var keys []string
	iter := b.redis.Client.Scan(b.ctx, 0, "*{c:u1}*", 100).Iterator()
	for iter.Next(b.ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil || len(keys) != 0 {
		t.Fatalf("keys left: %v %v", keys, err)
	}
	if _, err := b.store.Get(b.ctx, "u1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if ids, _, _ := b.store.Page(b.ctx, "", 10); !slices.Equal(ids, []string{"u2"}) {
		t.Fatalf("index after delete: %v", ids)
	}
	if found, err := b.store.Delete(b.ctx, "u1"); err != nil || found {
		t.Fatalf("second delete: %v %v", found, err)
	}
	// a replayed event after erasure creates a fresh profile: erasure forgets the dedupe too
	if r := b.apply(t, orderEvent("u1", "m2", day(1), 10)); r[0].Duplicate || r[0].Profile.Summary.Orders != 1 {
		t.Fatalf("replay after delete: %+v", r[0])
	}
}

func TestPageWalksAllIdsExactlyOnce(t *testing.T) {
	b := setup(t)
	var events []Event
	var want []string
	for i := range 237 {
		id := fmt.Sprintf("c%04d", (i*7919)%1000) // created out of order
		want = append(want, id)
		events = append(events, identify(id, "m", day(1), nil))
	}
	for chunk := range slices.Chunk(events, 50) {
		b.apply(t, chunk...)
	}
	// index order: by bucket, then by id
	slices.SortFunc(want, func(a, b string) int {
		return cmp.Or(cmp.Compare(bucketOf(a), bucketOf(b)), strings.Compare(a, b))
	})
	for _, size := range []int{1, 10, 237, 500} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			ids, next, err := b.store.Page(b.ctx, after, size)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids...)
			if next == "" {
				break
			}
			after = next
			if pages > 1000 {
				t.Fatal("page loop does not end")
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("page size %d: got %d ids, want %d in order", size, len(got), len(want))
		}
	}
	if n, _ := b.store.Count(b.ctx); n != 237 {
		t.Fatalf("count %d", n)
	}
	if _, _, err := b.store.Page(b.ctx, "", 0); err == nil {
		t.Fatal("page size 0 must be refused")
	}
}

func TestRecordSendKeepsTheNewestN(t *testing.T) {
	b := setup(t)
	b.store = NewStore(b.redis.Client, Options{RecentSends: 5, MaxSends: 5, Now: func() time.Time { return testNow }})
	b.apply(t, identify("u1", "m1", day(1), nil))
	for _, i := range []int{3, 9, 1, 7, 5, 2, 8, 0, 6, 4} {
		send := decide.Send{Campaign: fmt.Sprintf("c%d", i), Occurrence: "2025-03-01", Channel: "email",
			At: testNow.Add(time.Duration(i) * time.Hour), ProviderID: "<id@mail>"}
		if err := b.store.RecordSend(b.ctx, "u1", send); err != nil {
			t.Fatal(err)
		}
	}
	// the retry of a recorded delivery replaces it instead of counting twice
	retry := decide.Send{Campaign: "c9", Occurrence: "2025-03-01", Channel: "email", At: testNow.Add(9*time.Hour + time.Minute)}
	if err := b.store.RecordSend(b.ctx, "u1", retry); err != nil {
		t.Fatal(err)
	}
	p := b.get(t, "u1")
	var got []string
	for _, s := range p.Sends {
		got = append(got, s.Campaign)
	}
	if !slices.Equal(got, []string{"c9", "c8", "c7", "c6", "c5"}) {
		t.Fatalf("sends %v", got)
	}
	if !p.Sends[0].At.Equal(retry.At) || p.Sends[1].ProviderID != "<id@mail>" || p.Sends[1].Occurrence != "2025-03-01" {
		t.Fatalf("send fields %+v", p.Sends[:2])
	}
}

func TestChannelStateIsRecorded(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("u1", "m1", day(1), map[string]any{"consent": map[string]any{"email": true}}))
	ctx := b.ctx
	if err := b.store.MarkUndeliverable(ctx, "u1", "sms", "invalid number"); err != nil {
		t.Fatal(err)
	}
	at := testNow.Add(-time.Hour)
	if err := b.store.SetUnsubscribed(ctx, "u1", "email", at); err != nil {
		t.Fatal(err)
	}
	if err := b.store.SetUnsubscribed(ctx, "u1", "email", testNow); err != nil { // repeated: first kept
		t.Fatal(err)
	}
	if err := b.store.SetConsent(ctx, "u1", "sms", true); err != nil {
		t.Fatal(err)
	}
	p := b.get(t, "u1")
	if p.Undeliverable["sms"] != "invalid number" || !p.Unsubscribed["email"].Equal(at) {
		t.Fatalf("undeliverable %v unsubscribed %v", p.Undeliverable, p.Unsubscribed)
	}
	if !p.Consent.Allows("sms") || !p.Consent.Allows("email") {
		t.Fatalf("consent %v", p.Traits["consent"])
	}
	if err := b.store.SetUnsubscribed(ctx, "u1", "email", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if p := b.get(t, "u1"); len(p.Unsubscribed) != 0 {
		t.Fatalf("resubscribe left %v", p.Unsubscribed)
	}
	if err := b.store.SetConsent(ctx, "u1", "fax", true); err == nil {
		t.Fatal("consent for an unknown channel must be refused")
	}
}

func TestChangesToAMissingCustomerAreNotFound(t *testing.T) {
	b := setup(t)
	ctx := b.ctx
	calls := map[string]error{
		"RecordSend":        b.store.RecordSend(ctx, "ghost", decide.Send{Campaign: "c", Channel: "email", At: testNow}),
		"MarkUndeliverable": b.store.MarkUndeliverable(ctx, "ghost", "email", "bounce"),
		"SetUnsubscribed":   b.store.SetUnsubscribed(ctx, "ghost", "email", testNow),
		"SetConsent":        b.store.SetConsent(ctx, "ghost", "email", true),
	}
	for name, err := range calls {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if n, _ := b.redis.Client.DBSize(ctx).Result(); n != 0 {
		t.Fatalf("%d keys written for a missing customer", n)
	}
}

func TestGetManyReturnsNilForMissing(t *testing.T) {
	b := setup(t)
	b.apply(t, orderEvent("a", "m", day(1), 1), orderEvent("c", "m", day(1), 3))
	ps, err := b.store.GetMany(b.ctx, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].ID != "a" || ps[1] != nil || ps[2].Summary.Revenue != 3 {
		t.Fatalf("profiles %v", ps)
	}
}

func TestProfileWithTenTraitsAndTenOrdersIsUnderOneKiB(t *testing.T) {
	for _, tc := range []struct {
		name     string
		currency func(i int) string
	}{
		{"in one currency", func(int) string { return "EUR" }},
		// A customer who moved: five orders in roubles, then five in euros.
		{"in two currencies", func(i int) string { return []string{"RUB", "EUR"}[i/5] }},
		// The worst case: every purchase day in another currency than the one before.
		{"in three currencies by turns", func(i int) string { return []string{"RUB", "EUR", "USD"}[i%3] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			profile, enc := tenOrderProfileBytes(t, tc.currency)
			if profile >= 1024 || enc != "listpack" {
				t.Fatalf("profile uses %d bytes (%s), want < 1024 as a listpack", profile, enc)
			}
		})
	}
}

// tenOrderProfileBytes stores a customer with ten traits, ten orders in the given currencies
// and one send, and returns what the profile hash costs in Redis and its encoding.
func tenOrderProfileBytes(t *testing.T, currency func(i int) string) (int64, string) {
	b := setup(t)
	events := []Event{identify("customer-0001234", "m0", day(200), map[string]any{
		"email": "jane.doe@example.org", "phone": "+4930901820", "firstName": "Jane", "lastName": "Doe",
		"birthday": "1990-02-28", "createdAt": "2023-04-05T06:07:08Z", "address": map[string]any{"country": "DE"},
		"timezone": "Europe/Berlin", "locale": "de-DE", "consent": map[string]any{"email": true, "sms": false},
	})}
	for i := range 10 {
		ev := orderEvent("customer-0001234", fmt.Sprintf("8c1e7f7e-6b1a-4f0e-9f5e-0000000000%02d", i), day(180-15*i), 49.95+float64(i))
		ev.Properties["currency"] = currency(i)
		ev.Properties["order_id"] = fmt.Sprintf("100%04d", i)
		events = append(events, ev)
	}
	b.apply(t, events...)
	if err := b.store.RecordSend(b.ctx, "customer-0001234", decide.Send{Campaign: "welcome", Channel: "email", At: testNow}); err != nil {
		t.Fatal(err)
	}
	mem := func(key string) int64 {
		n, err := b.redis.Client.MemoryUsage(b.ctx, key, 0).Result()
		if err != nil {
			t.Fatalf("memory usage %s: %v", key, err)
		}
		return n
	}
	profile, dedupe := mem(profileKey("customer-0001234")), mem(dedupeKey("customer-0001234"))
	enc, _ := b.redis.Client.ObjectEncoding(b.ctx, profileKey("customer-0001234")).Result()
	h, _ := b.redis.Client.HGetAll(b.ctx, profileKey("customer-0001234")).Result()
	p := len(joinedProfile(t, h))
	t.Logf("profile hash: %d bytes (%s), field p %d bytes; dedupe set of 10 orders: %d bytes", profile, enc, p, dedupe)
	return profile, enc
}

// joinedProfile returns field p of a profile hash joined from its chunks.
func joinedProfile(t *testing.T, h map[string]string) string {
	t.Helper()
	return newState("").joinValue(h, fieldProfile)
}

func TestOptionsValidateRefusesAnUnknownRegion(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if err := (Options{DefaultRegion: "de"}).Validate(); err != nil {
		t.Fatalf("lower case: %v", err)
	}
	if err := (Options{DefaultRegion: "Germany"}).Validate(); err == nil {
		t.Fatal("a country name must be refused")
	}
}

func TestApplyReloadsTheScriptAfterRedisForgotIt(t *testing.T) {
	b := setup(t)
	b.apply(t, orderEvent("u1", "m1", day(2), 1))
	if err := b.redis.Client.ScriptFlush(b.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	b.apply(t, orderEvent("u1", "m2", day(1), 1), orderEvent("u2", "m1", day(1), 1))
	if err := b.redis.Client.ScriptFlush(b.ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.store.MarkUndeliverable(b.ctx, "u1", "sms", "invalid number"); err != nil {
		t.Fatal(err)
	}
	if p := b.get(t, "u1"); p.Summary.Orders != 2 || p.Undeliverable["sms"] == "" {
		t.Fatalf("profile %+v", p.Summary)
	}
}

func TestCorruptProfileIsAnErrorNotAPanic(t *testing.T) {
	b := setup(t)
	for i, fields := range []map[string]any{
		{"v": "x"},
		{"v": "1", "p": "\x01\xff"},
		{"v": "1", "p": "\x09"},
		{"v": "1", "p": "\x01\x00\x00\x00\x05"},
		{"v": "1", "s": "\x01\xff\xff\xff\xff\x0f"},
		{"v": "1", "u": "[1]"},
	} {
		id := fmt.Sprintf("bad%d", i)
		if err := b.redis.Client.HSet(b.ctx, profileKey(id), fields).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Get(b.ctx, id); err == nil {
			t.Errorf("%v: want an error", fields)
		}
		if _, err := b.store.Apply(b.ctx, []Event{orderEvent(id, "m", day(1), 1)}); err == nil {
			t.Errorf("%v: apply on a corrupt profile must fail, not overwrite it", fields)
		}
	}
}
