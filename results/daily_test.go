package results

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

func TestDailyCountsAddUpToTheReportOfThePeriod(t *testing.T) {
	s, err := New(testenv.NewRedis(t).Client, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := s.Add(ctx,
		Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Sent, At: d0, N: 2},
		Event{Campaign: "c", Variant: "a", Channel: "sms", Metric: Sent, At: d0.AddDate(0, 0, 2), N: 3},
		Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Sent, At: d0.AddDate(0, 0, 2)},
		Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Sent, At: d0.AddDate(0, 0, 5)}, // after the period
	); err != nil {
		t.Fatal(err)
	}
	days, err := s.Daily(ctx, "c", d0, d0.AddDate(0, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var total int64
	for _, d := range days {
		e, m := d.Counts[Key{Metric: Sent, Arm: Treatment, Channel: "email", Variant: "a"}], d.Counts[Key{Metric: Sent, Arm: Treatment, Channel: "sms", Variant: "a"}]
		got = append(got, fmt.Sprintf("%s:%d/%d", d.Date.Format("0102"), e, m))
		total += d.Counts.Sum(Sent, Treatment)
	}
	if want := []string{"1201:2/0", "1202:0/0", "1203:1/3", "1204:0/0"}; !slices.Equal(got, want) {
		t.Errorf("days (email/sms sent) = %v, want %v", got, want)
	}
	rep, err := s.Report(ctx, "c", d0, d0.AddDate(0, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	if total != rep.Funnel.Sent {
		t.Errorf("the days add up to %d sends, the report of the period says %d", total, rep.Funnel.Sent)
	}
	if _, err := s.Daily(ctx, "c", d0, d0.AddDate(0, 0, -1)); err == nil {
		t.Error("a period that ends before it starts is accepted")
	}
}

func TestRecentDecisionsKeepTheLatestFiftyNewestFirst(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	s, err := New(rdb, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	var ds []Decision
	for i := range RecentLen + 10 {
		ds = append(ds, Decision{Campaign: "c", At: at.Add(time.Duration(i) * time.Second), Customer: fmt.Sprintf("c-%d", i),
			State: "sent", Variant: "a", Channel: "email", Reasons: []string{"variant a: default", "channel email | best"}})
	}
	if err := s.RecordDecisions(ctx, []Event{{Campaign: "c", Metric: Sent, At: at}}, nil, ds); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "c", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != RecentLen || got[0].Customer != fmt.Sprintf("c-%d", RecentLen+9) || !got[0].At.Equal(at.Add(time.Duration(RecentLen+9)*time.Second)) {
		t.Fatalf("recent = %d entries, first %+v", len(got), got[0])
	}
	if r := got[0].Reasons; len(r) != 2 || r[1] != "channel email | best" {
		t.Errorf("reasons read back as %q", r)
	}
	if n := rdb.LLen(ctx, recentKey("c")).Val(); n != RecentLen {
		t.Errorf("the list holds %d entries, want %d", n, RecentLen)
	}
	if ttl := rdb.TTL(ctx, recentKey("c")).Val(); ttl <= 0 {
		t.Errorf("the list has no lifetime (TTL %s)", ttl)
	}
	if c, _ := s.Lifetime(ctx, "c"); c.Sum(Sent, Treatment) != 1 {
		t.Errorf("the counters of the same call were not written: %v", c)
	}
}
