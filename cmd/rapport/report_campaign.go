package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/results"
)

// runReportCampaign is `rapport report --campaign ID [--from D] [--to D] [--json]`.
func runReportCampaign(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("report", "report --campaign ID [--config F] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]", stderr)
	campaign := fs.String("campaign", "", "the campaign's id")
	fromFlag := fs.String("from", "", "first day counted (UTC), YYYY-MM-DD or RFC 3339; default: the campaign's whole life")
	toFlag := fs.String("to", "", "last day counted (UTC); default today when --from is given")
	asJSON := fs.Bool("json", false, "print one JSON object, as GET /v1/campaigns/{id}/report")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if *campaign == "" {
		fs.Usage()
		return fmt.Errorf("--campaign is required (rapport report campaigns lists them)")
	}
	from, to, err := reportPeriod(*fromFlag, *toFlag)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	cat, err := loadCatalog(cfg)
	if err != nil {
		return err
	}
	c := cat.Set.Campaign(*campaign)
	if c == nil {
		return fmt.Errorf("--campaign: no campaign %q in %s", *campaign, cfg.Dir(cfg.Dirs.Campaigns))
	}
	store, closeFn, err := openResults(cfg, "report")
	if err != nil {
		return err
	}
	defer closeFn()
	rep, err := store.Report(ctx, *campaign, from, to)
	if err != nil {
		return err
	}
	// The variants' standing is over the campaign's whole life whatever the period: it is
	// what select: learn draws from now.
	life, err := store.Lifetime(ctx, *campaign)
	if err != nil {
		return err
	}
	learning := api.CampaignVariants(c, life)
	if *asJSON {
		return writeJSON(stdout, campaignReportJSON{Report: rep, Learning: learning})
	}
	printCampaignReport(stdout, rep)
	printVariantStanding(stdout, learning)
	return nil
}

// campaignReportJSON is GET /v1/campaigns/{id}/report's object with GET .../variants' as
// "learning".
type campaignReportJSON struct {
	results.Report
	Learning api.VariantsReport `json:"learning"`
}

// printVariantStanding prints each variant's lifetime rate, share of traffic and P(best).
func printVariantStanding(w io.Writer, l api.VariantsReport) {
	if len(l.Variants) == 0 {
		return
	}
	fmt.Fprintf(w, "\nVariants over the campaign's life (select: %s, explore %.0f%%, judged by conversions from %d sends):\n", l.Select, 100*l.Explore, l.MinSends)
	fmt.Fprintf(w, "%-16s %9s %9s %9s  %-26s %7s %7s\n", "variant", "sends", "convers.", "clicks", "conv. rate % [95% CI]", "share", "P(best)")
	for _, v := range l.Variants {
		share := "-"
		if v.Share != nil {
			share = fmt.Sprintf("%.1f%%", 100**v.Share)
		}
		fmt.Fprintf(w, "%-16s %9d %9d %9d  %-26s %7s %6.1f%%\n", truncateName(v.Variant, 16), v.Sends, v.Conversions, v.Clicks,
			rateInterval(v.Rate), share, 100*v.ProbBest)
	}
}

// rateInterval prints a rate in percent with its interval: "10.00 [7.43, 13.35]".
func rateInterval(iv results.Interval) string {
	if math.IsNaN(iv.Estimate) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f]", 100*iv.Estimate, 100*iv.Low, 100*iv.High)
}

// runReportCampaigns is `rapport report campaigns`: every campaign's headline numbers.
func runReportCampaigns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("report campaigns", "report campaigns [--config F] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]", stderr)
	fromFlag := fs.String("from", "", "first day counted (UTC); default: each campaign's whole life")
	toFlag := fs.String("to", "", "last day counted (UTC); default today when --from is given")
	asJSON := fs.Bool("json", false, "print a JSON array of reports")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	from, to, err := reportPeriod(*fromFlag, *toFlag)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	cat, err := loadCatalog(cfg)
	if err != nil {
		return err
	}
	store, closeFn, err := openResults(cfg, "report campaigns")
	if err != nil {
		return err
	}
	defer closeFn()
	reps := make([]results.Report, 0, len(cat.Set.Campaigns))
	for _, c := range cat.Set.Campaigns {
		rep, err := store.Report(ctx, c.ID, from, to)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	slices.SortFunc(reps, func(a, b results.Report) int { return strings.Compare(a.Campaign, b.Campaign) })
	if *asJSON {
		return writeJSON(stdout, reps)
	}
	printCampaigns(stdout, reps)
	return nil
}

// reportPeriod reads --from and --to (UTC days).
func reportPeriod(fromFlag, toFlag string) (from, to time.Time, err error) {
	if fromFlag != "" {
		if from, err = parseInstant("from", fromFlag); err != nil {
			return from, to, err
		}
	}
	if toFlag != "" {
		if to, err = parseInstant("to", toFlag); err != nil {
			return from, to, err
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, fmt.Errorf("--to %s is before --from %s", toFlag, fromFlag)
	}
	return from, to, nil
}

// openResults opens the campaign counters on redis_url.
func openResults(cfg *config.Config, what string) (*results.Store, func(), error) {
	if cfg.RedisURL == "" {
		return nil, nil, fmt.Errorf("%s reads the campaign counters from Redis: set redis_url or RAPPORT_REDIS_URL", what)
	}
	rdb, err := redisconn.Open(cfg.RedisURL)
	if err != nil {
		return nil, nil, err
	}
	s, err := resultsOf(cfg, rdb)
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	return s, func() { _ = rdb.Close() }, nil
}

func printCampaignReport(w io.Writer, r results.Report) {
	period := "its whole life"
	if r.From != "" {
		period = r.From + " to " + r.To + " (UTC)"
	}
	fmt.Fprintf(w, "Campaign %s, %s.\n\n", r.Campaign, period)
	fmt.Fprintf(w, "%-16s %9s %9s %9s %9s %9s %9s %9s  %s\n", "funnel", "sent", "delivered", "bounced", "opened", "clicked", "unsubscr.", "convers.", "revenue")
	row := func(name string, f results.Funnel) {
		fmt.Fprintf(w, "%-16s %9d %9d %9d %9d %9d %9d %9d  %s\n", truncateName(name, 16), f.Sent, f.Delivered, f.Bounced, f.Opened, f.Clicked, f.Unsubscribed, f.Conversions, money(f.Revenue))
	}
	row("all", r.Funnel)
	for _, v := range r.Variants {
		row("variant "+orDash(v.Variant), v.Funnel)
	}
	for _, c := range r.Channels {
		row("channel "+orDash(c.Channel), c.Funnel)
	}
	fmt.Fprintf(w, "\nDecisions: %d eligible, %d held out, %d skipped.\n", r.Funnel.Eligible, r.Funnel.Held, r.Funnel.Skipped)
	fmt.Fprintf(w, "\n%-10s %10s %10s %11s %10s  %s\n", "arm", "customers", "converters", "conversions", "conv. rate", "revenue per customer")
	for _, a := range []struct {
		name string
		r    results.ArmReport
	}{{"treatment", r.Treatment}, {"holdout", r.Holdout}} {
		fmt.Fprintf(w, "%-10s %10d %10d %11d %9.2f%%  %s\n", a.name, a.r.Customers, a.r.Converters, a.r.Conversions, 100*a.r.ConversionRate, money(a.r.RevenuePerCustomer))
	}
	fmt.Fprintln(w, "\nUplift, treatment against holdout (95% confidence interval):")
	e := r.Uplift.ConversionRate
	fmt.Fprintf(w, "  conversion rate       %s percentage points, %s%% relative\n", pctInterval(e.Absolute), pctInterval(e.Relative))
	for _, c := range r.Uplift.RevenuePerCustomer {
		fmt.Fprintf(w, "  revenue per customer  %s %s, %s%% relative\n", amount(c.Absolute), c.Currency, pctInterval(c.Relative))
	}
	if r.Holdout.Customers == 0 {
		fmt.Fprintln(w, "  (no holdout: set holdout: 10% on the campaign, or control_group in rapport.yaml, to measure uplift)")
	}
}

func printCampaigns(w io.Writer, reps []results.Report) {
	fmt.Fprintf(w, "%-24s %9s %9s %9s %11s %9s  %s\n", "campaign", "sent", "held", "convers.", "treat. rate", "uplift", "revenue")
	for _, r := range reps {
		up := "-"
		if r.Holdout.Customers > 0 && r.Treatment.Customers > 0 {
			up = pctInterval(r.Uplift.ConversionRate.Absolute)
		}
		fmt.Fprintf(w, "%-24s %9d %9d %9d %10.2f%% %9s  %s\n", truncateName(r.Campaign, 24), r.Funnel.Sent, r.Funnel.Held, r.Funnel.Conversions, 100*r.Treatment.ConversionRate, up, money(r.Funnel.Revenue))
	}
}

// pctInterval prints an interval of a share in percent: "+1.20 [+0.30, +2.10] *", the star
// marking a significant one (the interval excludes 0).
func pctInterval(iv results.Interval) string { return formatInterval(iv, 100, "%+.2f") }

func amount(iv results.Interval) string { return formatInterval(iv, 1, "%+.2f") }

func formatInterval(iv results.Interval, scale float64, f string) string {
	if math.IsNaN(iv.Estimate) {
		return "n/a"
	}
	s := fmt.Sprintf(f, scale*iv.Estimate)
	if math.IsNaN(iv.Low) || math.IsNaN(iv.High) {
		return s + " [n/a]"
	}
	s += " [" + fmt.Sprintf(f, scale*iv.Low) + ", " + fmt.Sprintf(f, scale*iv.High) + "]"
	if iv.Significant {
		s += " *"
	}
	return s
}

// money prints amounts per currency, never added across: "120.50 EUR, 3400.00 RUB".
func money(m map[string]float64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, cur := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%.2f %s", m[cur], cur))
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func truncateName(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
