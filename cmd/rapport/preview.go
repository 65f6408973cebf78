package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/dryrun"
)

func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("preview", "preview --campaign ID --customer ID [--at RFC3339] [--event JSON] [--json]", stderr)
	campaign := fs.String("campaign", "", "campaign id (required)")
	customer := fs.String("customer", "", "customer id (required)")
	atFlag := fs.String("at", "", "decide as of this time, RFC 3339 (default now)")
	eventFlag := fs.String("event", "", `triggering event as JSON: {"event":"Order Completed","properties":{...}} (default: the customer's latest order)`)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *campaign == "" || *customer == "" {
		fs.Usage()
		return fmt.Errorf("--campaign and --customer are required")
	}
	at := time.Now()
	if *atFlag != "" {
		t, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			return fmt.Errorf("--at: %w", err)
		}
		at = t
	}
	ev, err := parseEventFlag(*eventFlag, at)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return fmt.Errorf("preview reads customers from Redis: set redis_url or RAPPORT_REDIS_URL")
	}
	a, err := openApp(ctx, cfg, newLogger("console").WithOptions())
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := dryrun.Preview(ctx, a.deliverer, *campaign, *customer, at, ev)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, p)
	}
	fmt.Fprintf(stdout, "campaign %s, customer %s: ", p.Campaign, p.Customer)
	switch {
	case p.Eligible:
		fmt.Fprintf(stdout, "variant %s by %s at %s\n", p.Variant, p.Channel, p.SendAt.Format(time.RFC3339))
	case p.Holdout:
		fmt.Fprintln(stdout, "in the holdout group (nothing is sent)")
	default:
		fmt.Fprintf(stdout, "nothing to send (%s)\n", p.Skip)
	}
	for _, r := range p.Reasons {
		fmt.Fprintln(stdout, "  - "+r)
	}
	if p.Reward != nil {
		fmt.Fprintf(stdout, "reward: %s (%s %s) %s %s\n", p.Reward.ID, p.Reward.Kind, p.Reward.Value, p.Reward.Code, p.Reward.Text)
	}
	if p.Subject != "" {
		fmt.Fprintf(stdout, "\nSubject: %s\n", p.Subject)
	}
	if p.Text != "" {
		fmt.Fprintf(stdout, "\n%s\n", strings.TrimSpace(p.Text))
	}
	return nil
}

func parseEventFlag(s string, at time.Time) (*decide.Event, error) {
	if s == "" {
		return nil, nil
	}
	var raw struct {
		Event      string         `json:"event"`
		MessageID  string         `json:"messageId"`
		Properties map[string]any `json:"properties"`
		Timestamp  *time.Time     `json:"timestamp"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("--event: %w", err)
	}
	ev := &decide.Event{ID: raw.MessageID, Name: raw.Event, Properties: raw.Properties, Timestamp: at}
	if raw.Timestamp != nil {
		ev.Timestamp = *raw.Timestamp
	}
	if ev.Properties == nil {
		ev.Properties = map[string]any{}
	}
	return ev, nil
}
