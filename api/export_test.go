package api_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/rewards"
)

// readSend is the delivery-record reader cmd/rapport wires.
func readSend(rest, value string) (any, error) {
	r, err := delivery.DecodeRecord(value)
	if err != nil {
		return nil, err
	}
	camp, occ, _ := strings.Cut(rest, ":")
	return api.ExportedSend{Campaign: camp, Occurrence: occ, State: string(r.State), Channel: r.Channel, Variant: r.Variant,
		Reward: r.Reward, Code: r.Code, Reason: r.Reason, Reasons: r.Reasons, At: r.At}, nil
}

func TestExportListsEveryKeyFamilyTheCustomerHas(t *testing.T) {
	r := testenv.NewRedis(t)
	ctx := context.Background()
	store := customers.NewStore(r.Client, customers.Options{})
	s := &api.Server{Ingest: storeIngester{store}, Customers: store, APIKeys: []string{"k2"},
		Records: map[string]api.RecordReader{"d": readSend}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv, store: store}

	for _, body := range []string{
		`{"userId":"u1","messageId":"m1","traits":{"email":"jane@example.org","tier":"gold","consent":{"email":true}}}`,
		`{"userId":"u1","event":"Order Completed","messageId":"m2","properties":{"total":30,"currency":"EUR","order_id":"A-7"}}`,
	} {
		path := "/v1/identify"
		if strings.Contains(body, `"event"`) {
			path = "/v1/track"
		}
		if code, out := b.do(t, "POST", path, body, bearer); code != 200 {
			t.Fatalf("%s: %d %v", path, code, out)
		}
	}
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	recs := map[string]delivery.Record{
		"thanks:once": {State: delivery.StateSent, Channel: "email", Variant: "gold", Reward: "welcome-10", Code: "WELCOME10-X",
			At: at, Reasons: []string{`variant gold: customer.tier == "gold"`}},
		"winback:2025-03": {State: delivery.StateHoldout, Reason: "holdout", At: at, Reasons: []string{"holdout 10%"}},
	}
	for k, rec := range recs {
		if err := r.Client.Set(ctx, delivery.DeliveryKeyPrefix("u1")+k, rec.Encode(), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	reward := &config.Reward{ID: "welcome-10", Kind: "coupon", Value: "10%", Expires: config.Duration(30 * 24 * time.Hour)}
	if _, err := rewards.NewLedger(r.Client, "s").Grant(ctx, "thanks", reward, "u1", "once", at); err != nil {
		t.Fatal(err)
	}
	// Every family under the customer's tag, as Redis holds it: what the export must cover.
	want := map[string]bool{"profile": true, "events": true}
	for _, k := range r.Client.Keys(ctx, "rp:{c:u1}:*").Val() {
		f, _, _ := strings.Cut(strings.TrimPrefix(k, "rp:{c:u1}:"), ":")
		if f != "m" {
			want[f] = true
		}
	}
	if len(want) != 5 {
		t.Fatalf("seeded families %v, want profile, events, d, g, cp (the customer's coupon codes)", want)
	}

	code, out := b.do(t, "GET", "/v1/customers/u1/export", "", bearer)
	if code != 200 {
		t.Fatalf("export: %d %v", code, out)
	}
	var got []string
	for _, f := range out["families"].([]any) {
		got = append(got, f.(string))
	}
	for f := range want {
		if !slices.Contains(got, f) {
			t.Errorf("export families %v lack %q", got, f)
		}
	}
	prof, _ := out["profile"].(map[string]any)
	if prof["email"] != "jane@example.org" || prof["consent"].(map[string]any)["email"] != true ||
		prof["summary"].(map[string]any)["orders"] != 1.0 {
		t.Errorf("export profile %v", prof)
	}
	if ev := out["events"].(map[string]any); !slices.Equal(ev["orders"].([]any), []any{"A-7"}) || ev["messages"] != 1.0 {
		t.Errorf("export events %v", ev)
	}
	sends, _ := out["sends"].([]any)
	if len(sends) != 2 || !strings.Contains(strings.Join(anyStrings(sends[0].(map[string]any)["reasons"]), ";"), `tier == "gold"`) {
		t.Errorf("export sends %v, want both records with their reasons", sends)
	}
	grants, _ := out["rewards"].([]any)
	if len(grants) != 1 || grants[0].(map[string]any)["expires_at"] != "2025-03-31T09:00:00Z" {
		t.Errorf("export rewards %v", grants)
	}
	// The index of the customer's coupon codes is a set, exported raw; every other family
	// has a reader.
	if other, _ := out["other"].([]any); len(other) != 1 || other[0].(map[string]any)["family"] != "cp" {
		t.Errorf("records exported raw: %v, want only the coupon codes' index", other)
	}
	if code, _ := b.do(t, "GET", "/v1/customers/nobody/export", "", bearer); code != 404 {
		t.Errorf("export of an unknown customer: %d, want 404", code)
	}
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, s := range l {
		out = append(out, s.(string))
	}
	return out
}
