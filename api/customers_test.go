package api_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rapporthq/rapport/customers"
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
