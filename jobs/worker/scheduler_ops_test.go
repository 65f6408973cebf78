package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/templates"
)

// scheduledTasks lists the scheduled tasks of the default queue by type.
func (b *schedBundle) scheduledTasks(typ string) []*asynq.TaskInfo {
	b.t.Helper()
	tasks, err := b.inspector.ListScheduledTasks(tasks.QueueDefault, asynq.PageSize(10000))
	if err != nil && !strings.Contains(err.Error(), "not found") {
		b.t.Fatal(err)
	}
	var out []*asynq.TaskInfo
	for _, ti := range tasks {
		if ti.Type == typ {
			out = append(out, ti)
		}
	}
	return out
}

func TestMissedOccurrencesAreCaughtUpWithinCatchUpAndSkippedBeyond(t *testing.T) {
	b := setupScheduled(t, map[string]string{
		"campaigns/news.yaml": `
id: news
trigger: {schedule: {cron: "0 9 * * *", tz: UTC}}
variants: [{id: v, email: {subject: "News", html: n.html}}]
`,
		"templates/n.html": `<p>News</p>`,
	})
	s, ctx := b.scheduler(), context.Background()
	day := func(d, h int) time.Time { return time.Date(2027, 4, d, h, 0, 0, 0, time.UTC) }
	must(s.Tick(ctx, day(1, 8)))  // first sight
	must(s.Tick(ctx, day(1, 14))) // 5 hours late: caught up
	must(s.Tick(ctx, day(3, 20))) // 2 April is 35 hours late, 3 April 11: both skipped
	var ids []string
	for _, ti := range b.scheduledTasks(tasks.TypeFanout) {
		ids = append(ids, ti.ID)
	}
	if want := []string{"fanout:news:2027-04-01T09:00Z"}; !slices.Equal(ids, want) {
		t.Fatalf("fan-outs %v, want %v", ids, want)
	}
}

// failingStore fails GetMany after a number of pages, like a worker dying mid fan-out.
type failingStore struct {
	*customers.Store
	pagesLeft int
}

func (f *failingStore) GetMany(ctx context.Context, ids []string) ([]*customers.Profile, error) {
	if f.pagesLeft == 0 {
		return nil, errors.New("connection lost")
	}
	f.pagesLeft--
	return f.Store.GetMany(ctx, ids)
}

func TestFanoutResumesAtItsCheckpointWithoutSkippingOrCountingTwice(t *testing.T) {
	b := setupScheduled(t, dailyLocal)
	b.customers(manyCustomers(250))
	// Pages of 40, checkpointed every two pages: the crash below comes after one checkpoint.
	b.withFanout(func(c *schedule.FanoutConfig) { c.PageSize, c.CheckpointEvery = 40, 80 })
	o := time.Date(2027, 3, 21, 10, 0, 0, 0, time.UTC)
	s, ctx := b.scheduler(), context.Background()
	must(s.Tick(ctx, o.Add(-20*time.Hour)))
	must(s.Tick(ctx, o.Add(-14*time.Hour))) // UTC+14 reaches 10:00: the fan-out fires
	fan := b.scheduledTasks(tasks.TypeFanout)
	if len(fan) != 1 {
		t.Fatalf("%d fan-outs, want 1", len(fan))
	}
	task := asynq.NewTask(fan[0].Type, fan[0].Payload)
	if err := b.inspector.DeleteTask(fan[0].Queue, fan[0].ID); err != nil { // run by hand below
		t.Fatal(err)
	}
	b.clock.Set(o.Add(-14 * time.Hour))
	// The first pass dies after three pages, and is run again.
	cc := b.fanout.Config()
	cc.Store = &failingStore{Store: b.store, pagesLeft: 3}
	crashing := must(schedule.NewFanout(cc))
	if err := crashing.ProcessTask(ctx, task); err == nil {
		t.Fatal("the fan-out did not fail")
	}
	runKeys := must(b.rdb.Keys(ctx, "rp:run:*").Result())
	if len(runKeys) != 1 {
		t.Fatalf("run keys %v", runKeys)
	}
	if cur := b.rdb.HGet(ctx, runKeys[0], "cursor:0").Val(); cur == "" {
		t.Fatal("no checkpoint before the crash: the test would prove nothing about resuming")
	}
	if err := b.fanout.ProcessTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	// The customers are in UTC, 14 hours after the first time zone: one more pass, straight
	// at their hour (the empty hours in between cost nothing).
	passes := 0
	for _, p := range b.play(o.Add(-time.Minute)) {
		if p.Type == tasks.TypeFanout {
			passes++
			if !p.At.Equal(o.Add(-5 * time.Minute)) {
				t.Errorf("second pass at %s, want five minutes before %s", p.At, o)
			}
		}
	}
	if passes != 1 {
		t.Errorf("%d more passes, want 1", passes)
	}
	seen := map[string]int{}
	for _, ti := range b.scheduledTasks(tasks.TypeBatch) {
		var p tasks.BatchPayload
		if err := json.Unmarshal(ti.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if !p.Due.Equal(o) {
			t.Errorf("batch due %s, want %s", p.Due, o)
		}
		for _, id := range p.IDs {
			seen[id]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("customer %s in %d batches", id, n)
		}
	}
	if len(seen) != 250 {
		t.Fatalf("%d customers in batches, want 250", len(seen))
	}
	runs := must((&schedule.Runs{RDB: b.rdb, Catalog: b.catalog}).Recent(ctx, "daily", 1))
	if len(runs) != 1 || runs[0].Seen != 250 || runs[0].Queued != 250 || !runs[0].FanoutDone {
		t.Fatalf("run %+v, want 250 seen and queued, fan-out done", runs)
	}
}

func TestReloadThroughTheAPIStartsANewCampaignAndRunsShowProgress(t *testing.T) {
	b := setupScheduled(t, map[string]string{"templates/x.html": `<p>x</p>`})
	dir := t.TempDir()
	reload := func(context.Context) error {
		set, err := config.LoadDir(dir)
		if err != nil {
			return err
		}
		tpl, err := templates.Load(set.Templates)
		if err != nil {
			return err
		}
		b.catalog.Store(delivery.NewCatalog(set, tpl))
		return nil
	}
	srv := httptest.NewServer((&api.Server{APIKeys: []string{apiKey}, Reload: reload,
		Runs: &schedule.Runs{RDB: b.rdb, Catalog: b.catalog}, Log: b.log}).Handler())
	t.Cleanup(srv.Close)
	call := func(method, path string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for name, body := range dailyLocal {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte(body), 0o644)
	}
	if code, out := call("GET", "/v1/campaigns/daily/runs"); code != 404 {
		t.Fatalf("runs of a campaign not loaded yet: %d %v", code, out)
	}
	if code, out := call("POST", "/v1/admin/reload"); code != 200 {
		t.Fatalf("reload: %d %v", code, out)
	}
	b.customers(map[string]map[string]any{"tokyo": emailTo("tokyo", "Asia/Tokyo", nil)})
	b.drive(b.scheduler(), time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 22, 2, 0, 0, 0, time.UTC), time.Hour)
	if n := b.smtp.Count(); n != 2 {
		t.Fatalf("%d emails after the reload, want 2 (21 and 22 March, 10:00 Tokyo)", n)
	}
	code, out := call("GET", "/v1/campaigns/daily/runs?limit=1")
	runs, _ := out["runs"].([]any)
	if code != 200 || len(runs) != 1 {
		t.Fatalf("runs: %d %v", code, out)
	}
	run := runs[0].(map[string]any)
	if run["occurrence"] != "2027-03-22T10:00" || run["sent"] != float64(1) || run["queued"] != float64(1) {
		t.Errorf("latest run %v", run)
	}
	if code, _ := call("GET", "/v1/campaigns/daily/runs?limit=0"); code != 400 {
		t.Errorf("limit=0 answered %d, want 400", code)
	}
	// A broken configuration keeps the previous campaigns.
	_ = os.WriteFile(filepath.Join(dir, "campaigns/broken.yaml"), []byte("id: Broken!\n"), 0o644)
	if code, out := call("POST", "/v1/admin/reload"); code != 422 || b.catalog.Load().Set.Campaign("daily") == nil {
		t.Errorf("broken reload: %d %v", code, out)
	}
}

// TestTwoFanoutsRunAtOnceOnOneHandler runs the same occurrence's fan-out twice at once on one
// handler, as two worker goroutines would after a redelivery. The handler is immutable (its
// defaults are filled by NewFanout, not on every run: before, `go test -race` reported the
// write in withDefaults), and the checkpoint script counts every customer once.
func TestTwoFanoutsRunAtOnceOnOneHandler(t *testing.T) {
	b := setupScheduled(t, dailyLocal)
	b.customers(manyCustomers(120))
	b.withFanout(func(c *schedule.FanoutConfig) { c.PageSize, c.CheckpointEvery = 20, 20 })
	o := time.Date(2027, 3, 21, 10, 0, 0, 0, time.UTC)
	s, ctx := b.scheduler(), context.Background()
	must(s.Tick(ctx, o.Add(-20*time.Hour)))
	must(s.Tick(ctx, o.Add(-14*time.Hour)))
	fan := b.scheduledTasks(tasks.TypeFanout)
	if len(fan) != 1 {
		t.Fatalf("%d fan-outs, want 1", len(fan))
	}
	task := asynq.NewTask(fan[0].Type, fan[0].Payload)
	if err := b.inspector.DeleteTask(fan[0].Queue, fan[0].ID); err != nil {
		t.Fatal(err)
	}
	b.clock.Set(o.Add(-14 * time.Hour))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = b.fanout.ProcessTask(ctx, task) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	runs := must((&schedule.Runs{RDB: b.rdb, Catalog: b.catalog}).Recent(ctx, "daily", 1))
	if len(runs) != 1 || runs[0].Seen != 120 {
		t.Fatalf("runs %+v, want one run that saw each of the 120 customers once", runs)
	}
}
