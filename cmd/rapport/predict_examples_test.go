package main

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/predict"
)

// cdnowModels publishes a model at the CDNOW parameters (weeks, 12 months, 1% a month, 30%
// margin) and returns the cache that predicts from it.
func cdnowModels(t *testing.T) *analytics.Models {
	t.Helper()
	r := testenv.NewRedis(t)
	ms := analytics.NewModels(r.Client, analytics.ModelsOptions{})
	m := &analytics.Model{AsOf: reportAt, Unit: "weeks",
		BGNBD:      analytics.BGNBDParams{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, Converged: true},
		GammaGamma: analytics.GammaGammaParams{P: 6.25, Q: 3.74, Gamma: 15.44, Converged: true},
		CLV:        analytics.CLVParams{Months: 12, MonthlyDiscount: 0.01, Margin: 0.3}}
	if err := ms.Publish(context.Background(), m, 10); err != nil {
		t.Fatal(err)
	}
	return ms
}

// audienceHolds evaluates a campaign's audience for a customer with purchase days (days
// before at, each worth value) as the worker would: predictions first, then the condition.
func audienceHolds(t *testing.T, ms *analytics.Models, camp *config.Campaign, ago []int, value float64, at time.Time) bool {
	t.Helper()
	prof := &customers.Profile{Customer: decide.Customer{ID: "c", Summary: decide.Summary{Orders: len(ago)}}}
	for _, a := range ago {
		prof.Days = append(prof.Days, predict.Day{Day: predict.DayOf(at) - int32(a), Value: value, Orders: 1})
	}
	prof.Summary.LastOrderAt = time.Unix(int64(prof.Days[len(prof.Days)-1].Day)*86400+12*3600, 0).UTC()
	pred, err := ms.Predict(context.Background(), prof, at)
	if err != nil {
		t.Fatal(err)
	}
	prof.Predicted = pred
	ok, err := camp.Audience.Where.Eval(decide.Env(&prof.Customer, nil, at))
	if err != nil {
		t.Fatalf("%s: %v", camp.ID, err)
	}
	return ok
}

func TestReplenishmentRemindsAMonthlyBuyerWhenTheirMonthIsUp(t *testing.T) {
	set, err := config.LoadDir("../../examples/scheduled")
	if err != nil {
		t.Fatal(err)
	}
	camp := set.Campaign("replenishment")
	ms := cdnowModels(t)
	// Six orders a month apart; the reminder is looked at on each day after the last one.
	var due []int
	for d := 1; d <= 60; d++ {
		at := reportAt.AddDate(0, 0, d)
		if audienceHolds(t, ms, camp, []int{150 + d, 120 + d, 90 + d, 60 + d, 30 + d, d}, 40, at) {
			due = append(due, d)
		}
	}
	// The model's wait from the last order is about the customer's own month, and the
	// window lasts a few days: one reminder with repeat every 7d.
	if len(due) == 0 || due[0] < 27 || due[0] > 33 || due[len(due)-1]-due[0] > 5 {
		t.Errorf("reminded on days %v after the last order, want a few days around 30", due)
	}
	// A one-order customer has no rhythm yet.
	if audienceHolds(t, ms, camp, []int{30}, 40, reportAt) {
		t.Error("a one-order customer was reminded")
	}
}

func TestWinBackValuableTargetsValuableRepeatCustomersSlippingAway(t *testing.T) {
	set, err := config.LoadDir("../../examples/scheduled")
	if err != nil {
		t.Fatal(err)
	}
	camp := set.Campaign("win-back-valuable")
	ms := cdnowModels(t)
	for _, tc := range []struct {
		name  string
		ago   []int
		value float64
		want  bool
	}{
		{"big spender, four months late on a monthly rhythm (P(alive) about 0.3)", []int{270, 240, 210, 180, 150, 120}, 150, true},
		{"big spender on time", []int{150, 120, 90, 60, 30, 5}, 150, false},
		{"small spender, as late", []int{270, 240, 210, 180, 150, 120}, 5, false},
		{"one order long ago (P(alive) is 1 under the model)", []int{300}, 500, false},
		{"gone for years (P(alive) under 0.15)", []int{1500, 1470, 1440, 1410, 1380, 1350}, 150, false},
	} {
		if got := audienceHolds(t, ms, camp, tc.ago, tc.value, reportAt); got != tc.want {
			t.Errorf("%s: audience %v, want %v", tc.name, got, tc.want)
		}
	}
}
