package customers

import (
	"errors"
	"fmt"
	"testing"
)

func TestAddressIndexFollowsIdentifyAndDelete(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "Ann@X.org", "phone": "+1 415 555 0100"}))
	if p, err := b.store.CustomerByPhone(b.ctx, "+14155550100"); err != nil || p.ID != "c1" {
		t.Fatalf("by phone: %v, %v", p, err)
	}
	if p, err := b.store.CustomerByEmail(b.ctx, "ann@x.ORG"); err != nil || p.ID != "c1" {
		t.Fatalf("by email, other case: %v, %v", p, err)
	}
	// A new phone replaces the old one; another customer taking the old email wins it.
	b.apply(t, identify("c1", "m2", day(2), map[string]any{"phone": "+14155550199"}),
		identify("c2", "m3", day(2), map[string]any{"email": "ann@x.org"}))
	if _, err := b.store.CustomerByPhone(b.ctx, "+14155550100"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old phone still finds a customer: %v", err)
	}
	if p, err := b.store.CustomerByPhone(b.ctx, "+14155550199"); err != nil || p.ID != "c1" {
		t.Fatalf("new phone: %v, %v", p, err)
	}
	if p, err := b.store.CustomerByEmail(b.ctx, "ann@x.org"); err != nil || p.ID != "c2" {
		t.Fatalf("shared email: %v, %v", p, err)
	}
	if _, err := b.store.Delete(b.ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.CustomerByPhone(b.ctx, "+14155550199"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("erased customer still found by phone: %v", err)
	}
	if keys := b.redis.Client.Keys(b.ctx, addrIndexPrefix+"*").Val(); len(keys) != 1 {
		t.Fatalf("index buckets left: %v, want c2's email only", keys)
	}
}

func TestFeedbackFindsTheCustomerByRememberedMessage(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "a@x.org"}))
	if err := b.store.RememberMessage(b.ctx, "<rapport.abc@news.example.com>", "c1"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"rapport.abc@news.example.com", "<rapport.abc@news.example.com>"} {
		if got, err := b.store.FindCustomer(b.ctx, id, "email", ""); err != nil || got != "c1" {
			t.Errorf("%s: %q, %v", id, got, err)
		}
	}
	if got, err := b.store.FindCustomer(b.ctx, "unknown@x", "email", "A@x.org"); err != nil || got != "c1" {
		t.Errorf("fallback to the address: %q, %v", got, err)
	}
	if ttl := b.redis.Client.TTL(b.ctx, MessageKey("rapport.abc@news.example.com")).Val(); ttl <= 0 || ttl > MessageTTL {
		t.Errorf("message key TTL %v", ttl)
	}
}

func TestSoftBouncesStopTheAddressAtTheLimitAndADeliveryResets(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "a@x.org"}))
	n := 0
	send := func(kind FeedbackKind) FeedbackResult {
		t.Helper()
		n++
		res, err := b.store.ApplyFeedback(b.ctx, Feedback{Source: "email", ID: fmt.Sprint("n", n), Kind: kind, Channel: "email", Customer: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, k := range []FeedbackKind{FeedbackSoftBounce, FeedbackSoftBounce, FeedbackDelivered, FeedbackSoftBounce, FeedbackSoftBounce} {
		if send(k).Stopped {
			t.Fatalf("stopped after %d notifications, the delivery should have reset the run", n)
		}
	}
	if _, ok := b.get(t, "c1").Undeliverable["email"]; ok {
		t.Fatal("marked undeliverable before the limit")
	}
	if res := send(FeedbackSoftBounce); !res.Stopped || res.SoftBounces != 3 {
		t.Fatalf("third soft bounce in a row: %+v", res)
	}
	if r := b.get(t, "c1").Undeliverable["email"]; r == "" {
		t.Fatal("not marked undeliverable")
	}
}

func TestTheSameNotificationTwiceCountsOnce(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "a@x.org"}))
	fb := Feedback{Source: "ses", ID: "sns-1", Kind: FeedbackSoftBounce, Channel: "email", Customer: "c1", SoftBounceLimit: 2}
	first, err := b.store.ApplyFeedback(b.ctx, fb)
	if err != nil || first.Duplicate || first.SoftBounces != 1 {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := b.store.ApplyFeedback(b.ctx, fb)
	if err != nil || !again.Duplicate {
		t.Fatalf("again: %+v, %v", again, err)
	}
	if _, ok := b.get(t, "c1").Undeliverable["email"]; ok {
		t.Fatal("the replay counted as a second bounce")
	}
}

func TestHardBounceAndComplaintStopTheChannel(t *testing.T) {
	b := setup(t)
	b.apply(t, identify("c1", "m1", day(3), map[string]any{"email": "a@x.org"}),
		identify("c2", "m2", day(3), map[string]any{"email": "b@x.org"}))
	if _, err := b.store.ApplyFeedback(b.ctx, Feedback{Source: "email", ID: "1", Kind: FeedbackHardBounce, Channel: "email", Customer: "c1", Reason: "550 no such user"}); err != nil {
		t.Fatal(err)
	}
	if r := b.get(t, "c1").Undeliverable["email"]; r != "hard bounce: 550 no such user" {
		t.Fatalf("undeliverable %q", r)
	}
	if _, err := b.store.ApplyFeedback(b.ctx, Feedback{Source: "email", ID: "2", Kind: FeedbackComplaint, Channel: "email", Customer: "c2", At: testNow}); err != nil {
		t.Fatal(err)
	}
	p := b.get(t, "c2")
	if _, ok := p.Unsubscribed["email"]; !ok || len(p.ConsentHistory) == 0 || p.ConsentHistory[0].Source != SourceComplaint {
		t.Fatalf("complaint: unsubscribed %v, history %+v", p.Unsubscribed, p.ConsentHistory)
	}
}

func TestFeedbackForAnUnknownCustomerIsForgottenForTheRetry(t *testing.T) {
	b := setup(t)
	fb := Feedback{Source: "email", ID: "x", Kind: FeedbackHardBounce, Channel: "email", Customer: "ghost"}
	for range 2 {
		if _, err := b.store.ApplyFeedback(b.ctx, fb); !errors.Is(err, ErrNotFound) {
			t.Fatalf("want ErrNotFound each time (not a duplicate), got %v", err)
		}
	}
}
