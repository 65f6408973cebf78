package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
)

// reportCommands are the subcommands of `rapport report`.
var reportCommands = map[string]command{
	"loyalty":   {"lifecycle stages, repeat rate, churn, CLV deciles and the valuable customers at risk", runReportLoyalty},
	"campaigns": {"every campaign's headline numbers: sent, held out, conversions, uplift, revenue", runReportCampaigns},
}

// runReport is `rapport report COMMAND`, or `rapport report --campaign ID ...` for one
// campaign's funnel and uplift (report_campaign.go).
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		for _, a := range args {
			if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); name == "campaign" && strings.HasPrefix(a, "-") {
				return runReportCampaign(ctx, args, stdout, stderr)
			}
		}
	}
	return runSubcommand("report", reportCommands, ctx, args, stdout, stderr)
}

func runReportLoyalty(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("report loyalty", "report loyalty [--config F] [--at RFC3339|YYYY-MM-DD[THH:MM]] [--period 90d] [--top 20] [--json]", stderr)
	atFlag := fs.String("at", "", "report as of this instant: RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC (default now)")
	periodFlag := fs.String("period", "90d", "the churn period: the share of the customers who bought in the period before it and not during it")
	top := fs.Int("top", 20, "how many at-risk customers of highest CLV to list")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	at := time.Now()
	if *atFlag != "" {
		t, err := parseInstant("at", *atFlag)
		if err != nil {
			return err
		}
		at = t
	}
	period, err := config.ParseDuration(*periodFlag)
	if err != nil || period.D() < 24*time.Hour {
		return fmt.Errorf("--period %q: want whole days, e.g. 90d", *periodFlag)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	rdb, store, err := openStore(cfg, "report loyalty")
	if err != nil {
		return err
	}
	defer rdb.Close()
	m, err := analytics.NewModels(rdb, analytics.ModelsOptions{}).Load(ctx)
	if err != nil {
		return err
	}
	rep, err := analytics.LoyaltyReportOf(ctx, store, m, analytics.LoyaltyOptions{At: at, PeriodDays: int(period.D() / (24 * time.Hour)), Top: *top})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	printLoyalty(stdout, rep)
	return nil
}

func printLoyalty(w io.Writer, r *analytics.LoyaltyReport) {
	fmt.Fprintf(w, "Loyalty at %s: %d customers with a purchase, %d profiles without.\n", r.At.Format(time.RFC3339), r.Customers, r.NoOrders)
	if r.ModelAsOf == nil {
		fmt.Fprintln(w, "No model fitted yet (rapport predict fit): stages follow the days since purchase alone; no CLV.")
	} else {
		fmt.Fprintf(w, "Predictions from the model fitted as of %s.\n", r.ModelAsOf.Format(time.DateOnly))
	}
	fmt.Fprintln(w, "\nLifecycle stages:")
	for _, s := range r.Stages {
		fmt.Fprintf(w, "  %-9s %8d %6.1f%%\n", s.Stage, s.Customers, 100*s.Share)
	}
	fmt.Fprintf(w, "\nRepeat-purchase rate: %.1f%% bought on two days or more.\n", 100*r.RepeatRate)
	c := r.Churn
	fmt.Fprintf(w, "Churn over the last %d days: %d of the %d customers who bought in the %d days before did not buy again (%.1f%%).\n",
		c.PeriodDays, c.Lost, c.Active, c.PeriodDays, 100*c.Rate)
	if len(r.CLVDeciles) > 0 {
		in := ""
		if r.CLVCurrency != "" {
			in = ", every currency at " + r.CLVCurrency + "'s price level"
		}
		fmt.Fprintf(w, "\nCLV by decile (1 = the most valuable tenth%s):\n", in)
		fmt.Fprintf(w, "  %6s %9s %10s %10s %10s %7s\n", "decile", "customers", "min", "mean", "max", "share")
		for _, d := range r.CLVDeciles {
			fmt.Fprintf(w, "  %6d %9d %10.2f %10.2f %10.2f %6.1f%%\n", d.Decile, d.Customers, d.Min, d.Mean, d.Max, 100*d.Share)
		}
	}
	if len(r.TopAtRisk) > 0 {
		fmt.Fprintln(w, "\nAt risk, by CLV:")
		fmt.Fprintf(w, "  %-24s %14s %8s  %s\n", "customer", "CLV", "P(alive)", "last order")
		for _, a := range r.TopAtRisk {
			fmt.Fprintf(w, "  %-24s %10.2f %-3s %8.3f  %s\n", a.ID, a.OwnCLV, a.Currency, a.PAlive, a.LastOrderAt.Format(time.DateOnly))
		}
	}
}
