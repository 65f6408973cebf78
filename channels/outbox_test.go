package channels

import (
	"bufio"
	"context"
	"encoding/json"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestOutboxWritesParseableEml(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := testEmail(1)
	m.ListUnsubscribe = "https://news.example.com/u/tok"
	r, err := o.SendEmail(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	files := emlFiles(t, dir)
	if len(files) != 1 || filepath.Base(files[0]) != r.ProviderID {
		t.Fatalf("files %v, receipt %q", files, r.ProviderID)
	}
	if !strings.HasSuffix(r.ProviderID, "-rapport.0001@shop.example.com.eml") {
		t.Fatalf("file name %q, want <time>-<message id>.eml", r.ProviderID)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("parse %s: %v", files[0], err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subj != "Спасибо, Анна" || msg.Header.Get("Message-ID") != "<rapport.0001@shop.example.com>" ||
		msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers: subject %q, %v", subj, msg.Header)
	}
	if from, _ := msg.Header.AddressList("From"); len(from) != 1 || from[0].Address != "outbox@rapport.invalid" {
		t.Fatalf("From = %q", msg.Header.Get("From"))
	}
}

func TestOutboxSameMessageIDOverwritesItsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := testEmail(1)
	first, err := o.SendEmail(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	m.Subject = "second attempt"
	if _, err := o.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// A new Outbox on the same directory, as after a restart, still finds the file.
	o2, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Subject = "third attempt"
	third, err := o2.SendEmail(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	files := emlFiles(t, dir)
	if len(files) != 1 || third.ProviderID != first.ProviderID {
		t.Fatalf("files %v; receipts %q and %q; want one file", files, first.ProviderID, third.ProviderID)
	}
	raw, _ := os.ReadFile(files[0])
	if !strings.Contains(string(raw), "third attempt") {
		t.Fatal("the file was not overwritten by the last attempt")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestOutboxIDsThatSanitiseAlikeGetDistinctFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, _ := NewOutbox(dir)
	for _, id := range []string{"a/b@x.test", "a_b@x.test", "a=b@x.test"} {
		m := testEmail(1)
		m.MessageID = id
		if _, err := o.SendEmail(context.Background(), m); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	if n := len(emlFiles(t, dir)); n != 3 {
		t.Fatalf("%d files for 3 distinct message ids", n)
	}
}

func TestOutboxAppendsSMSAsJSONLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.SendSMS(context.Background(), testSMS()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	f, err := os.Open(filepath.Join(dir, "sms.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var line outboxSMS
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d %q: %v", n+1, sc.Text(), err)
		}
		if line.To != "+491512345689" || line.Text != testSMS().Text || line.Key != "k-123" || line.Time.IsZero() {
			t.Fatalf("line %d = %+v", n+1, line)
		}
	}
	if n != 20 {
		t.Fatalf("%d lines, want 20", n)
	}
}

func TestOutboxValidatesLikeTheRealSenders(t *testing.T) {
	t.Parallel()
	o, _ := NewOutbox(t.TempDir())
	if _, err := o.SendEmail(context.Background(), &Email{To: "nope", Text: "x"}); !IsPermanent(err) {
		t.Errorf("bad address: %v", err)
	}
	if _, err := o.SendSMS(context.Background(), &SMS{To: "123", Text: "x"}); !IsPermanent(err) {
		t.Errorf("bad number: %v", err)
	}
	if _, err := NewOutbox(""); err == nil {
		t.Error("empty directory accepted")
	}
}

func TestOutboxWritesCRLFLineEndsForUnencodedParts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := &Email{To: "anna@example.com", Subject: "Thanks", Text: "Thank you!\nBye.\n", HTML: "<p>Thank you!</p>\n",
		MessageID: "rapport.crlf@shop.example.com"}
	if _, err := o.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(emlFiles(t, dir)[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ReplaceAll(string(raw), "\r\n", ""), "\n") || !strings.Contains(string(raw), "Thank you!\r\nBye.\r\n") {
		t.Fatalf("bare LF in the .eml:\n%q", raw)
	}
}

// readIndex parses index.jsonl, failing on any line that does not parse unless lenient.
func readIndex(t *testing.T, dir string, lenient bool) []outboxIndexEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, outboxIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []outboxIndexEntry
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var e outboxIndexEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			if !lenient {
				t.Fatalf("index line %q: %v", line, err)
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func TestOutboxIndexListsEachFileOnceWithItsMeta(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := testEmail(1)
	first.Meta = Meta{Campaign: "thank-you", Variant: "gold", Customer: "c1", Locale: "ru"}
	second := testEmail(2)
	second.Subject = "Thank\n you"
	second.Headers = map[string]string{"X-Rapport-Campaign": "winback"} // no Meta: the header names the campaign
	var files []string
	for _, m := range []*Email{first, second, first} { // the third is a retry of the first
		r, err := o.SendEmail(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, r.ProviderID)
	}
	sms := &SMS{To: "+15550100", Text: "Спасибо!", Key: "k1", Meta: Meta{Campaign: "thank-you", Variant: "gold", Customer: "c3", Locale: "ru"}}
	if _, err := o.SendSMS(context.Background(), sms); err != nil {
		t.Fatal(err)
	}
	got := readIndex(t, dir, false)
	want := []outboxIndexEntry{
		{File: files[0], Channel: "email", ID: "rapport.0001@shop.example.com", Campaign: "thank-you", Variant: "gold", Customer: "c1", Locale: "ru", Subject: "Спасибо, Анна"},
		{File: files[1], Channel: "email", ID: "rapport.0002@shop.example.com", Campaign: "winback", Subject: "Thank you"},
		{File: outboxSMSFile, Channel: "sms", ID: "k1", Campaign: "thank-you", Variant: "gold", Customer: "c3", Locale: "ru"},
	}
	if len(got) != len(want) {
		t.Fatalf("index has %d lines, want %d (one per file, none for the retry): %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Time.IsZero() {
			t.Errorf("line %d has no time", i)
		}
		got[i].Time = want[i].Time
		if got[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOutboxIndexSurvivesARestartAndALineCutShort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.SendEmail(context.Background(), testEmail(1)); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of appending the next line.
	f, err := os.OpenFile(filepath.Join(dir, outboxIndexFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"time":"2026-01-01T00:00:00Z","file":"x`); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	o, err = NewOutbox(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	for _, m := range []*Email{testEmail(1), testEmail(2)} { // a retry after the restart, then a new message
		if _, err := o.SendEmail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := readIndex(t, dir, true)
	if len(got) != 2 || got[0].ID != "rapport.0001@shop.example.com" || got[1].ID != "rapport.0002@shop.example.com" {
		t.Fatalf("index after the restart: %+v, want the first message once and the second after the cut line", got)
	}
	if files := emlFiles(t, dir); len(files) != 2 {
		t.Fatalf("%d .eml files, want 2", len(files))
	}
}
