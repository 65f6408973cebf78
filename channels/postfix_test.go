package channels

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/internal/testenv"
)

// These tests send through Rapport's real transport (SMTPPool) to a real Postfix
// (testenv.NewPostfix) and read what Postfix delivered into its maildirs. They prove what a
// scripted server cannot: that Postfix accepts our pipelining with
// smtpd_forbid_unauth_pipelining=yes, our BDAT chunks and our unencoded parts, that the
// content arrives as rendered, and that Postfix's own refusals are classified as they should.

// interopModes are the two ways a worker reaches a relay.
var interopModes = []struct {
	name string
	tls  bool
	// source is the client address: Postfix's anvil counts transactions per client address,
	// so each mode gets its own loopback address and its own rate limit budget.
	source string
}{
	{"plain", false, "127.0.0.1"},
	{"starttls", true, "127.0.0.2"},
}

// interopTransports are the pool's three ways of sending a message.
var interopTransports = []struct {
	name                     string
	noPipelining, noChunking bool
}{
	{"pipelined BDAT", false, false},
	{"pipelined DATA", false, true},
	{"go-mail one command at a time", true, true},
}

// interopRateLimit is how many transactions per minute the limited listener allows a client.
const interopRateLimit = 3

func interopDomain(kind, mode string) string { return kind + "-" + mode + ".example.test" }

// setupPostfix starts a Postfix that accepts every domain the interop tests use, refuses
// reject@ with a 550 and busy@ with a 450 in each of them.
func setupPostfix(t *testing.T) *testenv.Postfix {
	t.Helper()
	opts := testenv.PostfixOptions{RecipientAccess: map[string]string{}, MessageRateLimit: interopRateLimit}
	for _, m := range interopModes {
		for _, kind := range []string{"corpus", "edge", "limit"} {
			d := interopDomain(kind, m.name)
			opts.Domains = append(opts.Domains, d)
			opts.RecipientAccess["reject@"+d] = "550 5.1.1 Mailbox unavailable"
			opts.RecipientAccess["busy@"+d] = "450 4.2.1 Mailbox busy, try again later"
		}
	}
	return testenv.NewPostfix(t, opts)
}

// interopPool is a pool on addr for one mode; dials counts the sessions it opens.
func interopPool(t *testing.T, addr string, mode string, tlsOn bool, source string, roots *x509.CertPool, size int,
	noPipelining, noChunking bool) (*SMTPPool, *atomic.Int64) {
	t.Helper()
	url := "smtp://" + addr + "?tls=none"
	if tlsOn {
		url = "smtp://" + addr + "?tls=required"
	}
	pool, err := newSMTPPool(SMTPConfig{URL: url, From: "Shop <shop@example.com>", Size: size, Timeout: 10 * time.Second,
		HeloName: "worker.rapport.test"}, zaptest.NewLogger(t), roots)
	if err != nil {
		t.Fatalf("%s pool: %v", mode, err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	pool.noPipelining, pool.noChunking = noPipelining, noChunking
	dials := new(atomic.Int64)
	pool.dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(source)}
	pool.dialer.Control = func(string, string, syscall.RawConn) error { dials.Add(1); return nil }
	return pool, dials
}

// TestPostfixDeliversEveryMessageOnceAndAsRendered sends 500 messages per mode, in four
// locales, spread over the three transports, and reads them back from Postfix's maildir:
// each Message-ID exactly once, subject and both decoded parts identical to what templates
// rendered, over TLS when the mode says so.
func TestPostfixDeliversEveryMessageOnceAndAsRendered(t *testing.T) {
	t.Parallel()
	pf := setupPostfix(t)
	const n = 500
	for _, mode := range interopModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			domain := interopDomain("corpus", mode.name)
			msgs := renderCorpus(t, n, domain)
			pools := make([]*SMTPPool, len(interopTransports))
			for i, tr := range interopTransports {
				pools[i], _ = interopPool(t, pf.Addr, mode.name, mode.tls, mode.source, pf.RootCAs, 3, tr.noPipelining, tr.noChunking)
			}
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, n)
			next := atomic.Int64{}
			for range 12 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
						tr := i % len(pools)
						if _, err := pools[tr].SendEmail(context.Background(), msgs[i].email); err != nil {
							errs <- fmt.Errorf("message %d over %s: %w", i, interopTransports[tr].name, err)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			sent := time.Since(start)
			got := pf.WaitDelivered(t, domain, n, 30*time.Second)
			t.Logf("%d messages: accepted by postfix in %s, delivered to the maildir in %s", n, sent.Round(time.Millisecond),
				time.Since(start).Round(time.Millisecond))
			checkCorpus(t, msgs, got, mode.tls)
		})
	}
}

// checkCorpus compares what Postfix delivered with what was rendered.
func checkCorpus(t *testing.T, msgs []corpusMessage, got map[string][]byte, overTLS bool) {
	t.Helper()
	byID := map[string]*corpusMessage{}
	for i := range msgs {
		byID["<"+msgs[i].email.MessageID+">"] = &msgs[i]
	}
	seen := map[string]int{}
	for file, raw := range got {
		d, err := parseDelivered(raw)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		id := d.header.Get("Message-Id")
		seen[id]++
		m := byID[id]
		if m == nil {
			t.Errorf("%s: unknown Message-ID %q", file, id)
			continue
		}
		if tls := strings.Contains(d.header.Get("Received"), "using TLS"); tls != overTLS {
			t.Errorf("%s: received over TLS = %v, want %v (Received: %s)", id, tls, overTLS, d.header.Get("Received"))
		}
		if to := d.header.Get("Delivered-To"); to != m.email.To {
			t.Errorf("%s: delivered to %q, want %q", id, to, m.email.To)
		}
		for _, c := range []struct{ part, got, want string }{
			{"subject", d.subject, m.want.Subject},
			{"text part", d.text, m.want.Text},
			{"html part", d.html, m.want.HTML},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s differs from the rendered one:\n got %q\nwant %q", id, c.part, clip(c.got), clip(c.want))
			}
		}
	}
	for id := range byID {
		if seen[id] != 1 {
			t.Errorf("%s delivered %d times, want once", id, seen[id])
		}
	}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// edgeStep is one message of a session and what must become of it.
type edgeStep struct {
	local string // recipient's local part
	want  string // "sent", "permanent" or "temporary"
	says  string // part of the server's reply the error must carry
}

// TestPostfixRefusalsInAPipelinedSessionAreClassified sends, over one pipelined session, a
// run of messages with a recipient Postfix refuses with 550 and one it defers with 450 in the
// middle: the 550 is permanent (and not the sender's configuration), the 450 temporary, the
// session goes on after each (one connection for all), and every other message arrives.
func TestPostfixRefusalsInAPipelinedSessionAreClassified(t *testing.T) {
	t.Parallel()
	pf := setupPostfix(t)
	steps := []edgeStep{
		{"a1", "sent", ""}, {"a2", "sent", ""}, {"reject", "permanent", "550 \"5.1.1"}, {"a3", "sent", ""},
		{"busy", "temporary", "450 \"4.2.1"}, {"a4", "sent", ""}, {"reject", "permanent", "550 \"5.1.1"}, {"a5", "sent", ""},
	}
	for _, mode := range interopModes {
		for _, tr := range interopTransports {
			t.Run(mode.name+"/"+tr.name, func(t *testing.T) {
				domain := interopDomain("edge", mode.name)
				pool, dials := interopPool(t, pf.Addr, mode.name, mode.tls, mode.source, pf.RootCAs, 1, tr.noPipelining, tr.noChunking)
				runSteps(t, pool, steps, domain, tr.name)
				if d := dials.Load(); d != 1 {
					t.Errorf("%d sessions opened, want 1: a refusal must not cost the session", d)
				}
			})
		}
	}
	// Every subtest delivered its "sent" messages to the same maildir per mode.
	for _, mode := range interopModes {
		sent := 0
		for _, s := range steps {
			if s.want == "sent" {
				sent++
			}
		}
		got := pf.WaitDelivered(t, interopDomain("edge", mode.name), sent*len(interopTransports), 30*time.Second)
		if len(got) != sent*len(interopTransports) {
			t.Errorf("%s: %d messages delivered, want %d", mode.name, len(got), sent*len(interopTransports))
		}
	}
}

// runSteps sends one message per step, in order, and checks each outcome.
func runSteps(t *testing.T, pool *SMTPPool, steps []edgeStep, domain, tag string) {
	t.Helper()
	for i, s := range steps {
		m := testEmail(i)
		m.To = s.local + "@" + domain
		m.MessageID = fmt.Sprintf("edge.%s.%d@shop.example.com", strings.ReplaceAll(tag, " ", "-"), i)
		_, err := pool.SendEmail(context.Background(), m)
		got := "sent"
		switch {
		case IsConfig(err):
			got = "configuration error"
		case IsPermanent(err):
			got = "permanent"
		case err != nil:
			got = "temporary"
		}
		if got != s.want {
			t.Errorf("step %d to %s: %s (%v), want %s", i, s.local, got, err, s.want)
		}
		if s.says != "" && (err == nil || !strings.Contains(err.Error(), s.says)) {
			t.Errorf("step %d to %s: error %v does not carry Postfix's %q", i, s.local, err, s.says)
		}
	}
}

// TestPostfixRateLimitIsTemporary: past smtpd_client_message_rate_limit Postfix answers MAIL
// FROM with "450 4.7.1 Error: too much mail from ...": temporary, never permanent, the
// session stays usable, and the pacer halves the domain's rate (pace.go).
func TestPostfixRateLimitIsTemporary(t *testing.T) {
	t.Parallel()
	pf := setupPostfix(t)
	for _, mode := range interopModes {
		t.Run(mode.name, func(t *testing.T) {
			domain := interopDomain("limit", mode.name)
			pool, dials := interopPool(t, pf.LimitedAddr, mode.name, mode.tls, mode.source, pf.RootCAs, 1, false, false)
			pacer, err := NewPacer(PaceConfig{BackoffStart: 1000}, nil, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			pool.cfg.Pacer = pacer
			var steps []edgeStep
			for i := range interopRateLimit + 2 {
				step := edgeStep{fmt.Sprintf("r%d", i), "sent", ""}
				if i >= interopRateLimit {
					step.want, step.says = "temporary", `450 "4.7.1 Error: too much mail from`
				}
				steps = append(steps, step)
			}
			runSteps(t, pool, steps, domain, "limit")
			if d := dials.Load(); d != 1 {
				t.Errorf("%d sessions opened, want 1", d)
			}
			pacer.mu.Lock()
			st := pacer.backoff[domain]
			pacer.mu.Unlock()
			if st == nil || st.rate != 500 {
				t.Errorf("pacing of %s after Postfix's 450s: %+v, want the rate halved once to 500/s", domain, st)
			}
			pf.WaitDelivered(t, domain, interopRateLimit, 30*time.Second)
		})
	}
}
