package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/dryrun"
)

// dryRunTree is a birthday campaign and a triggered one with an HTML email, and the
// customers of both; it returns the configuration file and its outbox directory.
func dryRunTree(t *testing.T) (cfg, outbox string) {
	t.Helper()
	r := testenv.NewRedis(t)
	cfg = configWith(t, r, map[string]string{
		"campaigns/bday.yaml": `id: bday
trigger: {date: {trait: birthday, at: "09:00"}}
channels: [email]
variants:
  - id: v
    email: {subject: "Happy birthday", html: bday.html}
`,
		"templates/bday.html": `<p>Happy birthday {{.Customer.FirstName}}</p>`,
		"campaigns/thanks.yaml": `id: thanks
trigger: {event: Order Completed}
channels: [email]
variants:
  - id: v
    email: {subject: "Thank you", html: thanks.html}
`,
		"templates/thanks.html": `<h1>Thank you, {{.Customer.FirstName}}</h1><p>See <a href="https://shop.example.com/new">what is new</a>.</p>`,
	})
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "outbox: "); ok {
			outbox = v
		}
	}
	at := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)
	store := customers.NewStore(r.Client, customers.Options{})
	if _, err := store.Apply(context.Background(), []customers.Event{{Type: "identify", UserID: "a", MessageID: "i-a", Timestamp: at, ReceivedAt: at,
		Traits: map[string]any{"firstName": "Ada", "email": "a@example.com", "birthday": "1990-06-01", "timezone": "Europe/Paris", "consent": map[string]any{"email": true}}}}); err != nil {
		t.Fatal(err)
	}
	return cfg, outbox
}

func TestSimulateAndPreviewTakeADateADateTimeOrRFC3339(t *testing.T) {
	cfg, _ := dryRunTree(t)
	for _, at := range []string{"2027-06-01", "2027-06-01T00:00", "2027-06-01 00:00:00", "2027-06-01T00:00:00Z", "2027-06-01T02:00:00+02:00"} {
		t.Run(at, func(t *testing.T) {
			code, out, errOut := runCmd("simulate", "--config", cfg, "--campaign", "bday", "--at", at, "--json")
			if code != 0 {
				t.Fatalf("simulate exit %d: %s", code, errOut)
			}
			var sim struct {
				Occurrence string `json:"occurrence"`
				WouldSend  int    `json:"would_send"`
			}
			if err := json.Unmarshal([]byte(out), &sim); err != nil || sim.Occurrence != "2027-06-01" || sim.WouldSend != 1 {
				t.Errorf("simulate --at %s: %v %s", at, err, out)
			}
			code, out, errOut = runCmd("preview", "--config", cfg, "--campaign", "bday", "--customer", "a", "--at", at, "--json")
			if code != 0 || !strings.Contains(out, `"send_at": "2027-06-01T07:00:00Z"`) {
				t.Errorf("preview --at %s: exit %d %s %s", at, code, out, errOut)
			}
		})
	}
	code, _, errOut := runCmd("simulate", "--config", cfg, "--campaign", "bday", "--at", "14/12/2026")
	if code == 0 || !strings.Contains(errOut, "--at") || !strings.Contains(errOut, "2026-12-14") {
		t.Errorf("a bad --at: exit %d, %s", code, errOut)
	}
}

func TestDryRunsOpenNoChannelAndSayNothingOfThem(t *testing.T) {
	cfg, outbox := dryRunTree(t)
	for _, args := range [][]string{
		{"simulate", "--config", cfg, "--campaign", "bday", "--at", "2027-06-01T00:00:00Z"},
		{"preview", "--config", cfg, "--campaign", "bday", "--customer", "a", "--at", "2027-06-01T00:00:00Z"},
	} {
		code, _, errOut := runCmd(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", args[0], code, errOut)
		}
		if strings.Contains(errOut, "outbox") || strings.Contains(errOut, "channel") {
			t.Errorf("%s speaks of channels: %s", args[0], errOut)
		}
	}
	if _, err := os.Stat(outbox); !os.IsNotExist(err) {
		t.Errorf("a dry run opened the outbox %s (%v)", outbox, err)
	}
}

func TestPreviewPrintsTheHTMLTextAndWritesTheHTML(t *testing.T) {
	cfg, _ := dryRunTree(t)
	args := []string{"preview", "--config", cfg, "--campaign", "thanks", "--customer", "a", "--at", "2027-06-01T10:00:00Z",
		"--event", `{"event":"Order Completed","messageId":"o-1","properties":{"total":30}}`}
	code, out, errOut := runCmd(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Thank you, Ada") || !strings.Contains(out, "https://shop.example.com/new") || strings.Contains(out, "<h1>") {
		t.Errorf("preview does not print the HTML part as text:\n%s", out)
	}
	file := filepath.Join(t.TempDir(), "thanks.html")
	if code, _, errOut := runCmd(append(args, "--html", file)...); code != 0 {
		t.Fatalf("--html: exit %d: %s", code, errOut)
	}
	if html, err := os.ReadFile(file); err != nil || !strings.Contains(string(html), "<h1>Thank you, Ada</h1>") {
		t.Errorf("--html wrote %q, %v", html, err)
	}
	t.Setenv("PATH", t.TempDir()) // no xdg-open, no open
	code, _, errOut = runCmd(append(args, "--html", file, "--open")...)
	if code == 0 || !strings.Contains(errOut, "not available") || !strings.Contains(errOut, file) {
		t.Errorf("--open without an opener: exit %d, %s", code, errOut)
	}
}

func TestSimulationSaysConditionErrorsInWords(t *testing.T) {
	var b strings.Builder
	printSimulation(&b, &dryrun.Simulation{Campaign: "vip", Occurrence: "2027-03-01T10:00Z", Customers: 1271,
		Skipped:         map[string]int64{"condition_error": 1150},
		ConditionErrors: []dryrun.ConditionError{{Condition: `audience where "customer.order > 1"`, Customers: 1150, Error: "customer.order is not defined"}}})
	if want := `1,150 of 1,271 customers: audience where "customer.order > 1" failed: customer.order is not defined`; !strings.Contains(b.String(), want) {
		t.Errorf("printed\n%s\nwant a line %q", b.String(), want)
	}
}

func TestPreviewRendersADelayedSendAsOfItsSendTime(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{
		"campaigns/later.yaml": `id: later
trigger: {event: Order Completed, delay: 2h}
channels: [email]
variants:
  - id: v
    email: {subject: "Written at {{.Now.UTC.Format \"15:04\"}}", html: later.html}
`,
		"templates/later.html": `<p>Hello</p>`,
	})
	at := time.Date(2027, 5, 4, 8, 0, 0, 0, time.UTC)
	store := customers.NewStore(r.Client, customers.Options{})
	if _, err := store.Apply(context.Background(), []customers.Event{{Type: "identify", UserID: "a", MessageID: "i-a", Timestamp: at, ReceivedAt: at,
		Traits: map[string]any{"email": "a@example.com", "timezone": "UTC", "consent": map[string]any{"email": true}}}}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("preview", "--config", cfg, "--campaign", "later", "--customer", "a", "--at", "2027-05-04T08:00:00Z",
		"--event", `{"event":"Order Completed","messageId":"o-1","properties":{"total":30}}`, "--json")
	if code != 0 || !strings.Contains(out, `"subject": "Written at 10:00"`) {
		t.Errorf("exit %d: %s %s", code, out, errOut)
	}
}
