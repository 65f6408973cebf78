package analytics

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/predict"
)

// LoyaltyReport is what `rapport report loyalty --json` prints: the state of the customer
// base as of one instant.
type LoyaltyReport struct {
	At time.Time `json:"at"`
	// ModelAsOf is the fit date of the model the predictions come from; nil without a fit,
	// when stages follow the day rules alone and there is no CLV.
	ModelAsOf *time.Time `json:"model_as_of"`
	// Customers counts the customers with a purchase by At; NoOrders the profiles without.
	Customers int `json:"customers"`
	NoOrders  int `json:"no_orders"`
	// Stages counts the customers in each lifecycle stage, from new to lapsed.
	Stages []StageCount `json:"stages"`
	// RepeatRate is the share of customers who bought on at least two different days.
	RepeatRate float64   `json:"repeat_rate"`
	Churn      ChurnRate `json:"churn"`
	// CLVDeciles split the customers by CLV, decile 1 holding the most valuable tenth. In a
	// base of several currencies every CLV is first brought to CLVCurrency's price level
	// (the model's spend scales), so that roubles are not ranked against dollars.
	CLVDeciles  []CLVDecile `json:"clv_deciles"`
	CLVCurrency string      `json:"clv_currency,omitempty"`
	// TopAtRisk are the at-risk customers with the highest CLV, by id only (no contact
	// details: the report is meant to be passed around).
	TopAtRisk []AtRiskCustomer `json:"top_at_risk"`
}

// StageCount is the size of one lifecycle stage.
type StageCount struct {
	Stage     string  `json:"stage"`
	Customers int     `json:"customers"`
	Share     float64 `json:"share"`
}

// ChurnRate is the wastage over the last period: of the customers who bought in the period
// before it (Active), the share who did not buy again during it (Lost/Active).
type ChurnRate struct {
	PeriodDays int     `json:"period_days"`
	Active     int     `json:"active"`
	Lost       int     `json:"lost"`
	Rate       float64 `json:"rate"`
}

// CLVDecile describes one tenth of the customers ranked by CLV.
type CLVDecile struct {
	Decile    int     `json:"decile"`
	Customers int     `json:"customers"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Mean      float64 `json:"mean"`
	// Share is the decile's part of the base's total CLV.
	Share float64 `json:"share"`
}

// AtRiskCustomer is one entry of LoyaltyReport.TopAtRisk.
type AtRiskCustomer struct {
	ID string `json:"id"`
	// CLV is in LoyaltyReport.CLVCurrency, for ranking; OwnCLV in the customer's Currency.
	CLV         float64   `json:"clv"`
	OwnCLV      float64   `json:"own_clv"`
	Currency    string    `json:"currency,omitempty"`
	PAlive      float64   `json:"p_alive"`
	LastOrderAt time.Time `json:"last_order_at,omitzero"`
}

// LoyaltyOptions configure LoyaltyReportOf.
type LoyaltyOptions struct {
	// At is the instant of the report. Required.
	At time.Time
	// PeriodDays is the churn period. Default 90.
	PeriodDays int
	// Top is how many at-risk customers to list. Default 20.
	Top int
}

// stageOrder lists the lifecycle stages from acquisition to loss.
var stageOrder = []predict.Stage{predict.StageNew, predict.StageActive, predict.StageLoyal,
	predict.StageChampion, predict.StageAtRisk, predict.StageLapsed}

// LoyaltyReportOf reads the whole base and reports on it with model m (nil: no fit). Memory
// holds one CLV per customer (8 bytes) for the deciles and the Top at-risk customers.
func LoyaltyReportOf(ctx context.Context, p CustomerPager, m *Model, o LoyaltyOptions) (*LoyaltyReport, error) {
	if o.PeriodDays <= 0 {
		o.PeriodDays = 90
	}
	if o.Top <= 0 {
		o.Top = 20
	}
	rep := &LoyaltyReport{At: o.At.UTC(), Churn: ChurnRate{PeriodDays: o.PeriodDays}, CLVDeciles: []CLVDecile{}, TopAtRisk: []AtRiskCustomer{}}
	if m != nil {
		asOf := m.AsOf
		rep.ModelAsOf = &asOf
	}
	stages := map[predict.Stage]int{}
	var (
		repeaters int
		clvs      []float64
		atRisk    []AtRiskCustomer
	)
	end := int64(predict.DayOf(o.At))
	start := end - int64(o.PeriodDays) // the period is the days (start, end]
	err := EachCustomer(ctx, p, 0, func(prof *customers.Profile) error {
		last, n := lastDay(prof.Days, end)
		if n == 0 {
			rep.NoOrders++
			return nil
		}
		rep.Customers++
		if n >= 2 {
			repeaters++
		}
		if boughtIn(prof.Days, start-int64(o.PeriodDays), start) {
			rep.Churn.Active++
			if last <= start {
				rep.Churn.Lost++
			}
		}
		var stage predict.Stage
		if m != nil {
			pred, err := m.Predict(prof.Days, prof.DaysCurrency, o.At)
			if err != nil {
				return fmt.Errorf("customer %s: %w", prof.ID, err)
			}
			stage = predict.Stage(pred.Lifecycle)
			clv := m.InSpendCurrency(pred.CLV, prof.DaysCurrency)
			clvs = append(clvs, clv)
			if stage == predict.StageAtRisk {
				atRisk = append(atRisk, AtRiskCustomer{ID: prof.ID, CLV: clv, OwnCLV: pred.CLV, Currency: prof.DaysCurrency,
					PAlive: pred.PAlive, LastOrderAt: prof.Summary.LastOrderAt})
				if len(atRisk) >= 2*o.Top {
					atRisk = topAtRisk(atRisk, o.Top) // trimmed when it doubles: O(Top) memory
				}
			}
		} else {
			in, _ := predict.LifecycleInputOf(prof.Days, o.At, math.NaN())
			s, err := predict.Lifecycle(in, predict.LifecycleThresholds{})
			if err != nil {
				return fmt.Errorf("customer %s: %w", prof.ID, err)
			}
			stage = s
		}
		stages[stage]++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loyalty report: %w", err)
	}
	for _, s := range stageOrder {
		rep.Stages = append(rep.Stages, StageCount{Stage: string(s), Customers: stages[s], Share: ratio(stages[s], rep.Customers)})
	}
	rep.RepeatRate = ratio(repeaters, rep.Customers)
	rep.Churn.Rate = ratio(rep.Churn.Lost, rep.Churn.Active)
	rep.CLVDeciles = deciles(clvs)
	if m != nil && len(m.SpendScales) > 0 {
		rep.CLVCurrency = m.SpendCurrency
	}
	rep.TopAtRisk = append(rep.TopAtRisk, topAtRisk(atRisk, o.Top)...)
	return rep, nil
}

// lastDay returns the last purchase day on or before end and how many distinct purchase days
// there were by then.
func lastDay(days []predict.Day, end int64) (last int64, n int) {
	last = math.MinInt64
	for _, d := range days { // stored days are sorted, one per day
		if day := int64(d.Day); day <= end && day != last {
			last = max(last, day)
			n++
		}
	}
	return last, n
}

// boughtIn reports a purchase day in (from, to].
func boughtIn(days []predict.Day, from, to int64) bool {
	for _, d := range days {
		if day := int64(d.Day); day > from && day <= to {
			return true
		}
	}
	return false
}

// topAtRisk returns the n at-risk customers of highest CLV, ties by id, so that the list does
// not depend on the order of the walk.
func topAtRisk(list []AtRiskCustomer, n int) []AtRiskCustomer {
	slices.SortFunc(list, func(a, b AtRiskCustomer) int {
		if c := cmp.Compare(b.CLV, a.CLV); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return list[:min(len(list), n)]
}

// deciles ranks the CLVs, highest first, and describes each tenth. With fewer than ten
// customers some deciles are empty and left out.
func deciles(clvs []float64) []CLVDecile {
	out := []CLVDecile{}
	n := len(clvs)
	if n == 0 {
		return out
	}
	slices.SortFunc(clvs, func(a, b float64) int { return cmp.Compare(b, a) })
	total := 0.0
	for _, v := range clvs {
		total += v
	}
	for d := range 10 {
		lo, hi := d*n/10, (d+1)*n/10
		if lo == hi {
			continue
		}
		sum := 0.0
		for _, v := range clvs[lo:hi] {
			sum += v
		}
		share := 0.0
		if total != 0 {
			share = sum / total
		}
		out = append(out, CLVDecile{Decile: d + 1, Customers: hi - lo, Min: clvs[hi-1], Max: clvs[lo],
			Mean: sum / float64(hi-lo), Share: share})
	}
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
