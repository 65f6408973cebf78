package channels

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"testing"

	"github.com/wneessen/go-mail/smtp"
)

func TestDialErrorsAreClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		err             error
		temporary, conf bool
	}{
		{"connection refused is temporary", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true, false},
		{"EOF during the greeting is temporary", io.EOF, true, false},
		{"421 at the greeting is temporary", &textproto.Error{Code: 421, Msg: "too busy"}, true, false},
		{"535 to AUTH blames the credentials", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "5.7.8 bad credentials"}), false, true},
		{"554 at the greeting blames our host", &textproto.Error{Code: 554, Msg: "no SMTP service for you"}, false, true},
		{"missing STARTTLS blames the tls mode", errors.New(`STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`), false, true},
		{"credentials refused in clear text blame the tls mode", smtp.ErrUnencrypted, false, true},
		{"an unverifiable certificate blames the setup", &x509.UnknownAuthorityError{}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := classifyDial(context.Background(), c.err)
			if errors.Is(err, ErrTemporary) != c.temporary || IsConfig(err) != c.conf || IsPermanent(err) == c.temporary {
				t.Fatalf("classifyDial(%v) = %v; want temporary=%v config=%v", c.err, err, c.temporary, c.conf)
			}
		})
	}
}

func TestQueueIDIsReadFromTheReply(t *testing.T) {
	t.Parallel()
	cases := []struct{ reply, want string }{
		{"2.0.0 Ok: queued as 4Zx9Kq1c2Vz3", "4Zx9Kq1c2Vz3"},
		{"OK id=1abcDE-0001", ""},
		{"Ok 0100018c1d2e3f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a-000000", "0100018c1d2e3f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a-000000"},
		{"2.0.0 OK: queued", ""},
		{"2.0.0 OK  1700000000 abc.123 - gsmtp", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := queueID(c.reply); got != c.want {
			t.Errorf("queueID(%q) = %q, want %q", c.reply, got, c.want)
		}
	}
}
