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

func TestCampaignBudgetIsNeverOverspentAcrossItsRewards(t *testing.T) {
	ctx := context.Background()
	l := NewLedger(testenv.NewRedis(t).Client, "s")
	c := &config.Campaign{ID: "spring", Budget: &config.Budget{Count: 30}, Rewards: []config.Reward{
		{ID: "ten-off", Kind: "coupon", Value: "10%", Budget: &config.Budget{Count: 20}},
		{ID: "lounge", Kind: "perk"},
		{ID: "nothing", Kind: "none"},
	}}
	var mu sync.Mutex
	granted := map[string]int{}
	got := map[string]int{} // customer -> index of the counted reward granted
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				customer := fmt.Sprintf("c%d-%d", w, i)
				for j := range c.Rewards {
					_, err := l.GrantIn(ctx, c, &c.Rewards[j], customer, "o", time.Now())
					if errors.Is(err, ErrExhausted) {
						continue
					}
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					granted[c.Rewards[j].ID]++
					if j < 2 {
						got[customer] = j
					}
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	if granted["ten-off"] > 20 || granted["ten-off"]+granted["lounge"] != 30 || granted["nothing"] != 170 {
		t.Fatalf("granted %v; want at most 20 ten-off, 30 in all counted, the 170 others nothing", granted)
	}
	left, err := l.Left(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, nothing := left["nothing"]; left["ten-off"] || left["lounge"] || nothing {
		t.Errorf("left %v: the campaign budget is spent, none of its counted rewards has room (and none is not counted)", left)
	}
	// A refund gives back both budgets.
	refunded, tenOff := 0, granted["ten-off"]
	for customer, j := range got {
		if refunded == 5 {
			break
		}
		if j == 0 {
			tenOff--
		}
		if err := l.RefundIn(ctx, c, &c.Rewards[j], customer, "o"); err != nil {
			t.Fatal(err)
		}
		refunded++
	}
	st, err := l.Stats(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Granted != 25 || st.Rewards[0].Granted != tenOff {
		t.Errorf("after 5 refunds the campaign budget has %d grants, ten-off %d; want 25 and %d", st.Granted, st.Rewards[0].Granted, tenOff)
	}
}

func TestPointsAreCreditedOnceWithADatedLedger(t *testing.T) {
	ctx := context.Background()
	l := NewLedger(testenv.NewRedis(t).Client, "s")
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	g := &Grant{ID: "points-200", Kind: "points", Value: "200"}
	for i := range pointsKeep + 5 {
		if err := l.Delivered(ctx, "thanks", "ana", fmt.Sprint("order-", i), g, at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// A replay of the latest credit changes nothing.
	if err := l.Delivered(ctx, "thanks", "ana", fmt.Sprint("order-", pointsKeep+4), g, at); err != nil {
		t.Fatal(err)
	}
	p, err := l.Points(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(200 * (pointsKeep + 5)); p.Balance != want || len(p.Entries) != pointsKeep {
		t.Fatalf("balance %d with %d entries, want %d with %d", p.Balance, len(p.Entries), want, pointsKeep)
	}
	if e := p.Entries[0]; e.Balance != p.Balance || e.Points != 200 || e.Occurrence != fmt.Sprint("order-", pointsKeep+4) || !e.At.Equal(at.Add(time.Duration(pointsKeep+4)*time.Hour)) {
		t.Errorf("newest entry %+v", e)
	}
	st, err := l.Stats(ctx, &config.Campaign{ID: "thanks", Rewards: []config.Reward{{ID: "points-200", Kind: "points", Value: "200"}}})
	if err != nil || st.Rewards[0].Sent != pointsKeep+5 {
		t.Fatalf("stats %+v, %v: want %d sent", st, err, pointsKeep+5)
	}
}
