package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/worker"
	"github.com/rapporthq/rapport/rewards"
)

// welcomeBudget greets every sign-up with a welcome coupon while its budget lasts, then with
// points.
var welcomeBudget = map[string]string{
	"campaigns/welcome.yaml": `
id: welcome
trigger: {event: Signed Up}
repeat: once
variants:
  - id: hello
    email: {subject: "Welcome", html: welcome.html}
rewards:
  - {id: welcome-10, kind: coupon, value: 10%, max_value: 30, for: new, budget: {count: 50}}
  - {id: points-100, kind: points, value: 100}
`,
	"templates/welcome.html": `<p>Welcome! {{with .Reward}}{{.Kind}} {{.Code}}{{end}}</p>`,
}

// TestWelcomeCouponBudgetHoldsAcrossEightWorkers: 500 customers sign up at once and 8
// workers (each its own Deliverer and ledger, as 8 processes would have) greet them: exactly
// 50 distinct coupon codes go out, the 450 others get the next eligible reward (points),
// and every record says why.
func TestWelcomeCouponBudgetHoldsAcrossEightWorkers(t *testing.T) {
	const customers, budget, workers = 500, 50, 8
	rdb := testenv.NewRedis(t).Client
	b := setupOn(t, rdb, welcomeBudget, "")
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	for range workers - 1 {
		cfg := b.deliverer.Config()
		cfg.Rewards = rewards.NewLedger(rdb, "secret")
		d := must(delivery.New(cfg))
		wk := must(worker.New(rdb, worker.Config{Concurrency: 4, ShutdownTimeout: 5 * time.Second, DelayedCheckInterval: 50 * time.Millisecond,
			RetryDelay: func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond }}, worker.Handlers{Send: d}, log))
		if err := wk.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(wk.Shutdown)
	}

	// Profiles first, then the sign-ups all at once: 10 batches of 50 posted together.
	var ids []string
	for i := range customers {
		ids = append(ids, fmt.Sprintf("u%03d", i))
	}
	var identify []any
	for _, id := range ids {
		identify = append(identify, map[string]any{"type": "identify", "userId": id, "messageId": "i-" + id,
			"traits": map[string]any{"email": id + "@example.com", "consent": map[string]any{"email": true}}})
	}
	if code, out := b.post("/v1/batch", map[string]any{"batch": identify}); code != 200 {
		t.Fatalf("identify: %d %v", code, out)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for lo := 0; lo < customers; lo += 50 {
		var batch []any
		for _, id := range ids[lo : lo+50] {
			batch = append(batch, map[string]any{"type": "track", "userId": id, "event": "Signed Up", "messageId": "s-" + id})
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- postBatch(b.api.URL, batch)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	b.settle()

	codes := map[string]string{}
	points := 0
	for _, id := range ids {
		rec, ok, err := b.claims.Outcome(context.Background(), id, "welcome", "once")
		if err != nil || !ok || rec.State != delivery.StateSent {
			t.Fatalf("customer %s: record %+v (found %v, %v), want sent", id, rec, ok, err)
		}
		reasons := strings.Join(rec.Reasons, "; ")
		switch rec.Reward {
		case "welcome-10":
			if prior, dup := codes[rec.Code]; dup || rec.Code == "" {
				t.Fatalf("customer %s got code %q, also given to %q", id, rec.Code, prior)
			}
			codes[rec.Code] = id
			if !strings.Contains(reasons, `reward "welcome-10": no order yet, the welcome reward`) {
				t.Errorf("customer %s: welcome coupon without its reason: %s", id, reasons)
			}
		case "points-100":
			points++
			if !strings.Contains(reasons, `reward "welcome-10": budget exhausted`) || !strings.Contains(reasons, `reward "points-100": first that fits (no order yet)`) {
				t.Errorf("customer %s: points without saying why: %s", id, reasons)
			}
		default:
			t.Errorf("customer %s: reward %q; reasons %s", id, rec.Reward, reasons)
		}
	}
	if len(codes) != budget || points != customers-budget {
		t.Fatalf("%d distinct codes and %d points, want %d and %d", len(codes), points, budget, customers-budget)
	}
	if n := b.smtp.Count(); n != customers {
		t.Errorf("%d emails, want %d", n, customers)
	}
	ledger := rewards.NewLedger(rdb, "secret")
	camp := &config.Campaign{ID: "welcome", Rewards: []config.Reward{{ID: "welcome-10", Kind: "coupon", Value: "10%", MaxValue: "30", Budget: &config.Budget{Count: budget}}, {ID: "points-100", Kind: "points", Value: "100"}}}
	st, err := ledger.Stats(context.Background(), camp)
	if err != nil {
		t.Fatal(err)
	}
	if w, p := st.Rewards[0], st.Rewards[1]; w.Granted != budget || w.Sent != budget || p.Sent != customers-budget {
		t.Errorf("stats: welcome granted %d sent %d, points sent %d", w.Granted, w.Sent, p.Sent)
	}
	// Every code works for its owner only; points are on the balances.
	for code, owner := range codes {
		if c, err := ledger.Validate(context.Background(), rewards.Order{Code: code, Customer: owner, Total: 100, At: time.Now()}); err != nil || !c.Valid || c.Value != 10 {
			t.Fatalf("code %s of %s: %+v %v", code, owner, c, err)
		}
		break
	}
	for _, id := range ids {
		if rec, _, _ := b.claims.Outcome(context.Background(), id, "welcome", "once"); rec.Reward == "points-100" {
			if p, err := ledger.Points(context.Background(), id); err != nil || p.Balance != 100 || len(p.Entries) != 1 {
				t.Fatalf("points of %s: %+v %v", id, p, err)
			}
			break
		}
	}
}

func postBatch(url string, batch []any) error {
	raw, _ := json.Marshal(map[string]any{"batch": batch})
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/batch", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("POST /v1/batch: %d", resp.StatusCode)
	}
	return nil
}
