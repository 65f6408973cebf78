package customers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/rewards"
)

// erasureBundle is a store wired with every eraser, as `rapport serve` wires it.
type erasureBundle struct {
	rdb    *redis.Client
	store  *customers.Store
	ledger *rewards.Ledger
	client *asynq.Client
	ctx    context.Context
}

func setupErasure(t *testing.T) *erasureBundle {
	t.Helper()
	r := testenv.NewRedis(t)
	ledger := rewards.NewLedger(r.Client, "secret")
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	client := asynq.NewClientFromRedisClient(r.Client)
	return &erasureBundle{
		rdb:    r.Client,
		ledger: ledger,
		client: client,
		ctx:    context.Background(),
		store: customers.NewStore(r.Client, customers.Options{Secret: "secret", Now: func() time.Time { return erasedAt },
			Erasers: []customers.Eraser{ledger, &tasks.Eraser{Inspector: insp}}}),
	}
}

// erasedAt is the store's clock: the erasure happens ten minutes after the seeded events.
var erasedAt = time.Date(2025, 3, 1, 12, 10, 0, 0, time.UTC)

const (
	erasedID    = "cust-7f3e"
	erasedEmail = "Jane.Roe@Example.org"
	erasedPhone = "2015550123" // +12015550123
)

// seedCustomer gives a customer every key family Rapport keeps about a customer: profile,
// dedupe set, delivery and holdout records whose reasons quote traits, reward grants with
// their budget fields and expiry, and queued send tasks (pending, scheduled, retry-like).
func (b *erasureBundle) seedCustomer(t *testing.T, id, email, phone string, at time.Time) {
	t.Helper()
	_, err := b.store.Apply(b.ctx, []customers.Event{
		{Type: customers.TypeIdentify, UserID: id, MessageID: id + "-m1", Timestamp: at, ReceivedAt: at,
			Traits: map[string]any{"email": email, "phone": phone, "tier": "gold", "firstName": "Jane",
				"consent": map[string]any{"email": true, "sms": true}}},
		{Type: customers.TypeTrack, Event: customers.OrderCompleted, UserID: id, MessageID: id + "-m2",
			Timestamp: at, ReceivedAt: at, Properties: map[string]any{"total": 42.0, "order_id": id + "-o1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.store.RecordSend(b.ctx, id, decide.Send{Campaign: "thanks", Channel: "email", At: at}); err != nil {
		t.Fatal(err)
	}
	records := map[string]delivery.Record{
		"thanks:once": {State: delivery.StateSent, Channel: "email", Variant: "gold", Reward: "welcome-10",
			Code: "WELCOME10-ABC", At: at, Reasons: []string{`variant gold: customer.tier == "gold"`}},
		"winback:once": {State: delivery.StateHoldout, Reason: "holdout", At: at,
			Reasons: []string{`holdout 10%`, `tier="gold"`}},
	}
	for k, rec := range records {
		if err := b.rdb.Set(b.ctx, delivery.DeliveryKeyPrefix(id)+k, rec.Encode(), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	reward := &config.Reward{ID: "welcome-10", Kind: "coupon", Value: "10%",
		Expires: config.Duration(30 * 24 * time.Hour), Budget: &config.Budget{Count: 100}}
	if _, err := b.ledger.Grant(b.ctx, "thanks", reward, id, "once", at); err != nil {
		t.Fatal(err)
	}
	event := &tasks.EventPayload{ID: id + "-m2", Name: "Order Completed", Timestamp: at,
		Properties: map[string]any{"email": email}}
	for i, opt := range []asynq.Option{asynq.ProcessIn(0), asynq.ProcessIn(time.Hour)} {
		occ := fmt.Sprintf("o%d", i)
		p := &tasks.SendPayload{Campaign: "thanks", Customer: id, Occurrence: occ, Due: at, Event: event}
		body, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.client.EnqueueContext(b.ctx, asynq.NewTask(tasks.TypeSend, body), opt,
			asynq.TaskID(tasks.SendTaskID("thanks", id, occ)), asynq.Queue(tasks.QueueCritical)); err != nil {
			t.Fatal(err)
		}
	}
}

// leftovers scans every key of the database, names and values, for any of needles; keys of
// the allowed tasks are skipped.
func (b *erasureBundle) leftovers(t *testing.T, allowed []string, needles ...string) []string {
	t.Helper()
	var found []string
	iter := b.rdb.Scan(b.ctx, 0, "*", 1000).Iterator()
	for iter.Next(b.ctx) {
		key := iter.Val()
		skip := false
		for _, a := range allowed {
			skip = skip || strings.HasSuffix(key, ":t:"+a)
		}
		if skip {
			continue
		}
		var content []string
		switch typ := b.rdb.Type(b.ctx, key).Val(); typ {
		case "string":
			content = []string{b.rdb.Get(b.ctx, key).Val()}
		case "hash":
			for f, v := range b.rdb.HGetAll(b.ctx, key).Val() {
				content = append(content, f, v)
			}
		case "set":
			content = b.rdb.SMembers(b.ctx, key).Val()
		case "zset":
			content = b.rdb.ZRange(b.ctx, key, 0, -1).Val()
		case "list":
			content = b.rdb.LRange(b.ctx, key, 0, -1).Val()
		default:
			t.Fatalf("key %s of type %s: add it to the scan", key, typ)
		}
		all := strings.ToLower(key + "\x00" + strings.Join(content, "\x00"))
		for _, n := range needles {
			if strings.Contains(all, strings.ToLower(n)) {
				found = append(found, fmt.Sprintf("%s holds %q", key, n))
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

func TestDeleteLeavesNothingThatNamesTheCustomer(t *testing.T) {
	b := setupErasure(t)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	b.seedCustomer(t, erasedID, erasedEmail, erasedPhone, at)
	b.seedCustomer(t, "cust-other", "other@example.org", "2015550199", at)
	// A batch holds the ids of a page: it stays, and skips the erased customer when it runs.
	batch := &tasks.BatchPayload{Campaign: "weekly", Occurrence: "w1", Due: at, IDs: []string{"cust-other", erasedID}}
	body, _ := json.Marshal(batch)
	if _, err := b.client.EnqueueContext(b.ctx, asynq.NewTask(tasks.TypeBatch, body), asynq.TaskID(batch.TaskID()),
		asynq.ProcessIn(time.Hour), asynq.Queue(tasks.QueueDefault)); err != nil {
		t.Fatal(err)
	}
	allowed := []string{batch.TaskID()}
	if left := b.leftovers(t, allowed, erasedID, erasedEmail, "+12015550123"); len(left) == 0 {
		t.Fatal("the seed wrote nothing that names the customer: the test proves nothing")
	}

	found, err := b.store.Delete(b.ctx, erasedID)
	if err != nil || !found {
		t.Fatalf("delete: %v %v", found, err)
	}
	if left := b.leftovers(t, allowed, erasedID, erasedEmail, "+12015550123", erasedPhone); len(left) > 0 {
		t.Fatalf("personal data left after erasure:\n%s", strings.Join(left, "\n"))
	}
	// The other customer keeps everything, and the budget keeps its count.
	if left := b.leftovers(t, nil, "cust-other"); len(left) < 6 {
		t.Fatalf("the other customer lost data: %v", left)
	}
	if n, _, err := b.ledger.Spent(b.ctx, "thanks", "welcome-10"); err != nil || n != 2 {
		t.Fatalf("budget spent %d (%v), want 2: erasure keeps aggregates", n, err)
	}
	insp := asynq.NewInspectorFromRedisClient(b.rdb)
	for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault} {
		pending, _ := insp.ListPendingTasks(q)
		scheduled, _ := insp.ListScheduledTasks(q)
		for _, ti := range append(pending, scheduled...) {
			if strings.Contains(string(ti.Payload), erasedID) && ti.Type != tasks.TypeBatch {
				t.Fatalf("task %s of queue %s still names the customer", ti.ID, q)
			}
		}
	}
}

func TestDeleteOnClusterErasesTheCustomersSlot(t *testing.T) {
	_, cc := testenv.NewCluster(t)
	ctx := context.Background()
	ledger := rewards.NewLedger(cc, "secret")
	store := customers.NewStore(cc, customers.Options{Secret: "secret", Erasers: []customers.Eraser{ledger}})
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	reward := &config.Reward{ID: "w", Kind: "coupon", Value: "5", Expires: config.Duration(time.Hour), Budget: &config.Budget{Count: 9}}
	for _, id := range []string{erasedID, "cust-other"} {
		if _, err := store.Apply(ctx, []customers.Event{{Type: customers.TypeIdentify, UserID: id, MessageID: "m",
			Timestamp: at, ReceivedAt: at, Traits: map[string]any{"email": id + "@example.org"}}}); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			rec := delivery.Record{State: delivery.StateSkipped, Reason: "cap", At: at}
			if err := cc.Set(ctx, delivery.DeliveryKeyPrefix(id)+fmt.Sprint("c:", i), rec.Encode(), 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ledger.Grant(ctx, "c", reward, id, "o", at); err != nil {
			t.Fatal(err)
		}
	}
	if found, err := store.Delete(ctx, erasedID); err != nil || !found {
		t.Fatalf("delete: %v %v", found, err)
	}
	var left, other, coupons []string
	if err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		keys, err := m.Keys(ctx, "*").Result()
		for _, k := range keys {
			switch {
			case strings.HasPrefix(k, "rp:{cp:"):
				// A coupon record names its owner inside: only the other's may be left.
				if owner := m.HGet(ctx, k, "owner").Val(); owner == erasedID {
					left = append(left, k)
				}
				coupons = append(coupons, k)
			case strings.Contains(k, erasedID):
				left = append(left, k)
			case strings.Contains(k, "cust-other"):
				other = append(other, k)
			case strings.Contains(k, "budget"):
				if f := m.HKeys(ctx, k).Val(); strings.Contains(strings.Join(f, " "), erasedID) {
					left = append(left, k+" fields")
				}
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 || len(other) != 7 || len(coupons) != 1 {
		t.Fatalf("left of the erased customer %v; of the other %v (want 7 keys) and coupons %v (want the other's)", left, other, coupons)
	}
}

func TestErasedAddressDoesNotBringBackConsent(t *testing.T) {
	tests := []struct {
		name    string
		traits  map[string]any
		email   bool // email consent after the re-identify
		sms     bool
		emailOK bool // an identify with the erased address and no consent, later, keeps email consent
	}{
		{"same address, no consent", map[string]any{"email": "jane.roe@example.org", "phone": "+1 201-555-0123"}, false, false, false},
		{"explicit email consent in the same call", map[string]any{"email": erasedEmail, "phone": erasedPhone,
			"consent": map[string]any{"email": true}}, true, false, true},
		{"a replayed import of the consent given before the erasure", map[string]any{"email": erasedEmail,
			"phone": erasedPhone, "consent": map[string]any{"email": true, "sms": true}}, false, false, false},
		{"another address", map[string]any{"email": "new@example.org", "consent": map[string]any{"email": true}}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replay := strings.HasPrefix(tt.name, "a replayed")
			b := setupErasure(t)
			at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
			b.seedCustomer(t, erasedID, erasedEmail, erasedPhone, at)
			if _, err := b.store.Delete(b.ctx, erasedID); err != nil {
				t.Fatal(err)
			}
			if n := b.rdb.HLen(b.ctx, "rp:suppressed").Val(); n != 2 {
				t.Fatalf("%d addresses suppressed, want 2 (email and phone)", n)
			}
			// An import replaying the consent of before the erasure, then the identify.
			again := func(msg string, later time.Duration, traits map[string]any) *customers.Profile {
				t.Helper()
				res, err := b.store.Apply(b.ctx, []customers.Event{{Type: customers.TypeIdentify, UserID: "cust-new",
					MessageID: msg, Timestamp: at.Add(later), ReceivedAt: at.Add(later), Traits: traits}})
				if err != nil {
					t.Fatal(err)
				}
				return res[0].Profile
			}
			first := time.Hour
			if replay {
				first = -30 * 24 * time.Hour // dated before the erasure
			}
			p := again("m1", first, tt.traits)
			if p.Consent.Allows("email") != tt.email || p.Consent.Allows("sms") != tt.sms {
				t.Fatalf("consent after re-identify %+v, want email %v sms %v", p.Consent, tt.email, tt.sms)
			}
			p = again("m2", 2*time.Hour, map[string]any{"email": erasedEmail})
			if p.Consent.Allows("email") != tt.emailOK {
				t.Fatalf("email consent after a later identify %v, want %v", p.Consent.Allows("email"), tt.emailOK)
			}
		})
	}
}
