package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/internal/redisconn"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// runDeliveries is `rapport deliveries --state outcome_unknown [--campaign ID] [--since D]
// [--resend] [--json]`: the deliveries whose outcome is unknown (the provider may or may not
// have the message), and, after the operator has checked the relay, sending them once more.
func runDeliveries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("deliveries", "deliveries --state outcome_unknown [--config F] [--campaign ID] [--since 7d|RFC3339] [--resend] [--json]", stderr)
	state := fs.String("state", "", "which deliveries: outcome_unknown (the only state listed so far)")
	campaign := fs.String("campaign", "", "only this campaign")
	sinceFlag := fs.String("since", "", "only those recorded since this long ago (7d, 12h) or this instant (RFC 3339 or YYYY-MM-DD)")
	resend := fs.Bool("resend", false, "send them once more: only after checking with the relay that they did not go out")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if *state != "outcome_unknown" {
		fs.Usage()
		return fmt.Errorf("--state %q: want outcome_unknown", *state)
	}
	now := time.Now()
	var since time.Time
	if *sinceFlag != "" {
		if d, derr := config.ParseDuration(*sinceFlag); derr == nil {
			since = now.Add(-d.D())
		} else if t, err := parseInstant("since", *sinceFlag); err != nil {
			return err
		} else {
			since = t
		}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return fmt.Errorf("deliveries reads Redis: set redis_url or RAPPORT_REDIS_URL")
	}
	rdb, err := redisconn.Open(cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	claims := delivery.NewClaims(rdb)
	list, err := claims.ListUnknown(ctx, *campaign, since)
	if err != nil {
		return err
	}
	var queueOf func(string) string
	var client *asynq.Client
	if *resend {
		cat, err := loadCatalog(cfg)
		if err != nil {
			return err
		}
		queueOf = func(id string) string {
			if c := cat.Set.Campaign(id); c != nil {
				return tasks.QueueFor(c)
			}
			return tasks.QueueDefault
		}
		client = asynq.NewClientFromRedisClient(rdb)
		defer client.Close()
	}
	enc := json.NewEncoder(stdout)
	resent, failed := 0, 0
	for _, u := range list {
		status := ""
		if *resend {
			if err := claims.Resend(ctx, client, queueOf(u.Campaign), u, now); err != nil {
				fmt.Fprintf(stderr, "%v\n", err)
				status, failed = "not_resent", failed+1
			} else {
				status, resent = "resent", resent+1
			}
		}
		if *asJSON {
			if err := enc.Encode(struct {
				delivery.Unknown
				Status string `json:"status,omitempty"`
			}{u, status}); err != nil {
				return err
			}
			continue
		}
		pending := ""
		if u.Pending {
			pending = " (pending: settled when its task retries)"
		}
		fmt.Fprintf(stdout, "%s  %-20s %-20s %-16s %s %s%s %s\n", u.At.Format(time.RFC3339), u.Campaign, u.Customer,
			u.Occurrence, u.Channel, u.Reason, pending, status)
	}
	if !*asJSON {
		fmt.Fprintf(stderr, "%d deliveries with an unknown outcome", len(list))
		if *resend {
			fmt.Fprintf(stderr, "; %d resent, %d not", resent, failed)
		}
		fmt.Fprintln(stderr)
	}
	if failed > 0 {
		return exitError{code: 1}
	}
	return nil
}
