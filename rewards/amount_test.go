package rewards

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/testenv"
)

// An amount budget counts each grant's face value: a percentage coupon its max_value (it
// counted its percentage, 10 for "10%", before), a gift its amount, points their number.
func TestAmountBudgetCountsEachGrantsFaceValue(t *testing.T) {
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	ctx := context.Background()
	for _, tc := range []struct {
		reward  config.Reward
		granted int // grants before the budget is exhausted
		spent   float64
	}{
		{config.Reward{ID: "pct", Kind: "coupon", Value: "10%", MaxValue: "30 EUR", Budget: &config.Budget{Amount: 100}}, 3, 90},
		{config.Reward{ID: "five", Kind: "coupon", Value: "5 EUR", Budget: &config.Budget{Amount: 12}}, 2, 10},
		{config.Reward{ID: "mug", Kind: "gift", Value: "12.5", Budget: &config.Budget{Amount: 50}}, 4, 50},
		{config.Reward{ID: "pts", Kind: "points", Value: "200", Budget: &config.Budget{Amount: 1000}}, 5, 1000},
	} {
		t.Run(tc.reward.ID, func(t *testing.T) {
			granted := 0
			for i := range tc.granted + 2 {
				_, err := l.Grant(ctx, "camp", &tc.reward, fmt.Sprint("c", i), "o", time.Now())
				switch {
				case err == nil:
					granted++
				case !errors.Is(err, ErrExhausted):
					t.Fatal(err)
				}
			}
			_, spent, err := l.Spent(ctx, "camp", tc.reward.ID)
			if err != nil || granted != tc.granted || spent != tc.spent {
				t.Errorf("granted %d spending %g (err %v), want %d spending %g", granted, spent, err, tc.granted, tc.spent)
			}
			left, err := l.Left(ctx, &config.Campaign{ID: "camp", Rewards: []config.Reward{tc.reward}})
			if err != nil || left[tc.reward.ID] {
				t.Errorf("Left = %v, %v; want no room", left, err)
			}
		})
	}
}

// A reward whose grants have no face value would never reach an amount budget: it is granted
// nowhere rather than without a cap.
func TestAmountBudgetWithoutFaceValueGrantsNothing(t *testing.T) {
	r := testenv.NewRedis(t)
	l := NewLedger(r.Client, "s")
	ctx := context.Background()
	for _, reward := range []config.Reward{
		{ID: "lounge", Kind: "perk", Text: "Lounge access", Budget: &config.Budget{Amount: 50}},
		{ID: "pct", Kind: "coupon", Value: "10%", Budget: &config.Budget{Amount: 50}},
	} {
		if _, err := l.Grant(ctx, "camp", &reward, "c1", "o", time.Now()); !errors.Is(err, ErrNoFaceValue) {
			t.Errorf("%s: err = %v, want ErrNoFaceValue", reward.ID, err)
		}
		n, _, err := l.Spent(ctx, "camp", reward.ID)
		if err != nil || n != 0 {
			t.Errorf("%s: spent %d grants (err %v), want none", reward.ID, n, err)
		}
		left, err := l.Left(ctx, &config.Campaign{ID: "camp", Rewards: []config.Reward{reward}})
		if err != nil || left[reward.ID] {
			t.Errorf("%s: Left = %v, %v; want no room", reward.ID, left, err)
		}
	}
	// A count budget needs no face value.
	counted := config.Reward{ID: "counted", Kind: "perk", Budget: &config.Budget{Count: 1}}
	if _, err := l.Grant(ctx, "camp", &counted, "c1", "o", time.Now()); err != nil {
		t.Errorf("count-budgeted perk: %v", err)
	}
}
