package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

// runSimulate is `rapport simulate`: the fan-out and the decisions of one occurrence over the
// whole audience, without sending or writing anything.
func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("simulate", "simulate --campaign ID [--at TIME] [--json]", stderr)
	campaign := fs.String("campaign", "", "campaign id (required)")
	atText := fs.String("at", "", "simulate the first occurrence with customers at or after this time: "+atUsage)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *campaign == "" {
		fs.Usage()
		return fmt.Errorf("--campaign is required")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	at, err := atFlag(*atText, cfg.Location())
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return fmt.Errorf("simulate reads customers from Redis: set redis_url or RAPPORT_REDIS_URL")
	}
	a, err := openAppWith(ctx, cfg, dryRunLogger(stderr), appOptions{dryRun: true})
	if err != nil {
		return err
	}
	defer a.Close()
	sim, err := dryrun.Simulate(ctx, a.deliverer, a.store, *campaign, at, 1000)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, sim)
	}
	printSimulation(stdout, sim)
	return nil
}

func printSimulation(w io.Writer, s *dryrun.Simulation) {
	fmt.Fprintf(w, "campaign %s, occurrence %s: %d customers, %d would get the message, %d in the holdout\n",
		s.Campaign, s.Occurrence, s.Customers, s.WouldSend, s.Holdout)
	if s.Note != "" {
		fmt.Fprintf(w, "(%s)\n", s.Note)
	}
	section := func(title string, m map[string]int64) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(w, "  %-24s %d\n", k, m[k])
		}
	}
	section("skipped", s.Skipped)
	for _, c := range s.ConditionErrors {
		fmt.Fprintf(w, "  %s of %s customers: %s failed: %s\n", thousands(c.Customers), thousands(s.Customers), c.Condition, c.Error)
	}
	section("variants", s.Variants)
	section("channels", s.Channels)
	section("rewards", s.Rewards)
	section("would exceed budget", s.WouldExceed)
	if len(s.Spend) > 0 {
		fmt.Fprintln(w, "reward spend:")
		for _, k := range slices.Sorted(maps.Keys(s.Spend)) {
			fmt.Fprintf(w, "  %-24s %g\n", k, s.Spend[k])
		}
	}
	if len(s.ChannelCost) > 0 {
		fmt.Fprintf(w, "channel cost (%s SMS segments):\n", thousands(s.SMSSegments))
		for _, k := range slices.Sorted(maps.Keys(s.ChannelCost)) {
			fmt.Fprintf(w, "  %-24s %g\n", k, s.ChannelCost[k])
		}
	}
	section("send time (UTC hour)", s.Hours)
	section("send time (customer's local hour)", s.LocalHours)
}

// thousands writes n with comma separators: 1,271.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
