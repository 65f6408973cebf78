package rewards

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestRetriedGrantKeepsTheFirstExpiry(t *testing.T) {
	first := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		budget *config.Budget
	}{
		{"unbudgeted", nil},
		{"budgeted", &config.Budget{Count: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testenv.NewRedis(t)
			l := NewLedger(r.Client, "s")
			reward := &config.Reward{ID: "welcome-10", Kind: "coupon", Value: "10%",
				Expires: config.Duration(30 * 24 * time.Hour), Budget: tt.budget}
			ctx := context.Background()
			g1, err := l.Grant(ctx, "camp", reward, "u1", "o1", first)
			if err != nil {
				t.Fatal(err)
			}
			g2, err := l.Grant(ctx, "camp", reward, "u1", "o1", first.Add(time.Hour)) // the retry
			if err != nil {
				t.Fatal(err)
			}
			if want := first.Add(30 * 24 * time.Hour); !g1.ExpiresAt.Equal(want) || !g2.ExpiresAt.Equal(want) {
				t.Fatalf("expiry %s then %s, want %s both times", g1.ExpiresAt, g2.ExpiresAt, want)
			}
			if g1.Code != g2.Code {
				t.Fatalf("code %s then %s", g1.Code, g2.Code)
			}
			// another occurrence is another grant, with its own expiry
			g3, err := l.Grant(ctx, "camp", reward, "u1", "o2", first.Add(time.Hour))
			if err != nil || !g3.ExpiresAt.Equal(first.Add(time.Hour+30*24*time.Hour)) {
				t.Fatalf("other occurrence: %v %v", g3, err)
			}
		})
	}
}

func TestRefusedGrantLeavesNoGrantRecord(t *testing.T) {
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	ctx := context.Background()
	reward := &config.Reward{ID: "w", Kind: "coupon", Value: "10%", Expires: config.Duration(24 * time.Hour), Budget: &config.Budget{Count: 1}}
	if _, err := l.Grant(ctx, "camp", reward, "u1", "o", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Grant(ctx, "camp", reward, "u2", "o", time.Now()); !errors.Is(err, ErrExhausted) {
		t.Fatalf("second grant: %v, want exhausted", err)
	}
	if n := r.Client.Exists(ctx, grantKey("u2", "camp", "w", "o")).Val(); n != 0 {
		t.Fatal("a refused grant left its grant record")
	}
}

func TestGrantKeyHasTheCustomersHashTag(t *testing.T) {
	if k := grantKey("u:1", "c", "r", "o"); !strings.HasPrefix(k, "rp:"+customers.HashTag("u:1")+":") {
		t.Fatalf("grant key %s is outside the customer's hash tag %s", k, customers.HashTag("u:1"))
	}
}

func TestEraseCustomerRemovesItsGrantFieldsOnly(t *testing.T) {
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	ctx := context.Background()
	for _, reward := range []string{"a", "b"} {
		rw := &config.Reward{ID: reward, Kind: "coupon", Value: "5", Budget: &config.Budget{Count: 10}}
		for _, c := range []string{"u*1", "u21", "u*10"} {
			if _, err := l.Grant(ctx, "camp", rw, c, "o", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.EraseCustomer(ctx, "u*1"); err != nil {
		t.Fatal(err)
	}
	for _, reward := range []string{"a", "b"} {
		h := r.Client.HGetAll(ctx, budgetKey("camp", reward)).Val()
		if _, ok := h["g:u*1\x00o"]; ok {
			t.Fatalf("budget %s still names the erased customer: %q", reward, h)
		}
		if _, ok := h["g:u21\x00o"]; !ok || h["g:u*10\x00o"] == "" || h["n"] != "3" {
			t.Fatalf("budget %s lost another customer's grant or its count: %q", reward, h)
		}
	}
}
