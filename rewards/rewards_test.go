package rewards

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestBudgetIsNeverOverspentUnderConcurrency(t *testing.T) {
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	reward := &config.Reward{ID: "welcome-10", Kind: "coupon", Value: "10%", Budget: &config.Budget{Count: 50}}
	var mu sync.Mutex
	granted, exhausted := 0, 0
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				_, err := l.Grant(context.Background(), "camp", reward, fmt.Sprintf("c%d-%d", w, i), "o", time.Now())
				mu.Lock()
				switch {
				case err == nil:
					granted++
				case errors.Is(err, ErrExhausted):
					exhausted++
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	n, _, err := l.Spent(context.Background(), "camp", "welcome-10")
	if err != nil || granted != 50 || n != 50 || exhausted != 270 {
		t.Fatalf("granted %d, spent %d, exhausted %d, err %v; want 50, 50, 270", granted, n, exhausted, err)
	}
}

func TestRepeatedGrantIsIdempotentAndRefundable(t *testing.T) {
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	ctx := context.Background()
	reward := &config.Reward{ID: "gift", Kind: "coupon", Value: "5 EUR", Budget: &config.Budget{Amount: 10}}
	a, err := l.Grant(ctx, "c", reward, "42", "o1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Grant(ctx, "c", reward, "42", "o1", time.Now())
	if err != nil || a.Code != b.Code {
		t.Fatalf("retry changed the code or failed: %v %v %v", a.Code, b.Code, err)
	}
	if _, err := l.Grant(ctx, "c", reward, "43", "o1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Grant(ctx, "c", reward, "44", "o1", time.Now()); !errors.Is(err, ErrExhausted) {
		t.Fatalf("amount budget 10 allowed a third 5 EUR grant: %v", err)
	}
	if err := l.Refund(ctx, "c", reward, "43", "o1"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Grant(ctx, "c", reward, "44", "o1", time.Now()); err != nil {
		t.Fatalf("refund did not free the budget: %v", err)
	}
}

func TestCodesAreUniquePerGrant(t *testing.T) {
	l := NewLedger(nil, "s")
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		c := l.Code("camp", "welcome-10", fmt.Sprint(i), "o")
		if seen[c] {
			t.Fatalf("duplicate code %s", c)
		}
		seen[c] = true
	}
	if l.Code("camp", "welcome-10", "1", "o") == NewLedger(nil, "other").Code("camp", "welcome-10", "1", "o") {
		t.Fatal("code does not depend on the secret")
	}
}
