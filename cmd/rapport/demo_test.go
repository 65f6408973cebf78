package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/examples"
)

// syncBuffer is a bytes.Buffer the demo writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demoAt is the day the test plays the scheduled campaigns from: the next birthdays after
// it are on 24 November, and next Monday's win-back is on 30 November.
var demoAt = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// The whole demo, as `rapport demo` runs it: its embedded Redis (miniredis, the product's own
// default when no redis_url is set, so the one place a test may use it), the example base,
// the purchase stream and the scheduled plays, with the outbox in a temporary directory.
func TestDemoPlaysEachScheduledCampaignInItsCustomersLanguagesOnce(t *testing.T) {
	t.Setenv("RAPPORT_ADMIN_LISTEN", "localhost:0") // not 9464, which another process may hold
	outbox := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- demo(ctx, demoOptions{listen: "127.0.0.1:0", outbox: outbox, now: func() time.Time { return demoAt }}, &out)
	}()
	deadline := time.After(150 * time.Second) // about 5 s without -race; the race detector and a busy machine slow it
wait:
	for {
		select {
		case err := <-done:
			t.Fatalf("demo ended before it was ready: %v\n%s", err, out.String())
		case <-deadline:
			cancel()
			t.Fatalf("demo not ready within 150 s:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
			if strings.Contains(out.String(), "Ctrl-C to stop") {
				break wait
			}
		}
	}
	t.Logf("demo ready in %s", time.Since(start).Round(time.Millisecond))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
	text := out.String()

	for _, want := range []string{
		"playing birthday 2026-11-24 as if it were Tue 2026-11-24 09:00 local time",
		"playing win-back 2026-11-30T10:00 as if it were Mon 2026-11-30 10:00 local time",
		"playing new-year 2027-01-01 as if it were Fri 2027-01-01 10:00 local time",
		"playing lunar-new-year 2027-02-06 as if it were Sat 2027-02-06 10:00 local time",
		"playing nowruz 2027-03-21 as if it were Sun 2027-03-21 10:00 local time",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(text, "\n"); n > 120 {
		t.Errorf("output has %d lines, want a readable summary (at most 120)", n)
	}

	locale := customerLocales(t)
	langs := map[string]map[string]int{} // campaign -> language -> messages
	seen := map[string]bool{}
	emails, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	for _, name := range emails {
		campaign, to := emlCampaignAndTo(t, name)
		if seen[campaign+" "+to] {
			t.Errorf("%s got %s twice", to, campaign)
		}
		seen[campaign+" "+to] = true
		if langs[campaign] == nil {
			langs[campaign] = map[string]int{}
		}
		lang, _, _ := strings.Cut(locale[to], "-")
		langs[campaign][lang]++
	}
	texts := map[string]bool{}
	for _, k := range smsKeys(t, outbox) {
		if texts[k] {
			t.Errorf("text %s sent twice", k)
		}
		texts[k] = true
	}
	for campaign, want := range map[string][]string{
		"birthday":       {"en"},
		"win-back":       {"en", "ru", "fa", "zh", "de", "es"},
		"new-year":       {"en", "ru", "zh", "de", "es"},
		"lunar-new-year": {"zh"},
		"nowruz":         {"fa"},
	} {
		for _, l := range want {
			if langs[campaign][l] == 0 {
				t.Errorf("%s: no message in %s; languages: %v", campaign, l, langs[campaign])
			}
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}
	// Nowruz goes to the Iranian customers only, Lunar New Year to the Chinese ones.
	for campaign, only := range map[string]string{"nowruz": "fa", "lunar-new-year": "zh"} {
		for l := range langs[campaign] {
			if l != only {
				t.Errorf("%s sent in %q", campaign, l)
			}
		}
	}
}

// customerLocales maps the example customers' email addresses to their locales.
func customerLocales(t *testing.T) map[string]string {
	t.Helper()
	f, err := examples.FS.Open("customers/customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	email, loc := slices.Index(rows[0], "email"), slices.Index(rows[0], "locale")
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[email]] = r[loc]
	}
	// The stream introduces a few new customers.
	b, err := fs.ReadFile(examples.FS, "events/stream.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		var ev struct {
			Traits struct{ Email, Locale string } `json:"traits"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err == nil && ev.Traits.Email != "" {
			out[ev.Traits.Email] = ev.Traits.Locale
		}
	}
	return out
}

// smsKeys returns the delivery keys of the texts in the outbox, one per text sent.
func smsKeys(t *testing.T, outbox string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(outbox, "sms.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for line := range strings.Lines(string(b)) {
		var sms struct{ Key string }
		if err := json.Unmarshal([]byte(line), &sms); err != nil {
			t.Fatalf("sms.jsonl: %v", err)
		}
		keys = append(keys, sms.Key)
	}
	return keys
}

var campaignHeader = regexp.MustCompile(`(?m)^X-Rapport-Campaign: (\S+)`)

// emlCampaignAndTo reads the campaign and the recipient's address of an outbox email.
func emlCampaignAndTo(t *testing.T, name string) (campaign, to string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	addr, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		t.Fatalf("%s: To: %v", name, err)
	}
	c := campaignHeader.FindSubmatch(b)
	if c == nil {
		t.Fatalf("%s: no X-Rapport-Campaign", name)
	}
	return string(c[1]), addr.Address
}
