package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
)

// TestReloadReadsRefreshedCurrencyRates: an operator refreshes currency.rates_file and
// reloads (SIGHUP or POST /v1/admin/reload); money is converted at the new rate from then on,
// and a rates file that no longer loads keeps the previous rates.
func TestReloadReadsRefreshedCurrencyRates(t *testing.T) {
	r := testenv.NewRedis(t)
	path := configWith(t, r, map[string]string{"campaigns/.keep": "", "templates/.keep": "", "segments/.keep": ""})
	dir := filepath.Dir(path)
	extra := "currency: {base: EUR, rates_file: rates.csv}\n"
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(raw, extra...), 0o644); err != nil {
		t.Fatal(err)
	}
	writeRates := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, "rates.csv"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRates("currency,rate\nRUB,0.01\n")
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := openApp(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Now()
	if _, err := a.store.Apply(ctx, []customers.Event{{Type: "track", UserID: "u", MessageID: "o1", Event: "Order Completed",
		Properties: map[string]any{"total": 1000.0, "currency": "RUB", "order_id": "o1"}, Timestamp: now, ReceivedAt: now}}); err != nil {
		t.Fatal(err)
	}
	revenue := func() float64 {
		p, err := a.store.Get(ctx, "u")
		if err != nil {
			t.Fatal(err)
		}
		return p.Summary.Revenue
	}
	if got := revenue(); got != 10 {
		t.Fatalf("revenue %v EUR at 0.01, want 10", got)
	}
	writeRates("currency,rate\nRUB,0.02\n")
	if err := a.reload(); err != nil {
		t.Fatal(err)
	}
	if got := revenue(); got != 20 {
		t.Fatalf("revenue %v EUR after the reload at 0.02, want 20", got)
	}
	writeRates("currency,rate\nRUB,not-a-rate\n")
	_ = a.reload()
	if got := revenue(); got != 20 {
		t.Fatalf("revenue %v EUR after a broken rates file, want the previous 20", got)
	}
}
