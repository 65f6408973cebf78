package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/examples"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/worker"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset, cfgPath := newFlags("demo", "demo [--listen ADDR] [--outbox DIR] [--config F]", stderr)
	listen := fset.String("listen", "127.0.0.1:8080", "address of the API")
	outbox := fset.String("outbox", "outbox", "directory the messages are written to")
	if err := fset.Parse(args); err != nil {
		return err
	}
	return demo(ctx, demoOptions{listen: *listen, outbox: *outbox, config: *cfgPath, now: time.Now}, stdout)
}

// demoOptions are the demo's flags, and the clock its scheduled plays start from.
type demoOptions struct {
	listen, outbox, config string
	now                    func() time.Time
}

// demo runs `rapport demo` until ctx ends.
func demo(ctx context.Context, opt demoOptions, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "rapport-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, examples.FS); err != nil {
		return fmt.Errorf("unpack the examples: %w", err)
	}
	path := opt.config
	if path == "" {
		path = filepath.Join(dir, "rapport.yaml")
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	cfg.Listen = opt.listen
	if cfg.PublicURL == "" || strings.Contains(cfg.PublicURL, "127.0.0.1:8080") {
		cfg.PublicURL = "http://" + opt.listen
	}
	if cfg.Outbox, err = filepath.Abs(opt.outbox); err != nil {
		return err
	}
	log := newLogger("console")
	defer log.Sync() //nolint:errcheck
	worker.TuneRuntime(cfg.Worker.GOGC, int64(cfg.Worker.MemoryLimit), log)
	rec := &demoRecorder{}
	a, err := openAppWith(ctx, cfg, log, appOptions{observe: rec.observe})
	if err != nil {
		return err
	}
	defer a.Close()

	for _, name := range []string{"customers/customers.csv", "customers/orders.csv"} {
		rep, err := importFile(ctx, a.store, filepath.Join(dir, name), customers.ImportOptions{Now: time.Now()})
		if err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "imported %s: %d customers, %d orders\n", name, rep.Customers, rep.Orders)
	}

	apiAddr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.serve(ctx, map[string]bool{"api": true, "worker": true, "scheduler": true}, func(s string) { apiAddr <- s })
	}()
	select {
	case addr := <-apiAddr:
		fmt.Fprintf(stdout, "API on http://%s (API key: %s)\n", addr, strings.Join(cfg.APIKeys, ", "))
	case err := <-done:
		return err
	}

	n, err := playStream(ctx, a, filepath.Join(dir, "events", "stream.jsonl"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "played %d purchase events; waiting for the worker...\n", n)
	waitIdle(ctx, a, 60*time.Second)
	rec.print(stdout)

	fmt.Fprintln(stdout, "\nScheduled campaigns: one occurrence of each, played now as if it were its date.")
	plays, err := playScheduled(ctx, a, opt.now(), stdout)
	printScheduled(stdout, plays)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nMessages are in %s (emails as .eml, SMS in sms.jsonl)", cfg.Outbox)
	if n := countFiles(cfg.Outbox); n > 0 {
		fmt.Fprintf(stdout, ": %d files", n)
	}
	key := firstOr(cfg.APIKeys, "KEY")
	fmt.Fprintf(stdout, ".\n\nTry it: curl -H 'Authorization: Bearer %s' http://%s/v1/customers/%s\n", key, cfg.Listen, rec.someCustomer())
	if len(plays) > 0 {
		fmt.Fprintf(stdout, "        curl -H 'Authorization: Bearer %s' http://%s/v1/campaigns/%s/runs\n", key, cfg.Listen, plays[0].campaign)
	}
	fmt.Fprintln(stdout, "The scheduler keeps running: real occurrences fire on their dates. Ctrl-C to stop. Nothing is kept.")
	return <-done
}

// playStream ingests the example events as if they had happened over the last three hours, so
// the delays of the example campaigns (30 minutes to 2 hours) have passed and messages go out
// now, or wait for the customer's local sending window.
func playStream(ctx context.Context, a *app, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var events []customers.Event
	now := time.Now()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		ev, err := customers.DecodeEvent(sc.Bytes(), "", now)
		if err != nil {
			return 0, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		events = append(events, ev)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	for i := range events {
		events[i].Timestamp = now.Add(-3*time.Hour + time.Duration(i)*time.Minute)
	}
	if _, err := a.ingester.Ingest(ctx, events); err != nil {
		return 0, err
	}
	return len(events), nil
}

// waitIdle waits until the triggered queue has nothing pending, running or retrying.
func waitIdle(ctx context.Context, a *app, max time.Duration) {
	insp := asynq.NewInspectorFromRedisClient(a.rdb)
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if idle, err := worker.Idle(insp, tasks.QueueCritical); err == nil && idle {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.log.Warn("the worker is still busy; the summary is partial")
}

// demoRecorder collects outcomes for the summary.
type demoRecorder struct {
	mu   sync.Mutex
	rows []demoRow
}

type demoRow struct {
	customer, campaign string
	out                delivery.Outcome
}

func (r *demoRecorder) observe(p *tasks.SendPayload, out delivery.Outcome) {
	r.mu.Lock()
	r.rows = append(r.rows, demoRow{customer: p.Customer, campaign: p.Campaign, out: out})
	r.mu.Unlock()
}

func (r *demoRecorder) someCustomer() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, row := range r.rows {
		if row.out.State == "sent" {
			return row.customer
		}
	}
	return "ID"
}

// maxDemoRows bounds the per-send table of the triggered campaigns; the counts below it
// cover every row.
const maxDemoRows = 40

func (r *demoRecorder) print(w io.Writer) {
	r.mu.Lock()
	rows := append([]demoRow(nil), r.rows...)
	r.mu.Unlock()
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].customer < rows[j].customer })
	counts := map[string]int{}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCUSTOMER\tCAMPAIGN\tOUTCOME\tVARIANT\tCHANNEL\tWHY")
	for i, row := range rows {
		counts[string(row.out.State)]++
		if i >= maxDemoRows {
			continue
		}
		state := string(row.out.State)
		switch {
		case state == "deferred":
			state = "waits until " + row.out.SendAt.UTC().Format("15:04 UTC")
		case row.out.Reason != "" && state != "sent":
			state += " (" + row.out.Reason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", row.customer, row.campaign, state, row.out.Variant, row.out.Channel, keyReason(row.out))
	}
	_ = tw.Flush()
	if len(rows) > maxDemoRows {
		fmt.Fprintf(w, "... %d more\n", len(rows)-maxDemoRows)
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	fmt.Fprintf(w, "\nTriggered campaigns: %s.\n", strings.Join(parts, ", "))
}

// keyReason picks the reason that explains the outcome: the variant choice for a send, the
// window for a wait, the step that stopped it for a skip.
func keyReason(out delivery.Outcome) string {
	r := out.Reasons
	if len(r) == 0 {
		return ""
	}
	s := r[len(r)-1]
	prefix := map[string]string{"sent": "variant ", "deferred": "window ", "holdout": "holdout "}[string(out.State)]
	for _, reason := range r {
		if prefix != "" && strings.HasPrefix(reason, prefix) {
			s = reason
		}
	}
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	return s
}

func countFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
