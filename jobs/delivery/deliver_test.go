package delivery

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// bundle is a Deliverer on a real Redis and a real SMTP server, with one triggered campaign.
type bundle struct {
	d      *Deliverer
	smtp   *testenv.SMTP
	store  *customers.Store
	ledger *rewards.Ledger
	cat    *CatalogRef
}

func setup(t *testing.T, campaign string) *bundle {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, map[string]string{"campaigns/c.yaml": campaign, "templates/c.html": "<p>Hi {{with .Reward}}{{.Code}}{{end}}</p>"})
	set, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		t.Fatal(err)
	}
	r := testenv.NewRedis(t)
	b := &bundle{smtp: testenv.NewSMTP(t), store: customers.NewStore(r.Client, customers.Options{}),
		ledger: rewards.NewLedger(r.Client, "secret"), cat: NewCatalogRef(NewCatalog(set, tpl))}
	pool, err := channels.NewSMTPPool(channels.SMTPConfig{URL: b.smtp.URL(), From: "Shop <shop@example.com>", Size: 1, Timeout: 2 * time.Second}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	client := asynq.NewClientFromRedisClient(r.Client)
	t.Cleanup(func() { _ = client.Close() })
	b.d, err = New(Config{Catalog: b.cat, Profiles: b.store, Claims: NewClaims(r.Client), Rewards: b.ledger,
		Email: pool, SMS: channels.NewTwilio(channels.TwilioConfig{BaseURL: "http://127.0.0.1:1"}, http.DefaultClient),
		Links: links.NewSigner("secret", "https://news.example.com"), Enqueue: client,
		Policy: decide.Policy{DefaultTimezone: time.UTC, DefaultLocale: "en", DefaultRegion: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := b.store.Apply(context.Background(), []customers.Event{{Type: "identify", UserID: "ann", MessageID: "i1",
		Traits: map[string]any{"email": "ann@example.com", "consent": map[string]any{"email": true}}, Timestamp: now, ReceivedAt: now}}); err != nil {
		t.Fatal(err)
	}
	return b
}

func send(occurrence string) *tasks.SendPayload {
	return &tasks.SendPayload{Campaign: "c", Customer: "ann", Occurrence: occurrence, Due: time.Now()}
}

// TestPermanentFailureReturnsTheGrantedReward: the only channel fails permanently (550), the
// decision taken again has no channel and no reward. The reward that was granted goes back to
// its budget (it used to be a Refund of the new decision's nil reward: a panic, a retry, and
// the budget never returned).
func TestPermanentFailureReturnsTheGrantedReward(t *testing.T) {
	b := setup(t, `id: c
trigger: {event: Order Completed}
channels: [email]
variants: [{id: v, email: {subject: Hi, html: c.html}}]
rewards: [{id: gift, kind: coupon, value: 10 EUR, budget: {count: 5}}]
`)
	b.smtp.Respond(func(testenv.Received) error { return testenv.Reject(550, "5.1.1 no such user") })
	out, err := b.d.Deliver(context.Background(), send("o1"))
	if err != nil {
		t.Fatal(err)
	}
	if out.State != StateSkipped {
		t.Fatalf("outcome %+v, want skipped", out)
	}
	if n, _, err := b.ledger.Spent(context.Background(), "c", "gift"); err != nil || n != 0 {
		t.Fatalf("budget spent %d (%v), want 0: the grant was not returned", n, err)
	}
}

// TestRewardsRunningOutDoNotMakeADeliverableCustomerUndeliverable: both rewards looked free
// when the customer was decided and both ran out before the grant. Deciding again for each
// exhausted reward has its own bound, apart from channel fallbacks: the customer still gets
// the message, without a reward (it used to share one bound with the campaign's single
// channel and record the customer undeliverable).
func TestRewardsRunningOutDoNotMakeADeliverableCustomerUndeliverable(t *testing.T) {
	b := setup(t, `id: c
trigger: {event: Order Completed}
channels: [email]
variants: [{id: v, email: {subject: Hi, html: c.html}}]
rewards:
  - {id: a, kind: coupon, value: 10 EUR, budget: {count: 1}}
  - {id: b, kind: coupon, value: 5 EUR, budget: {count: 1}}
`)
	ctx := context.Background()
	cat := b.cat.Load()
	camp := cat.Set.Campaign("c")
	for i := range camp.Rewards {
		if _, err := b.ledger.Grant(ctx, "c", &camp.Rewards[i], "someone-else", "o0", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	prof, err := b.store.Get(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	// Decided as if both budgets had room, as a decision taken just before others' grants is.
	c, out, err := b.d.prepare(ctx, cat, camp, send("o1"), prof, map[string]bool{"a": true, "b": true}, nil)
	if c == nil {
		t.Fatalf("not claimable: %+v %v", out, err)
	}
	ok, prior, err := b.d.cfg.Claims.Take(ctx, c.key, c.token)
	out, err = b.d.deliverTaken(ctx, cat, c, ok, prior, err)
	if err != nil {
		t.Fatal(err)
	}
	if out.State != StateSent || b.smtp.Count() != 1 {
		t.Fatalf("outcome %+v, %d emails; want sent once without a reward", out, b.smtp.Count())
	}
}
