package results

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Day is a campaign's counters on one UTC day.
type Day struct {
	// Date is the day's midnight UTC.
	Date   time.Time
	Counts Counts
}

// maxDailyDays bounds a Daily read: the retention's 400 days and a little.
const maxDailyDays = 410

// Daily reads a campaign's counters day by day from the UTC day of from to that of to, both
// included, in one pipeline over the same day hashes as Report: the per-day series of a chart
// add up to the report of the same period. A day without counters has empty Counts.
func (s *Store) Daily(ctx context.Context, campaign string, from, to time.Time) ([]Day, error) {
	first, last := day(from), day(to)
	if last.Before(first) {
		return nil, fmt.Errorf("results: daily counters of %s: from %s is after to %s", campaign, first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
	if n := int(last.Sub(first).Hours()/24) + 1; n > maxDailyDays {
		return nil, fmt.Errorf("results: daily counters of %s: %d days asked, at most %d", campaign, n, maxDailyDays)
	}
	var days []Day
	var cmds []*redis.MapStringStringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			days = append(days, Day{Date: d})
			cmds = append(cmds, p.HGetAll(ctx, dayKey(campaign, d)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("results: daily counters of %s from %s to %s: %w", campaign, first.Format(time.DateOnly), last.Format(time.DateOnly), err)
	}
	for i, c := range cmds {
		days[i].Counts = parseCounts(c.Val())
	}
	return days, nil
}
