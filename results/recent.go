package results

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RecentLen is how many decisions a campaign's recent list keeps: a sample for the console
// to show what the campaign decides and why, not a log (the delivery records are that).
const RecentLen = 50

// Decision is one decision of a campaign as the console samples it: the customer's id (never
// an address or a phone), what came of it (sent, holdout, skipped), the variant, the channel
// and the reasons.
type Decision struct {
	Campaign string
	At       time.Time
	Customer string
	State    string
	Variant  string
	Channel  string
	Reasons  []string
}

// recentKey is a campaign's latest decisions:
//
//	rp:{r:<campaign>}:recent  LIST of "unix|customer|state|variant|channel|reasons" (reasons
//	                          joined by "\x1e", last so that they may hold "|"), newest
//	                          first, LPUSH then LTRIM to RecentLen by every write. Lifetime:
//	                          the store's retention from its last write, as the counters. The
//	                          hash tag {r:<campaign>} keeps it in the counters' slot, so
//	                          delivery writes it in the pipeline that counts. Size: 50 entries
//	                          of a few hundred bytes per campaign.
func recentKey(campaign string) string { return "rp:{r:" + campaign + "}:recent" }

// recentSep joins a decision's reasons (no reason holds an ASCII record separator).
const recentSep = "\x1e"

func (d Decision) encode() string {
	clean := func(s string) string { return strings.ReplaceAll(s, "|", "/") }
	return strconv.FormatInt(d.At.Unix(), 10) + "|" + clean(d.Customer) + "|" + clean(d.State) + "|" +
		clean(d.Variant) + "|" + clean(d.Channel) + "|" + strings.Join(d.Reasons, recentSep)
}

func decodeDecision(campaign, s string) (Decision, bool) {
	parts := strings.SplitN(s, "|", 6)
	if len(parts) != 6 {
		return Decision{}, false
	}
	unix, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return Decision{}, false
	}
	d := Decision{Campaign: campaign, At: time.Unix(unix, 0).UTC(), Customer: parts[1], State: parts[2], Variant: parts[3], Channel: parts[4]}
	if parts[5] != "" {
		d.Reasons = strings.Split(parts[5], recentSep)
	}
	return d, true
}

// addDecisionsTo queues the LPUSH, LTRIM and EXPIRE of each campaign's recent list on p.
func (s *Store) addDecisionsTo(ctx context.Context, p redis.Pipeliner, ds ...Decision) {
	byCampaign := map[string][]any{}
	var order []string
	for _, d := range ds {
		if _, ok := byCampaign[d.Campaign]; !ok {
			order = append(order, d.Campaign)
		}
		byCampaign[d.Campaign] = append(byCampaign[d.Campaign], d.encode())
	}
	for _, c := range order {
		k := recentKey(c)
		p.LPush(ctx, k, byCampaign[c]...)
		p.LTrim(ctx, k, 0, RecentLen-1)
		p.Expire(ctx, k, s.retention)
	}
	for _, d := range ds {
		if d.State == "sent" || d.Customer == "" {
			continue // sends are on the profile's send log, with their records
		}
		k := unsentKey(d.Customer)
		p.LPush(ctx, k, d.encodeFor())
		p.LTrim(ctx, k, 0, UnsentLen-1)
		p.Expire(ctx, k, unsentTTL)
	}
}

// UnsentLen is how many of a customer's decisions that sent nothing (held out, skipped) are
// kept for their file in the console: the latest few, so that "why did I get nothing?" has
// an answer, at a bounded cost (a few hundred bytes each, only for customers who have one).
const UnsentLen = 5

// unsentTTL is how long a customer's unsent decisions are kept after the latest.
const unsentTTL = 90 * 24 * time.Hour

// unsentKey is a customer's latest decisions that sent nothing:
//
//	rp:{c:<customer>}:nd  LIST of "unix|campaign|state|variant|channel|reasons", newest first,
//	                      LPUSH then LTRIM to UnsentLen by every write, in the delivery
//	                      recorder's pipeline. Lifetime: 90 days from the latest. Under the
//	                      customer's hash tag, so erasing the customer deletes it.
func unsentKey(customer string) string { return "rp:{c:" + customer + "}:nd" }

// encodeFor is encode with the campaign in the customer's place: a customer's list names
// the campaigns, a campaign's list the customers.
func (d Decision) encodeFor() string {
	c := d
	c.Customer = d.Campaign
	return c.encode()
}

// Unsent returns a customer's latest decisions that sent nothing, newest first.
func (s *Store) Unsent(ctx context.Context, customer string) ([]Decision, error) {
	vals, err := s.rdb.LRange(ctx, unsentKey(customer), 0, UnsentLen-1).Result()
	if err != nil {
		return nil, fmt.Errorf("results: read the unsent decisions of %s: %w", customer, err)
	}
	out := make([]Decision, 0, len(vals))
	for _, v := range vals {
		if d, ok := decodeDecision("", v); ok {
			d.Campaign, d.Customer = d.Customer, customer
			out = append(out, d)
		}
	}
	return out, nil
}

// RecordDecisions is Record with a sample of the decisions for each campaign's recent list,
// written in Record's first pipeline: the delivery recorder pays no round trip more for it.
func (s *Store) RecordDecisions(ctx context.Context, events []Event, ts []Touch, ds []Decision) error {
	return s.record(ctx, events, ts, ds)
}

// Recent returns a campaign's latest decisions, newest first, at most n (RecentLen when n is
// 0 or more). Entries that cannot be read are left out.
func (s *Store) Recent(ctx context.Context, campaign string, n int) ([]Decision, error) {
	if n <= 0 || n > RecentLen {
		n = RecentLen
	}
	vals, err := s.rdb.LRange(ctx, recentKey(campaign), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("results: read recent decisions of %s: %w", campaign, err)
	}
	out := make([]Decision, 0, len(vals))
	for _, v := range vals {
		if d, ok := decodeDecision(campaign, v); ok {
			out = append(out, d)
		}
	}
	return out, nil
}
