package channels

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rapporthq/rapport/internal/testenv"
)

// transports are the three ways a message goes out: MAIL, RCPT and a BDAT chunk in one write
// (the server offers PIPELINING and CHUNKING, as the sink does), MAIL, RCPT and DATA in one
// write then the content, and go-mail's one command at a time.
var transports = []struct {
	name                     string
	noPipelining, noChunking bool
}{
	{"pipelined with BDAT", false, false},
	{"pipelined with DATA", false, true},
	{"one command at a time", true, true},
}

func setupTransport(t *testing.T, noPipelining, noChunking bool) *smtpBundle {
	t.Helper()
	sink := testenv.NewSMTP(t)
	pool, err := NewSMTPPool(SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: 1, Timeout: 5 * time.Second}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	pool.noPipelining, pool.noChunking = noPipelining, noChunking
	t.Cleanup(func() { _ = pool.Close() })
	return &smtpBundle{sink: sink, pool: pool}
}

func TestEveryTransportDeliversTheSameBytes(t *testing.T) {
	t.Parallel()
	var got [3]testenv.Received
	var ids [3]string
	for i, tr := range transports {
		b := setupTransport(t, tr.noPipelining, tr.noChunking)
		for n := range 3 {
			r, err := b.pool.SendEmail(context.Background(), testEmail(n))
			if err != nil {
				t.Fatalf("%s: send %d: %v", tr.name, n, err)
			}
			ids[i] = r.ProviderID
		}
		msgs := b.sink.Wait(t, 3, 2*time.Second)
		if len(msgs) != 3 || b.sink.Sessions() != 1 {
			t.Fatalf("%s: %d messages over %d sessions, want 3 over 1", tr.name, len(msgs), b.sink.Sessions())
		}
		b.pool.mu.Lock()
		c := b.pool.idle[0]
		b.pool.mu.Unlock()
		if c.pipelining == tr.noPipelining || c.chunking == tr.noChunking {
			t.Fatalf("%s: connection pipelining = %v, chunking = %v", tr.name, c.pipelining, c.chunking)
		}
		got[i] = msgs[2]
	}
	for i := 1; i < len(got); i++ {
		if got[0].From != got[i].From || strings.Join(got[0].To, ",") != strings.Join(got[i].To, ",") {
			t.Errorf("envelope differs: %q %q vs %q %q", got[0].From, got[0].To, got[i].From, got[i].To)
		}
		if !bytes.Equal(withoutDate(got[0].Raw), withoutDate(got[i].Raw)) {
			t.Errorf("%s and %s delivered different bytes:\n%s\n----\n%s", transports[0].name, transports[i].name, got[0].Raw, got[i].Raw)
		}
		if ids[0] != ids[i] || ids[0] == "" {
			t.Errorf("provider ids %q and %q, want the same non-empty id", ids[0], ids[i])
		}
	}
}

func TestEnvelopeRejectionsAreClassifiedOnEveryTransport(t *testing.T) {
	t.Parallel()
	refuse := func(code int) func(string) error {
		return func(addr string) error { return testenv.Reject(code, "no thanks, <"+addr+">") }
	}
	cases := []struct {
		name               string
		mail, rcpt         func(string) error
		data               func(testenv.Received) error
		wantPerm, wantConf bool
	}{
		{"sender refused 550 is a configuration error", refuse(550), nil, nil, true, true},
		{"sender deferred 451 is temporary", refuse(451), nil, nil, false, false},
		{"recipient refused 550 is permanent", nil, refuse(550), nil, true, false},
		{"recipient deferred 452 is temporary", nil, refuse(452), nil, false, false},
		{"content refused 554 is permanent", nil, nil, func(testenv.Received) error { return testenv.Reject(554, "spam") }, true, false},
	}
	for _, tr := range transports {
		for _, c := range cases {
			t.Run(tr.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				b := setupTransport(t, tr.noPipelining, tr.noChunking)
				b.sink.RespondEnvelope(c.mail, c.rcpt)
				b.sink.Respond(c.data)
				_, err := b.pool.SendEmail(context.Background(), testEmail(1))
				if err == nil {
					t.Fatal("refused message reported as sent")
				}
				if IsPermanent(err) != c.wantPerm || errors.Is(err, ErrTemporary) == c.wantPerm || IsConfig(err) != c.wantConf {
					t.Fatalf("err = %v, want permanent=%v config=%v", err, c.wantPerm, c.wantConf)
				}
				if strings.Contains(err.Error(), "anna1@") {
					t.Fatalf("error leaks the address: %v", err)
				}
				b.sink.RespondEnvelope(nil, nil)
				b.sink.Respond(nil)
				if _, err := b.pool.SendEmail(context.Background(), testEmail(2)); err != nil {
					t.Fatalf("next send after the refusal: %v", err)
				}
				msgs := b.sink.Wait(t, 1, 2*time.Second)
				if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Анна") || msgs[0].To[0] != "anna2@example.com" {
					t.Fatalf("after the refusal got %d messages: %+v", len(msgs), msgs)
				}
				if s := b.sink.Sessions(); s != 1 {
					t.Fatalf("%d sessions, want the refused session reused", s)
				}
			})
		}
	}
}

func TestPipelinedSendsFromManyGoroutinesArriveOnce(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := b.pool.SendEmail(context.Background(), testEmail(i))
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, m := range b.sink.Wait(t, n, 5*time.Second) {
		if seen[m.To[0]] {
			t.Fatalf("%s twice", m.To[0])
		}
		seen[m.To[0]] = true
	}
	for i := range n {
		if to := fmt.Sprintf("anna%d@example.com", i); !seen[to] {
			t.Fatalf("%s missing", to)
		}
	}
}

// withoutDate drops the Date header and MIME boundaries, the only parts of a message that
// differ from one build to the next.
func withoutDate(raw []byte) []byte {
	var out [][]byte
	boundary := ""
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.HasPrefix(line, []byte("Date: ")) {
			continue
		}
		if i := bytes.Index(line, []byte("boundary=")); i >= 0 && boundary == "" {
			boundary = string(bytes.Trim(line[i+len("boundary="):], `"`))
		}
		if boundary != "" {
			line = bytes.ReplaceAll(line, []byte(boundary), []byte("BOUNDARY"))
		}
		out = append(out, line)
	}
	return bytes.Join(out, []byte("\r\n"))
}

// TestDotWriterMatchesTextproto feeds both writers the same bytes, cut at random places, from
// an alphabet that makes every corner likely: leading dots, bare LF, CR LF, lone and doubled CR.
func TestDotWriterMatchesTextproto(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("a.\r\n")
	for i := range 20000 {
		in := make([]byte, rng.IntN(24))
		for j := range in {
			in[j] = alphabet[rng.IntN(len(alphabet))]
		}
		var want, got, plain bytes.Buffer
		tw := textproto.NewWriter(bufio.NewWriter(&want))
		dw := tw.DotWriter()
		ours := &dotWriter{w: bufio.NewWriter(&got)}
		chunk := &dotWriter{w: bufio.NewWriter(&plain), noDots: true}
		for rest := in; ; {
			k := 0
			if len(rest) > 0 {
				k = rng.IntN(len(rest) + 1)
			}
			if _, err := dw.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			if _, err := ours.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			if _, err := chunk.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			if rest = rest[k:]; len(rest) == 0 {
				break
			}
		}
		if err := dw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := ours.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Fatalf("case %d: %q: textproto wrote %q, dotWriter %q", i, in, want.Bytes(), got.Bytes())
		}
		// Without dot-stuffing (BDAT): textproto's lines with their stuffed dot taken off.
		if err := chunk.Close(); err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(want.Bytes(), []byte("\r\n"))
		for j := range len(lines) - 2 { // the last two are the terminator "." and ""
			lines[j] = bytes.TrimPrefix(lines[j], []byte("."))
		}
		if unstuffed := bytes.Join(lines, []byte("\r\n")); !bytes.Equal(unstuffed, plain.Bytes()) {
			t.Fatalf("case %d: %q: without dots want %q, dotWriter %q", i, in, unstuffed, plain.Bytes())
		}
	}
}

func BenchmarkDotWriter(b *testing.B) {
	msg := bytes.Repeat([]byte("Thank you for shopping with us. The Rapport Demo Shop team=\r\n.leading dot\r\n"), 32)
	b.Run("textproto", func(b *testing.B) {
		tw := textproto.NewWriter(bufio.NewWriter(io.Discard))
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			dw := tw.DotWriter()
			_, _ = dw.Write(msg)
			_ = dw.Close()
		}
	})
	b.Run("lines", func(b *testing.B) {
		w := bufio.NewWriter(io.Discard)
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			dw := &dotWriter{w: w}
			_, _ = dw.Write(msg)
			_ = dw.Close()
		}
	})
}
