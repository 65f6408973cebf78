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
