package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/rewards"
)

// The README tour: u0028 bought three times in roubles, then posts an order of 80 EUR.
func TestCustomerJSONNeverAddsMoneyAcrossCurrencies(t *testing.T) {
	b := setup(t)
	for i, total := range []int{17010, 12390, 12910} {
		body := fmt.Sprintf(`{"userId":"u0028","event":"Order Completed","messageId":"r%d","timestamp":"2024-0%d-10T10:00:00Z",
			"properties":{"total":%d,"currency":"RUB","order_id":"R-%d"}}`, i, i+1, total, i)
		if code, out := b.do(t, "POST", "/v1/track", body, bearer); code != 200 {
			t.Fatalf("order %d: %d %v", i, code, out)
		}
	}
	tour := `{"userId":"u0028","event":"Order Completed","messageId":"tour-1","properties":{"total":80,"currency":"EUR","order_id":"A-1"}}`
	if code, out := b.do(t, "POST", "/v1/track", tour, bearer); code != 200 {
		t.Fatalf("tour order: %d %v", code, out)
	}
	for _, tc := range []struct {
		name        string
		money       customers.Money
		revenue     float64
		unconverted map[string]any
	}{
		{name: "no rates", revenue: 80, unconverted: map[string]any{"RUB": 42310.0}},
		{name: "a rouble rate into EUR", money: customers.Money{Base: "EUR", Rates: map[string]float64{"RUB": 0.0102}}, revenue: 511.562},
	} {
		b.store.SetMoney(tc.money)
		code, out := b.do(t, "GET", "/v1/customers/u0028", "", bearer)
		s, _ := out["summary"].(map[string]any)
		if code != 200 || s["orders"] != 4.0 || s["revenue"] != tc.revenue || s["currency"] != "EUR" {
			t.Fatalf("%s: %d summary %v", tc.name, code, s)
		}
		if got, _ := s["unconverted"].(map[string]any); !reflect.DeepEqual(got, tc.unconverted) && (len(got) > 0 || tc.unconverted != nil) {
			t.Errorf("%s: unconverted %v, want %v", tc.name, got, tc.unconverted)
		}
		if want := map[string]any{"RUB": 42310.0, "EUR": 80.0}; !reflect.DeepEqual(s["by_currency"], want) {
			t.Errorf("%s: by_currency %v, want %v", tc.name, s["by_currency"], want)
		}
	}
}

func TestCustomerShowsPointsAndCouponsGrantedAndRedeemed(t *testing.T) {
	r := testenv.NewRedis(t)
	store := customers.NewStore(r.Client, customers.Options{})
	ledger := rewards.NewLedger(r.Client, "secret")
	s := &api.Server{Ingest: storeIngester{store}, Customers: store, APIKeys: []string{"k2"}, Coupons: ledger}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv, store: store}
	if code, out := b.do(t, "POST", "/v1/identify", `{"userId":"ana","traits":{"email":"ana@example.com"},"messageId":"i-1"}`, bearer); code != 200 {
		t.Fatalf("identify: %d %v", code, out)
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ten := &config.Reward{ID: "ten-off", Kind: "coupon", Value: "10%"}
	used := must(ledger.Grant(ctx, "spring", ten, "ana", "o-1", at))
	kept := must(ledger.Grant(ctx, "autumn", ten, "ana", "o-2", at.Add(time.Hour)))
	if c := must(ledger.Redeem(ctx, rewards.Order{Code: used.Code, Customer: "ana", ID: "order-9", Total: 50, Currency: "EUR", At: at.Add(2 * time.Hour)})); !c.Valid {
		t.Fatalf("redeem: %+v", c)
	}
	pts := &rewards.Grant{ID: "points-200", Kind: "points", Value: "200"}
	if err := ledger.Delivered(ctx, "spring", "ana", "o-3", pts, at); err != nil {
		t.Fatal(err)
	}

	code, out := b.do(t, "GET", "/v1/customers/ana", "", bearer)
	if code != 200 {
		t.Fatalf("get: %d %v", code, out)
	}
	p, _ := out["points"].(map[string]any)
	entries, _ := p["entries"].([]any)
	if p["balance"] != 200.0 || len(entries) != 1 || entries[0].(map[string]any)["campaign"] != "spring" {
		t.Errorf("points %v, want 200 from spring", p)
	}
	coupons, _ := out["coupons"].([]any)
	if len(coupons) != 2 {
		t.Fatalf("coupons %v, want two", out["coupons"])
	}
	newest, oldest := coupons[0].(map[string]any), coupons[1].(map[string]any)
	if newest["code"] != kept.Code || newest["campaign"] != "autumn" || newest["redeemed_at"] != nil {
		t.Errorf("newest coupon %v, want %s granted by autumn, not redeemed", newest, kept.Code)
	}
	if oldest["code"] != used.Code || oldest["order"] != "order-9" || oldest["redeemed_at"] == nil || oldest["value"] != "10%" {
		t.Errorf("oldest coupon %v, want %s redeemed by order-9", oldest, used.Code)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
