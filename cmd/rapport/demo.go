package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/examples"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/worker"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset, cfgPath := newFlags("demo", "demo [--listen ADDR] [--outbox DIR] [--config F]", stderr)
	listen := fset.String("listen", "", "address of the API (default: listen in the configuration or RAPPORT_LISTEN, else 127.0.0.1:8080)")
	outbox := fset.String("outbox", "outbox", "directory the messages are written to")
	if err := fset.Parse(args); err != nil {
		return err
	}
	return demo(ctx, demoOptions{listen: *listen, outbox: *outbox, config: *cfgPath, now: time.Now}, stdout)
}

// demoOptions are the demo's flags, and the clock its scheduled plays start from.
type demoOptions struct {
	// listen, when not empty (--listen given), wins over the configuration's listen and
	// RAPPORT_LISTEN; a flag default would override them even when nobody asked, which
	// made the demo unreachable in a container (RAPPORT_LISTEN=0.0.0.0:8080 ignored).
	listen         string
	outbox, config string
	now            func() time.Time
}

// demo runs `rapport demo` until ctx ends: it listens first (a port in use fails before the
// import, not after it), imports the example base, serves on those listeners, plays the
// purchase stream and one occurrence of each scheduled campaign.
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
	if opt.listen != "" {
		cfg.Listen = opt.listen
	}
	apiLn, adminLn, err := demoListen(cfg, listenSource(opt))
	if err != nil {
		return err
	}
	// Closed here on every early return; once served, the server's shutdown closes them too.
	defer apiLn.Close()
	if adminLn != nil {
		defer adminLn.Close()
	}
	apiAddr := displayAddr(apiLn.Addr())
	if cfg.PublicURL == "" || strings.Contains(cfg.PublicURL, "127.0.0.1:8080") {
		cfg.PublicURL = "http://" + apiAddr
	}
	if cfg.Outbox, err = filepath.Abs(opt.outbox); err != nil {
		return err
	}
	consoleName, consolePassword, err := demoConsoleUser(cfg)
	if err != nil {
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
	a.apiLn, a.adminLn = apiLn, adminLn

	for _, name := range []string{"customers/customers.csv", "customers/orders.csv"} {
		rep, err := importFile(ctx, a.store, filepath.Join(dir, name), customers.ImportOptions{Now: time.Now()})
		if err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "imported %s: %d customers, %d orders\n", name, rep.Customers, rep.Orders)
	}

	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		served <- a.serve(sctx, map[string]bool{"api": true, "worker": true, "scheduler": true}, func(string) { close(started) })
	}()
	// finish stops the roles and waits for them, so nothing runs on a closed Redis.
	finish := func(err error) error {
		stopServing()
		if serr := <-served; err == nil {
			err = serr
		}
		return err
	}
	select {
	case <-started:
	case err := <-served:
		return err
	}
	key := firstOr(cfg.APIKeys, "KEY")
	printURLs(stdout, apiAddr, adminLn, key)
	printConsoleLogin(stdout, apiAddr, consoleName, consolePassword)

	n, err := playStream(ctx, a, filepath.Join(dir, "events", "stream.jsonl"))
	if err != nil {
		return finish(err)
	}
	fmt.Fprintf(stdout, "played %d purchase events; waiting for the worker...\n", n)
	waitIdle(ctx, a, 60*time.Second)
	rec.print(stdout)

	fmt.Fprintln(stdout, "\nScheduled campaigns: one occurrence of each, played now as if it were its date.")
	plays, err := playScheduled(ctx, a, opt.now(), stdout)
	printScheduled(stdout, plays)
	if err != nil {
		return finish(err)
	}
	fmt.Fprintf(stdout, "\nMessages are in %s (emails as .eml, SMS in sms.jsonl)", cfg.Outbox)
	if n := countFiles(cfg.Outbox); n > 0 {
		fmt.Fprintf(stdout, ": %d files", n)
	}
	fmt.Fprintf(stdout, ".\n\nTry it: curl -H 'Authorization: Bearer %s' http://%s/v1/customers/%s\n", key, apiAddr, rec.someCustomer())
	if len(plays) > 0 {
		fmt.Fprintf(stdout, "        curl -H 'Authorization: Bearer %s' http://%s/v1/campaigns/%s/runs\n", key, apiAddr, plays[0].campaign)
	}
	fmt.Fprintln(stdout, "The scheduler keeps running: real occurrences fire on their dates. Ctrl-C to stop. Nothing is kept.")
	select {
	case <-ctx.Done():
		return finish(nil)
	case err := <-served:
		return err
	}
}

// listenSource says where the demo's API address came from, for the error of a port in use:
// the flag, the environment, the user's rapport.yaml, or the demo's own default (its
// rapport.yaml is a temporary copy, which naming would not help).
func listenSource(opt demoOptions) string {
	switch {
	case opt.listen != "":
		return "--listen"
	case slices.ContainsFunc(osEnviron(), func(kv string) bool { return strings.HasPrefix(kv, "RAPPORT_LISTEN=") }):
		return "RAPPORT_LISTEN; or --listen"
	case opt.config != "":
		return "listen in " + opt.config + "; or RAPPORT_LISTEN, --listen"
	}
	return "the demo's default; choose another with RAPPORT_LISTEN or --listen"
}

// demoListen opens the API listener (listen) and the admin one (admin_listen, nil when
// "off"), naming in its error where the address came from, so that a port in use is fixed
// at the first try.
func demoListen(cfg *config.Config, from string) (api, admin net.Listener, err error) {
	if api, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, nil, fmt.Errorf("listen on %s (%s): %w", cfg.Listen, from, err)
	}
	if cfg.AdminListen == "" || cfg.AdminListen == "off" {
		return api, nil, nil
	}
	if admin, err = net.Listen("tcp", cfg.AdminListen); err != nil {
		api.Close()
		return nil, nil, fmt.Errorf("listen on %s (admin_listen, RAPPORT_ADMIN_LISTEN; \"off\" for none): %w", cfg.AdminListen, err)
	}
	return api, admin, nil
}

// displayAddr is a listener's address as a person reaches it from this machine: a listener
// on every interface (0.0.0.0:8080, in a container) is reached on localhost.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// printURLs says what the demo serves, and where.
func printURLs(w io.Writer, api string, admin net.Listener, key string) {
	fmt.Fprintf(w, "API on http://%s (API key: %s): /v1/track, /v1/customers/{id}, /healthz\n", api, key)
	if admin != nil {
		addr := displayAddr(admin.Addr())
		fmt.Fprintf(w, "Metrics on http://%s/metrics, queues on http://%s/monitoring/ (same API key)\n", addr, addr)
	}
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
