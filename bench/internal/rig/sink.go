package rig

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is an SMTP server on loopback (emersion/go-smtp, as in the tests) that accepts every
// message and keeps only what the benchmarks need: a count, the bytes, and, for each message,
// its Subject and the moment its DATA was complete. It does no MIME parsing, so that it costs
// the pipeline and the go-mail ceiling the same, and as little as possible.
type Sink struct {
	Addr string

	srv   *smtp.Server
	count atomic.Int64
	bytes atomic.Int64
	mu    sync.Mutex
	on    func(subject string, at time.Time)
}

// StartSink listens on a free loopback port.
func StartSink() (*Sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smtp sink: %w", err)
	}
	s := &Sink{Addr: l.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.bench"
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	s.srv = srv
	go func() { _ = srv.Serve(l) }()
	return s, nil
}

// URL is the smtp_url of the sink (plain SMTP, no TLS, no auth).
func (s *Sink) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// OnMessage sets a function called with the Subject and arrival time of every message; it
// runs on the SMTP session's goroutine before the 250 reply, so it must be quick.
func (s *Sink) OnMessage(f func(subject string, at time.Time)) {
	s.mu.Lock()
	s.on = f
	s.mu.Unlock()
}

// Count is how many messages were accepted.
func (s *Sink) Count() int64 { return s.count.Load() }

// Bytes is the total size of the accepted messages.
func (s *Sink) Bytes() int64 { return s.bytes.Load() }

// Reset zeroes the counters.
func (s *Sink) Reset() { s.count.Store(0); s.bytes.Store(0) }

// WaitCount waits until at least n messages arrived or ctx ends; it returns the count.
func (s *Sink) WaitCount(ctx context.Context, n int64) int64 {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		if c := s.Count(); c >= n {
			return c
		}
		select {
		case <-ctx.Done():
			return s.Count()
		case <-t.C:
		}
	}
}

// Close stops the server and its connections.
func (s *Sink) Close() { _ = s.srv.Close() }

type sinkSession struct {
	s   *Sink
	buf bytes.Buffer
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *sinkSession) Reset()                               {}
func (ss *sinkSession) Logout() error                        { return nil }

func (ss *sinkSession) Data(r io.Reader) error {
	ss.buf.Reset()
	if _, err := ss.buf.ReadFrom(r); err != nil {
		return err
	}
	at := time.Now()
	ss.s.mu.Lock()
	on := ss.s.on
	ss.s.mu.Unlock()
	if on != nil {
		on(subjectOf(ss.buf.Bytes()), at)
	}
	ss.s.bytes.Add(int64(ss.buf.Len()))
	ss.s.count.Add(1)
	return nil
}

// subjectOf returns the unfolded Subject header of a raw message, "" when there is none. The
// benchmark subjects are ASCII, so no RFC 2047 decoding is needed.
func subjectOf(raw []byte) string {
	head := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = raw[:i+2]
	}
	var start int
	switch {
	case bytes.HasPrefix(head, []byte("Subject: ")):
		start = len("Subject: ")
	default:
		i := bytes.Index(head, []byte("\r\nSubject: "))
		if i < 0 {
			return ""
		}
		start = i + len("\r\nSubject: ")
	}
	var out []byte
	rest := head[start:]
	for {
		end := bytes.Index(rest, []byte("\r\n"))
		if end < 0 {
			return string(append(out, rest...))
		}
		out = append(out, rest[:end]...)
		rest = rest[end+2:]
		if len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
			return string(out)
		}
	}
}
