package testenv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message accepted by the SMTP sink, with its MIME parts decoded.
type Received struct {
	From    string
	To      []string
	Raw     []byte
	Header  mail.Header
	Subject string // decoded (RFC 2047)
	Text    string // decoded text/plain part
	HTML    string // decoded text/html part
}

// SMTP is a real SMTP server listening on loopback that records every message it accepts.
type SMTP struct {
	Addr     string
	Host     string
	Port     int
	User     string // when set, AUTH PLAIN is required with User/Pass
	Pass     string
	mu       sync.Mutex
	msgs     []Received
	respond  func(Received) error
	onMail   func(from string) error
	onRcpt   func(to string) error
	server   *smtp.Server
	listener net.Listener
	notify   chan struct{}
	sessions int
}

// NewSMTP starts an SMTP sink on a free port; it stops when the test ends.
func NewSMTP(t testing.TB) *SMTP {
	t.Helper()
	s := &SMTP{notify: make(chan struct{}, 1)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp sink: %v", err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	s.Host = "127.0.0.1"
	s.Addr = l.Addr().String()
	s.serve(l)
	t.Cleanup(s.Stop)
	return s
}

// URL returns the smtp_url for this sink (plain, no TLS).
func (s *SMTP) URL() string {
	if s.User != "" {
		return fmt.Sprintf("smtp://%s:%s@%s?tls=none", s.User, s.Pass, s.Addr)
	}
	return fmt.Sprintf("smtp://%s?tls=none", s.Addr)
}

func (s *SMTP) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &sinkSession{sink: s}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	s.mu.Lock()
	s.server, s.listener = srv, l
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// Stop closes the listener and every open connection: the server is down.
func (s *SMTP) Stop() {
	s.mu.Lock()
	srv := s.server
	s.server = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same port after Stop.
func (s *SMTP) Restart(t testing.TB) {
	t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("smtp sink restart on %s: %v", s.Addr, err)
	}
	s.serve(l)
}

// Respond sets a function that decides the answer to each message at DATA: return nil to
// accept, or an *smtp.SMTPError (see Reject) to refuse. A refused message is not recorded.
func (s *SMTP) Respond(f func(Received) error) {
	s.mu.Lock()
	s.respond = f
	s.mu.Unlock()
}

// RespondEnvelope sets functions that decide the answers to MAIL FROM and RCPT TO (nil:
// accept), as Respond does for DATA.
func (s *SMTP) RespondEnvelope(mail func(from string) error, rcpt func(to string) error) {
	s.mu.Lock()
	s.onMail, s.onRcpt = mail, rcpt
	s.mu.Unlock()
}

// Reject returns an SMTP error with the given code, e.g. Reject(550, "no such user").
func Reject(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}

// Messages returns a copy of what was accepted so far.
func (s *SMTP) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Count returns how many messages were accepted.
func (s *SMTP) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Sessions returns how many SMTP connections were opened.
func (s *SMTP) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Wait blocks until at least n messages were accepted or the timeout passes, and returns them.
func (s *SMTP) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.notify:
		case <-time.After(10 * time.Millisecond):
		case <-deadline.C:
			t.Fatalf("smtp sink: %d messages after %s, want %d", s.Count(), timeout, n)
			return nil
		}
	}
}

type sinkSession struct {
	sink *SMTP
	from string
	to   []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if ss.sink.User != "" && (user != ss.sink.User || pass != ss.sink.Pass) {
			return errors.New("invalid credentials")
		}
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.sink.mu.Lock()
	f := ss.sink.onMail
	ss.sink.mu.Unlock()
	if f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	f := ss.sink.onRcpt
	ss.sink.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := parseReceived(raw)
	msg.From, msg.To = ss.from, append([]string(nil), ss.to...)
	ss.sink.mu.Lock()
	respond := ss.sink.respond
	ss.sink.mu.Unlock()
	if respond != nil {
		if err := respond(msg); err != nil {
			return err
		}
	}
	ss.sink.mu.Lock()
	ss.sink.msgs = append(ss.sink.msgs, msg)
	ss.sink.mu.Unlock()
	select {
	case ss.sink.notify <- struct{}{}:
	default:
	}
	return nil
}

// parseReceived decodes headers and the text and HTML parts; a part it cannot parse is left empty.
func parseReceived(raw []byte) Received {
	out := Received{Raw: raw}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return out
	}
	out.Header = m.Header
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(m.Header.Get("Subject")); err == nil {
		out.Subject = subj
	}
	walkPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, &out)
	return out
}

func walkPart(ctype, encoding string, body io.Reader, out *Received) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			walkPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: body})
	}
	data, _ := io.ReadAll(r)
	switch mt {
	case "text/html":
		out.HTML = string(data)
	case "text/plain":
		out.Text = string(data)
	}
}

// newlineStripper drops CR and LF so that wrapped base64 decodes.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	buf := make([]byte, len(p))
	k, err := n.r.Read(buf)
	j := 0
	for _, b := range buf[:k] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	if j == 0 && err == nil && k > 0 {
		return n.Read(p)
	}
	return j, err
}
