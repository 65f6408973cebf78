package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/dryrun"
	"github.com/rapporthq/rapport/templates"
)

// atUsage is the --at help of preview and simulate.
const atUsage = "a date (2026-12-14), a date and time (2026-12-14T09:00, in default_timezone) or RFC 3339 (default now)"

func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("preview", "preview --campaign ID --customer ID [--at TIME] [--event JSON] [--json] [--html FILE] [--open]", stderr)
	campaign := fs.String("campaign", "", "campaign id (required)")
	customer := fs.String("customer", "", "customer id (required)")
	atText := fs.String("at", "", "decide as of this time: "+atUsage)
	eventFlag := fs.String("event", "", `triggering event as JSON: {"event":"Order Completed","messageId":"...","properties":{...}} (default: the customer's latest order)`)
	asJSON := fs.Bool("json", false, "print one JSON object")
	htmlFile := fs.String("html", "", "write the HTML part of the email to this file")
	open := fs.Bool("open", false, "open the HTML part in a browser (xdg-open or open); written to a temporary file without --html")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *campaign == "" || *customer == "" {
		fs.Usage()
		return fmt.Errorf("--campaign and --customer are required")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	at, err := atFlag(*atText, cfg.Location())
	if err != nil {
		return err
	}
	ev, err := parseEventFlag(*eventFlag, at)
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return fmt.Errorf("preview reads customers from Redis: set redis_url or RAPPORT_REDIS_URL")
	}
	a, err := openAppWith(ctx, cfg, dryRunLogger(stderr), appOptions{dryRun: true})
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := dryrun.Preview(ctx, a.deliverer, *campaign, *customer, at, ev)
	if err != nil {
		return err
	}
	if *htmlFile != "" || *open {
		if err := writeHTML(p, *htmlFile, *open, stderr); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(stdout, p)
	}
	printPreview(stdout, p)
	return nil
}

func printPreview(w io.Writer, p *dryrun.Previewed) {
	fmt.Fprintf(w, "campaign %s, customer %s: ", p.Campaign, p.Customer)
	switch {
	case p.Eligible:
		fmt.Fprintf(w, "variant %s by %s at %s\n", p.Variant, p.Channel, p.SendAt.Format(time.RFC3339))
	case p.Holdout:
		fmt.Fprintln(w, "in the holdout group (nothing is sent)")
	default:
		fmt.Fprintf(w, "nothing to send (%s)\n", p.Skip)
	}
	for _, r := range p.Reasons {
		fmt.Fprintln(w, "  - "+r)
	}
	if p.Reward != nil {
		fmt.Fprintf(w, "reward: %s (%s %s) %s %s\n", p.Reward.ID, p.Reward.Kind, p.Reward.Value, p.Reward.Code, p.Reward.Text)
	}
	if p.Subject != "" {
		fmt.Fprintf(w, "\nSubject: %s\n", p.Subject)
	}
	// The HTML part is what most people read: its text, links listed, is shown rather than
	// the plain-text alternative, which a template may write apart.
	body := p.Text
	if p.HTML != "" {
		body = templates.HTMLToText(p.HTML)
	}
	if body = strings.TrimSpace(body); body != "" {
		fmt.Fprintf(w, "\n%s\n", body)
	}
}

// writeHTML writes the HTML part to file (a temporary file when empty) and opens it when open
// is set.
func writeHTML(p *dryrun.Previewed, file string, open bool, stderr io.Writer) error {
	if p.HTML == "" {
		what := "nothing is sent"
		if p.Channel != "" {
			what = "the message goes by " + p.Channel
		}
		return fmt.Errorf("--html/--open: no HTML to show: %s", what)
	}
	if file == "" {
		file = filepath.Join(os.TempDir(), fmt.Sprintf("rapport-preview-%s-%s.html", p.Campaign, sanitizeName(p.Customer)))
	}
	if err := os.WriteFile(file, []byte(p.HTML), 0o600); err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if !open {
		return nil
	}
	return openFile(file, stderr)
}

// openFile opens file with the desktop's opener. Its timeout only bounds starting it:
// xdg-open and open hand the file to the browser and return.
func openFile(file string, stderr io.Writer) error {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("--open: %s is not available here (%w); the HTML is in %s", name, errors.Unwrap(err), file)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, file)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("--open: %s %s: %w", name, file, err)
	}
	return nil
}

// sanitizeName keeps a customer id usable in a file name.
func sanitizeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == os.PathSeparator || r < ' ' {
			return '_'
		}
		return r
	}, s)
}

// dryRunLogger is the logger of preview and simulate: warnings and errors only, on the
// command's stderr; what they print is their answer, not a log of the process.
func dryRunLogger(stderr io.Writer) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	return zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(stderr), zap.WarnLevel))
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
