package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// writeTree writes files under a new directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestLintReportsEveryProblemWithFileAndLine(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"campaigns/bad.yaml": `id: bad
trigger:
  event: Order Completed
  where: event.total >=
chanels: [email]
variants:
  - id: v
    email: {subject: "Hi", html: bad.html}
`,
		"templates/bad.html": "<p>Hello {{.Customer.FirstName</p>\n",
	})
	code, out, errOut := runCmd("lint", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for name, pattern := range map[string]string{
		"unknown key":      `campaigns/bad\.yaml:5:1: .*chanels`,
		"broken condition": `campaigns/bad\.yaml:4:\d+: .*where`,
		"broken template":  `templates/bad\.html:1(:\d+)?: `,
	} {
		if !regexp.MustCompile(pattern).MatchString(out) {
			t.Errorf("%s not reported as %s:\n%s", name, pattern, out)
		}
	}
}

func TestLintAcceptsTheExamples(t *testing.T) {
	code, out, errOut := runCmd("lint", "../../examples")
	if code != 0 {
		t.Fatalf("exit %d on the examples:\n%s%s", code, out, errOut)
	}
}

func TestLintRefusesAnUnknownHoliday(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"campaigns/h.yaml": `id: h
trigger: {holiday: {name: new_yeer, at: "10:00"}}
variants:
  - id: v
    email: {subject: "Hi", html: h.html}
`,
		"templates/h.html": "<p>Hi</p>",
	})
	code, out, _ := runCmd("lint", dir)
	if code != 1 || !strings.Contains(out, `no holiday "new_yeer"`) {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

// configWith writes rapport.yaml pointing at a real Redis database and the given tree.
func configWith(t *testing.T, r *testenv.Redis, files map[string]string) string {
	t.Helper()
	files["rapport.yaml"] = fmt.Sprintf("redis_url: %s\nsecret: s3cret\napi_keys: [k]\noutbox: %s\n"+
		"email: {sender_address: \"1 Example Street, Springfield\"}\n", r.URL, filepath.Join(t.TempDir(), "outbox"))
	return filepath.Join(writeTree(t, files), "rapport.yaml")
}

func TestPreviewPrintsTheDecisionAndTheMessageAsJSON(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{
		"campaigns/thanks.yaml": `id: thanks
trigger: {event: Order Completed, where: event.total >= 20, delay: 2h}
channels: [email]
variants:
  - id: gold
    when: customer.tier == "gold"
    email: {subject: "Thank you, {{.Customer.FirstName}}", html: thanks.html}
rewards:
  - {id: welcome-10, kind: coupon, value: 10%}
`,
		"templates/thanks.html": `<p>{{.Customer.FirstName}}, here is {{with .Reward}}{{.Code}}{{end}}</p>`,
	})
	store := customers.NewStore(r.Client, customers.Options{})
	at := time.Date(2027, 5, 4, 8, 0, 0, 0, time.UTC)
	if _, err := store.Apply(context.Background(), []customers.Event{{Type: "identify", UserID: "42", MessageID: "i1",
		Traits: map[string]any{"firstName": "Mia", "email": "mia@example.com", "tier": "gold", "timezone": "Europe/Berlin",
			"consent": map[string]any{"email": true}}, Timestamp: at, ReceivedAt: at}}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("preview", "--config", cfg, "--campaign", "thanks", "--customer", "42",
		"--at", at.Format(time.RFC3339), "--event", `{"event":"Order Completed","properties":{"total":50}}`, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, key := range []string{"campaign", "customer", "eligible", "variant", "reward", "channel", "send_at", "subject", "text", "html", "reasons"} {
		if _, ok := p[key]; !ok {
			t.Errorf("preview JSON lacks %q", key)
		}
	}
	// 08:00 UTC + 2h delay = 12:00 Berlin (CEST), inside the default window.
	if p["eligible"] != true || p["variant"] != "gold" || p["channel"] != "email" || p["send_at"] != "2027-05-04T10:00:00Z" {
		t.Errorf("decision: %v", p)
	}
	reward, _ := p["reward"].(map[string]any)
	if reward["id"] != "welcome-10" || !strings.HasPrefix(fmt.Sprint(reward["code"]), "WELCOME10-") {
		t.Errorf("reward %v", p["reward"])
	}
	if p["subject"] != "Thank you, Mia" || !strings.Contains(fmt.Sprint(p["html"]), fmt.Sprint(reward["code"])) {
		t.Errorf("message: subject %q html %q", p["subject"], p["html"])
	}
	// Preview sends and spends nothing.
	if n, _ := r.Client.Keys(context.Background(), "rp:{c:42}:d:*").Result(); len(n) != 0 {
		t.Errorf("preview wrote delivery records %v", n)
	}
}

func TestImportWithBadRowsLoadsNothing(t *testing.T) {
	r := testenv.NewRedis(t)
	cfg := configWith(t, r, map[string]string{})
	csv := filepath.Join(t.TempDir(), "customers.csv")
	_ = os.WriteFile(csv, []byte("userId,email,birthday\n1,a@example.com,1990-01-02\n2,not-an-email,1990-01-02\n3,c@example.com,1990-13-45\n4,d@example.com,\n"), 0o644)
	code, out, errOut := runCmd("import", "--config", cfg, csv)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s %s", code, out, errOut)
	}
	for _, line := range []string{":3:", ":4:"} {
		if !strings.Contains(out, line) {
			t.Errorf("bad row %s not reported:\n%s", line, out)
		}
	}
	if n, _ := customers.NewStore(r.Client, customers.Options{}).Count(context.Background()); n != 0 {
		t.Fatalf("%d customers loaded from a file with bad rows", n)
	}
	if code, out, _ := runCmd("import", "--config", cfg, "--skip-bad", csv); code != 0 || !strings.Contains(out, "2 customers") {
		t.Fatalf("--skip-bad: exit %d\n%s", code, out)
	}
}

func TestServeRefusesToRunWithoutSecret(t *testing.T) {
	dir := writeTree(t, map[string]string{"rapport.yaml": "redis_url: redis://127.0.0.1:1/0\napi_keys: [k]\n"})
	code, _, errOut := runCmd("serve", "--config", filepath.Join(dir, "rapport.yaml"))
	if code != 1 || !strings.Contains(errOut, "secret is empty") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		code, _, errOut := runCmd(name, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: rapport "+name) {
			t.Errorf("%s --help: exit %d\n%s", name, code, errOut)
		}
	}
	if code, _, _ := runCmd("nope"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}
