package examples_test

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/examples"
	"github.com/rapporthq/rapport/templates"
)

// unpack copies the embedded examples to a temporary directory, as `rapport demo` does, so
// the tests see exactly what the binary carries.
func unpack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, examples.FS); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkSet fails the test on any problem lint would report: conditions, keys, templates.
func checkSet(t *testing.T, set *config.Set, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	ts, err := templates.Load(set.Templates)
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	for _, err := range ts.Check(set.Campaigns, nil) {
		t.Error(err)
	}
}

func TestDemoExamplesPassLint(t *testing.T) {
	t.Parallel()
	dir := unpack(t)
	cfg, err := config.Load(filepath.Join(dir, "rapport.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadSet(cfg)
	checkSet(t, set, err)
	for _, id := range []string{"thank-you", "welcome", "big-order", "birthday", "new-year", "nowruz", "lunar-new-year", "win-back"} {
		if set.Campaign(id) == nil {
			t.Errorf("campaign %s is missing", id)
		}
	}
}

func TestScheduledExamplesPassLint(t *testing.T) {
	t.Parallel()
	set, err := config.LoadDir(filepath.Join(unpack(t), "scheduled"))
	checkSet(t, set, err)
	// The campaigns built on the purchase model; the demo does not load them, since it fits no
	// model and their audiences would be empty.
	for _, id := range []string{"win-back-valuable", "replenishment"} {
		if set.Campaign(id) == nil {
			t.Errorf("campaign %s is missing", id)
		}
	}
}

func TestStreamRefersToKnownCustomers(t *testing.T) {
	t.Parallel()
	dir := unpack(t)
	f, err := os.Open(filepath.Join(dir, "customers", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range rows[1:] {
		known[r[0]] = true
	}

	s, err := os.Open(filepath.Join(dir, "events", "stream.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sc := bufio.NewScanner(s)
	seen := map[string]bool{}
	tracks, replays := 0, 0
	for line := 1; sc.Scan(); line++ {
		ev, err := customers.DecodeEvent(sc.Bytes(), "", time.Now())
		if err != nil {
			t.Fatalf("stream.jsonl:%d: %v", line, err)
		}
		switch ev.Type {
		case customers.TypeIdentify:
			known[ev.UserID] = true // a new customer, introduced before their first order
		case customers.TypeTrack:
			tracks++
			if !known[ev.UserID] {
				t.Errorf("stream.jsonl:%d: customer %s is neither in customers.csv nor identified before", line, ev.UserID)
			}
			if seen[ev.MessageID] {
				replays++
			}
			seen[ev.MessageID] = true
		}
	}
	if tracks != 60 || replays < 2 {
		t.Errorf("stream has %d track lines and %d replays, want 60 and at least 2", tracks, replays)
	}
}
