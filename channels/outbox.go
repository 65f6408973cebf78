package channels

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// outboxSMSFile is the JSON-lines file that SMS are appended to.
const outboxSMSFile = "sms.jsonl"

// outboxIndexFile lists every message written, one JSON line each (outboxIndexEntry).
const outboxIndexFile = "index.jsonl"

// DefaultOutboxFrom is the sender written into outbox emails unless Outbox.From is set.
const DefaultOutboxFrom = "Rapport Outbox <outbox@rapport.invalid>"

// Outbox writes messages to files instead of sending them: it stands in for any channel with no
// provider (rapport demo, development). Emails become RFC 5322 .eml files named
// "<UTC time>-<message id>.eml", written atomically; a message id seen before overwrites its
// file, so a retried send leaves one file. SMS are appended as JSON lines to sms.jsonl.
// index.jsonl lists what was written, one line per .eml file and per SMS, with the campaign,
// variant, customer, locale and subject from the message's Meta, so a reader (or a script)
// finds a customer's message without opening every file.
type Outbox struct {
	// From is the sender written into emails; set it before the first send. Default
	// DefaultOutboxFrom.
	From string
	// DKIM signs the written messages as the SMTP pool would (email.dkim); nil signs nothing.
	DKIM *DKIMSigner

	dir string

	mu      sync.Mutex        // guards names, indexed and the appends to sms.jsonl and index.jsonl
	names   map[string]string // sanitised message id -> file name, so a resend overwrites
	indexed map[string]bool   // .eml files index.jsonl lists, so a resend adds no second line
}

// NewOutbox creates dir if needed and indexes the .eml files already there, so a send retried
// after a restart still overwrites its file.
func NewOutbox(dir string) (*Outbox, error) {
	if dir == "" {
		return nil, fmt.Errorf("outbox directory is empty")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create outbox %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", dir, err)
	}
	o := &Outbox{dir: dir, names: map[string]string{}}
	if o.indexed, err = readOutboxIndex(filepath.Join(dir, outboxIndexFile)); err != nil {
		return nil, fmt.Errorf("read outbox %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".eml") || strings.HasPrefix(name, ".") {
			continue
		}
		// "<time>-<id>.eml": the time has no '-', so the id is everything after the first one.
		if _, id, ok := strings.Cut(strings.TrimSuffix(name, ".eml"), "-"); ok {
			o.names[id] = name
		}
	}
	return o, nil
}

// Dir returns the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// SendEmail writes m as an .eml file; the receipt's ProviderID is the file name.
func (o *Outbox) SendEmail(ctx context.Context, m *Email) (Receipt, error) {
	to := ""
	if m != nil {
		to = m.To
	}
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("outbox email to %s: %w", MaskEmail(to), err)
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrTemporary, err))
	}
	fromText := o.From
	if fromText == "" {
		fromText = DefaultOutboxFrom
	}
	from, err := netmail.ParseAddress(fromText)
	if err != nil {
		return fail(fmt.Errorf("%w: %w: outbox sender %q: %w", ErrPermanent, ErrConfig, fromText, err))
	}
	now := time.Now().UTC()
	msg, err := buildMessage(from, m, now)
	if err != nil {
		return fail(classifyBuild(err))
	}
	if err := o.DKIM.sign(msg); err != nil {
		return fail(fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err))
	}
	id := outboxID(trimAngles(msg.GetMessageID()))

	o.mu.Lock()
	defer o.mu.Unlock()
	name, ok := o.names[id]
	if !ok {
		name = now.Format("20060102T150405.000000000Z") + "-" + id + ".eml"
	}
	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrTemporary, err))
	}
	// With CRLF line ends throughout, as it would go over SMTP (an unencoded part keeps the
	// template's LF otherwise).
	bw := bufio.NewWriter(tmp)
	_, werr := msg.WriteTo(&dotWriter{w: bw, noDots: true})
	if werr == nil {
		werr = bw.Flush()
	}
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), filepath.Join(o.dir, name))
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fail(fmt.Errorf("%w: write %s: %w", ErrTemporary, name, werr))
	}
	o.names[id] = name
	// After the file, so that the index never names a file that is not there; a crash in
	// between leaves the line to the retry, which finds the file not yet indexed.
	if !o.indexed[name] {
		entry := outboxIndexEntry{Time: now, File: name, Channel: "email", ID: trimAngles(msg.GetMessageID()),
			Subject: strings.Join(strings.Fields(m.Subject), " ")}
		entry.setMeta(m.Meta)
		if entry.Campaign == "" {
			entry.Campaign = m.Headers["X-Rapport-Campaign"]
		}
		if err := o.appendJSON(outboxIndexFile, entry); err != nil {
			return fail(err)
		}
		o.indexed[name] = true
	}
	return Receipt{ProviderID: name}, nil
}

// outboxIndexEntry is one line of index.jsonl.
type outboxIndexEntry struct {
	Time time.Time `json:"time"`
	// File is the .eml file, or sms.jsonl for an SMS.
	File     string `json:"file"`
	Channel  string `json:"channel"`      // email | sms
	ID       string `json:"id,omitempty"` // Message-ID of an email, send key of an SMS
	Campaign string `json:"campaign,omitempty"`
	Variant  string `json:"variant,omitempty"`
	Customer string `json:"customer,omitempty"`
	Locale   string `json:"locale,omitempty"`
	Subject  string `json:"subject,omitempty"`
}

func (e *outboxIndexEntry) setMeta(m Meta) {
	e.Campaign, e.Variant, e.Customer, e.Locale = m.Campaign, m.Variant, m.Customer, m.Locale
}

// readOutboxIndex returns the .eml files index.jsonl already lists. A line that does not parse
// (one cut short by a crash) is passed over: its file is indexed again on a resend.
func readOutboxIndex(path string) (map[string]bool, error) {
	indexed := map[string]bool{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return indexed, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var e outboxIndexEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Channel == "email" {
			indexed[e.File] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", outboxIndexFile, err)
	}
	return indexed, nil
}

// appendJSON appends v as one line to the named file; o.mu must be held. The file is opened
// per line: cheap at outbox volumes, and it can be moved away at any time. A file whose last
// line was cut short (a crash mid-write) gets a line break first, so that only that line is
// lost and not the next one too.
func (o *Outbox) appendJSON(file string, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err)
	}
	line = append(line, '\n')
	f, err := os.OpenFile(filepath.Join(o.dir, file), os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTemporary, err)
	}
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, info.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	_, werr := f.Write(line)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("%w: append %s: %w", ErrTemporary, file, werr)
	}
	return nil
}

// outboxID makes a message id safe as a file name part: characters outside [A-Za-z0-9._@+-]
// become '_', and when anything changed (or the id is long) a hash of the original is added so
// two ids never share a file.
func outboxID(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._@+-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	clean := b.String()
	if clean == id && len(clean) <= 120 && !strings.HasPrefix(clean, ".") {
		return clean
	}
	sum := sha256.Sum256([]byte(id))
	if len(clean) > 120 {
		clean = clean[:120]
	}
	return clean + "_" + hex.EncodeToString(sum[:6])
}

// outboxSMS is one line of sms.jsonl.
type outboxSMS struct {
	Time time.Time `json:"time"`
	To   string    `json:"to"`
	Text string    `json:"text"`
	Key  string    `json:"key,omitempty"`
}

// SendSMS appends m to sms.jsonl; the receipt's ProviderID is m.Key.
func (o *Outbox) SendSMS(ctx context.Context, m *SMS) (Receipt, error) {
	to := ""
	if m != nil {
		to = m.To
	}
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("outbox sms to %s: %w", MaskPhone(to), err)
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrTemporary, err))
	}
	if err := checkSMS(m); err != nil {
		return fail(err)
	}
	now := time.Now().UTC()
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.appendJSON(outboxSMSFile, outboxSMS{Time: now, To: m.To, Text: m.Text, Key: m.Key}); err != nil {
		return fail(err)
	}
	entry := outboxIndexEntry{Time: now, File: outboxSMSFile, Channel: "sms", ID: m.Key}
	entry.setMeta(m.Meta)
	if err := o.appendJSON(outboxIndexFile, entry); err != nil {
		return fail(err)
	}
	return Receipt{ProviderID: m.Key}, nil
}

// Close releases nothing: every file is closed after each write.
func (o *Outbox) Close() error { return nil }

var (
	_ EmailSender = (*Outbox)(nil)
	_ SMSSender   = (*Outbox)(nil)
)
