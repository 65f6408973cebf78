package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/predict"
)

func runPredictBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("predict backtest", "predict backtest [--config F] --calibration-end DATE [--holdout-end DATE] [--unit days|weeks] [--json]", stderr)
	calFlag := fs.String("calibration-end", "", "last day of the calibration period: YYYY-MM-DD[THH:MM[:SS]] in UTC, or RFC 3339 (required)")
	holdFlag := fs.String("holdout-end", "", "last day of the holdout period, as --calibration-end (default today)")
	unitFlag := fs.String("unit", "", "time unit of the fit, days or weeks (default config predict.unit)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *calFlag == "" {
		fs.Usage()
		return fmt.Errorf("--calibration-end is required")
	}
	cal, err := parseInstant("calibration-end", *calFlag)
	if err != nil {
		return err
	}
	hold := time.Now()
	if *holdFlag != "" {
		if hold, err = parseInstant("holdout-end", *holdFlag); err != nil {
			return err
		}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	unit, err := unitOf(*unitFlag, cfg)
	if err != nil {
		return err
	}
	rdb, store, err := openStore(cfg, "predict backtest")
	if err != nil {
		return err
	}
	defer rdb.Close()
	rep, err := analytics.Backtest(ctx, store, cal, hold, unit, predict.FitOptions{})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	printBacktest(stdout, rep)
	return nil
}

func printBacktest(w io.Writer, r *analytics.BacktestReport) {
	bg := r.BGNBD
	fmt.Fprintf(w, "BG/NBD on %d customers to %s, in %s: r = %.4f, α = %.4f, a = %.4f, b = %.4f, log-likelihood %.2f\n\n",
		r.Customers, r.CalibrationEnd.Format(time.DateOnly), r.Unit, bg.R, bg.Alpha, bg.A, bg.B, bg.LL)
	fmt.Fprintf(w, "Cumulative repeat purchases by week, from %s (holdout weeks marked *):\n", r.Start.Format(time.DateOnly))
	fmt.Fprintf(w, "  %5s %10s %10s %7s\n", "week", "expected", "actual", "error")
	for _, t := range r.Tracking {
		mark := " "
		if t.Holdout {
			mark = "*"
		}
		fmt.Fprintf(w, "  %4d%s %10.1f %10.0f %6.1f%%\n", t.Week, mark, t.Expected, t.Actual, pct(t.Expected-t.Actual, t.Actual))
	}
	fmt.Fprintf(w, "\nHoldout repeat purchases (%.2f %s) by calibration frequency:\n", r.HoldoutUnits, r.Unit)
	fmt.Fprintf(w, "  %9s %9s %10s %10s %9s %9s\n", "frequency", "customers", "expected", "actual", "exp/cust", "act/cust")
	for _, b := range r.ByFrequency {
		label := fmt.Sprint(b.Frequency)
		if b.Frequency == predict.FrequencyBuckets-1 {
			label += "+"
		}
		per := func(v float64) float64 {
			if b.Customers == 0 {
				return 0
			}
			return v / float64(b.Customers)
		}
		fmt.Fprintf(w, "  %9s %9d %10.1f %10.0f %9.3f %9.3f\n", label, b.Customers, b.Expected, b.Actual, per(b.Expected), per(b.Actual))
	}
	fmt.Fprintf(w, "  %9s %9d %10.1f %10.0f\n", "total", r.Customers, r.ExpectedHoldout, r.ActualHoldout)
}

// pct is 100·d/base, 0 when base is 0.
func pct(d, base float64) float64 {
	if base == 0 {
		return 0
	}
	return 100 * d / base
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
