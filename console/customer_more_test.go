package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
)

func TestCustomerFileShowsHeldOutAndSkippedDecisionsAndTheWallet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var rs *results.Store
	var ledger *rewards.Ledger
	b := setupOn(t, func(c *console.Config, rdb redis.UniversalClient) {
		var err error
		if rs, err = results.New(rdb, 0); err != nil {
			t.Fatal(err)
		}
		ledger = rewards.NewLedger(rdb, "secret")
		c.Results, c.Rewards = rs, ledger
	})
	at := b.now.Add(-2 * time.Hour)
	// As delivery records them: a held-out decision and a skip, with their reasons; a send
	// goes to the campaign's list only.
	if err := rs.RecordDecisions(ctx, nil, nil, []results.Decision{
		{Campaign: "nowruz", At: at, Customer: customerID, State: "holdout", Variant: "fa", Channel: "email", Reasons: []string{"holdout 10%: in the control group"}},
		{Campaign: "win-back", At: at.Add(time.Minute), Customer: customerID, State: "skipped", Reasons: []string{"cap 3/7d (local days, Asia/Tehran): 3 sent since Sun 2026-02-22, at the cap: skipped (on_cap: skip)"}},
		{Campaign: "thank-you", At: at, Customer: customerID, State: "sent", Reasons: []string{"a send"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Credit(ctx, customerID, rewards.PointsEntry{At: at, Points: 200, Campaign: "thank-you", Occurrence: "o-1"}); err != nil {
		t.Fatal(err)
	}
	camp := &config.Campaign{ID: "thank-you"}
	if _, err := ledger.Grant(ctx, camp.ID, &config.Reward{ID: "come-back", Kind: "coupon", Value: "10%", MaxValue: "30 EUR"}, customerID, "o-1", b.now); err != nil {
		t.Fatal(err)
	}
	c := b.client(t)
	b.login(t, c, "olga")
	code, body := b.get(t, c, "/console/customers/"+customerID)
	if code != http.StatusOK {
		t.Fatalf("customer page: %d", code)
	}
	contains(t, body, "Held out or skipped", ">nowruz<", ">holdout<", "holdout 10%: in the control group",
		">win-back<", ">skipped<", "at the cap: skipped (on_cap: skip)",
		"Points balance: <strong>200</strong>", "<code>COMEBACK-", ">come-back<")
	if n := strings.Count(body, `class="unsent-row"`); n != 2 {
		t.Errorf("%d unsent rows, want 2 (the send is listed with the messages, not here)", n)
	}
}
