package channels

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// scriptedServer is an SMTP server on loopback that offers PIPELINING and CHUNKING. On its
// first connection it accepts one message, then, having read the whole of the second
// pipelined BDAT transaction, does what cut says: "before MAIL" hangs up without a reply,
// "after MAIL" answers MAIL and hangs up. Later connections accept every message.
type scriptedServer struct {
	addr      string
	conns     atomic.Int32
	delivered atomic.Int32
}

func startScripted(t *testing.T, cut string) *scriptedServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	s := &scriptedServer{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n := s.conns.Add(1)
			go s.serve(c, n == 1, cut)
		}
	}()
	return s
}

func (s *scriptedServer) serve(c net.Conn, first bool, cut string) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(line string) { _, _ = w.WriteString(line + "\r\n"); _ = w.Flush() }
	reply("220 scripted.test ESMTP")
	transactions := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"):
			reply("250-scripted.test\r\n250-PIPELINING\r\n250 CHUNKING")
		case strings.HasPrefix(cmd, "MAIL"):
			// The rest of the pipelined group: RCPT, BDAT and the chunk.
			rcpt, _ := r.ReadString('\n')
			f := strings.Fields(must1(r.ReadString('\n')))
			if !strings.HasPrefix(strings.ToUpper(rcpt), "RCPT") || len(f) != 3 || f[0] != "BDAT" {
				return
			}
			size, _ := strconv.Atoi(f[1])
			if _, err := r.Discard(size); err != nil {
				return
			}
			transactions++
			cutNow := first && transactions == 2
			if cutNow && cut == "before MAIL" {
				return
			}
			reply("250 2.1.0 ok")
			if cutNow {
				return
			}
			reply("250 2.1.5 ok")
			reply("250 2.0.0 ok: queued as Q" + strconv.Itoa(int(s.delivered.Add(1))))
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 5.5.2 unknown command")
		}
	}
}

func must1(s string, _ error) string { return s }

// TestChunkedTransactionOnALostConnection pins what a broken connection means on the one-round-
// trip path: no answer at all to MAIL is a dead session, redialled once and delivered once; a
// connection lost after MAIL was answered leaves the outcome unknown and nothing is resent.
func TestChunkedTransactionOnALostConnection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cut                  string
		wantUnknown          bool
		wantDelivered, conns int32
	}{
		{"before MAIL", false, 2, 2},
		{"after MAIL", true, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.cut, func(t *testing.T) {
			t.Parallel()
			srv := startScripted(t, c.cut)
			pool, err := NewSMTPPool(SMTPConfig{URL: "smtp://" + srv.addr + "?tls=none", From: "Shop <shop@example.com>",
				Size: 1, Timeout: 5 * time.Second}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = pool.Close() })
			if _, err := pool.SendEmail(context.Background(), &Email{To: "first@example.com", Subject: "1", Text: "one", MessageID: "1@x.test"}); err != nil {
				t.Fatal(err)
			}
			_, err = pool.SendEmail(context.Background(), &Email{To: "anna@example.com", Subject: "2", Text: "two", MessageID: "2@x.test"})
			if c.wantUnknown {
				if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrTemporary) {
					t.Fatalf("err = %v, want temporary with the outcome unknown", err)
				}
			} else if err != nil {
				t.Fatalf("err = %v, want the message delivered over a new session", err)
			}
			if d, n := srv.delivered.Load(), srv.conns.Load(); d != c.wantDelivered || n != c.conns {
				t.Fatalf("%d delivered over %d connections, want %d over %d", d, n, c.wantDelivered, c.conns)
			}
		})
	}
}
