package campaignstate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// clock is a settable clock shared by the stores of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type testBundle struct {
	ctx   context.Context
	rdb   redis.UniversalClient
	clock *clock
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return &testBundle{ctx: context.Background(), rdb: testenv.NewRedis(t).Client,
		clock: &clock{t: time.Date(2026, 3, 20, 9, 30, 0, 0, time.UTC)}}
}

func (b *testBundle) store() *Store { return NewStore(b.rdb, Options{Now: b.clock.Now}) }

func TestPauseSurvivesANewStoreAndResumeEndsIt(t *testing.T) {
	b := setup(t)
	if err := b.store().Pause(b.ctx, "spring", "ann"); err != nil {
		t.Fatal(err)
	}
	restarted := b.store()
	paused, by, at, err := restarted.State(b.ctx, "spring")
	if err != nil || !paused || by != "ann" || !at.Equal(b.clock.Now()) {
		t.Fatalf("state after restart: %v %q %v %v", paused, by, at, err)
	}
	p, err := restarted.Paused(b.ctx, "spring")
	if err != nil || p == nil || p.Reason() != "campaign paused by ann at 2026-03-20T09:30:00Z" {
		t.Fatalf("Paused: %+v, %v", p, err)
	}
	if p, _ := restarted.Paused(b.ctx, "other"); p != nil {
		t.Fatalf("a campaign nobody paused is paused: %+v", p)
	}
	if err := restarted.Resume(b.ctx, "spring", "bob"); err != nil {
		t.Fatal(err)
	}
	if paused, _, _, _ := b.store().State(b.ctx, "spring"); paused {
		t.Fatal("still paused after resume")
	}
	if p, _ := restarted.Paused(b.ctx, "spring"); p != nil {
		t.Fatalf("the resuming store still sees the pause: %+v", p)
	}
}

func TestSecondPauseKeepsTheFirstAndHistoryRecordsOnlyChanges(t *testing.T) {
	b := setup(t)
	s := b.store()
	steps := []struct{ action, who string }{
		{"pause", "ann"}, {"pause", "bob"}, {"resume", "carol"}, {"resume", "dan"}, {"pause", " \x1b[31mevil\n"},
	}
	for _, st := range steps {
		var err error
		if st.action == "pause" {
			err = s.Pause(b.ctx, "spring", st.who)
		} else {
			err = s.Resume(b.ctx, "spring", st.who)
		}
		if err != nil {
			t.Fatal(err)
		}
		b.clock.Add(time.Minute)
	}
	h, err := s.History(b.ctx, "spring", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range h {
		got = append(got, c.Action+" "+c.By+" "+c.At.Format("15:04"))
	}
	want := []string{"pause [31mevil 09:34", "resume carol 09:32", "pause ann 09:30"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("history %q, want %q", got, want)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	b := setup(t)
	s := b.store()
	for i := range HistoryLen + 10 {
		if err := s.Pause(b.ctx, "spring", fmt.Sprint("u", i)); err != nil {
			t.Fatal(err)
		}
		if err := s.Resume(b.ctx, "spring", "r"); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.rdb.LLen(b.ctx, historyKey("spring")).Val(); n != HistoryLen {
		t.Fatalf("history holds %d entries, want %d", n, HistoryLen)
	}
}

func TestAnotherProcessSeesAPauseWithinTheTTL(t *testing.T) {
	b := setup(t)
	worker, console := b.store(), b.store()
	if p, err := worker.Paused(b.ctx, "spring"); err != nil || p != nil {
		t.Fatalf("before: %+v %v", p, err)
	}
	if err := console.Pause(b.ctx, "spring", "ann"); err != nil {
		t.Fatal(err)
	}
	if p, _ := worker.Paused(b.ctx, "spring"); p != nil {
		t.Fatal("the cache was read again before its TTL: it costs a round trip per send")
	}
	b.clock.Add(time.Second)
	if p, _ := worker.Paused(b.ctx, "spring"); p == nil || p.By != "ann" {
		t.Fatalf("after the TTL: %+v", p)
	}
}

func TestEmptyCampaignIsRefused(t *testing.T) {
	b := setup(t)
	if err := b.store().Pause(b.ctx, "", "ann"); err == nil {
		t.Fatal("paused the campaign \"\"")
	}
}

// BenchmarkPaused measures the check every send makes (cache hit).
func BenchmarkPaused(b *testing.B) {
	r := testenv.NewRedis(b)
	s := NewStore(r.Client, Options{TTL: time.Hour})
	ctx := context.Background()
	if err := s.Pause(ctx, "other", "ann"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if p, err := s.Paused(ctx, "spring"); p != nil || err != nil {
			b.Fatal(p, err)
		}
	}
}
