package channels

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"mime"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail"

	"github.com/rapporthq/rapport/internal/testenv"
)

// strictLines refuses, as Exchange and Gmail do, a message with a line over 998 octets.
func strictLines(r testenv.Received) error {
	for line := range bytes.SplitSeq(r.Raw, []byte("\r\n")) {
		if len(line) > maxLineOctets {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "line too long"}
		}
	}
	return nil
}

func TestOverlongNameAndSubjectAreFoldedOnEveryTransport(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("a", 10000)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			b := setupTransport(t, tr.noPipelining, tr.noChunking)
			b.sink.Respond(strictLines)
			m := testEmail(1)
			m.ToName, m.Subject = name, "Thank you, "+name
			if _, err := b.pool.SendEmail(context.Background(), m); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := b.sink.Wait(t, 1, 2*time.Second)[0]
			if got.Subject != m.Subject {
				t.Errorf("subject decodes to %d characters, want the %d written", len(got.Subject), len(m.Subject))
			}
			to, err := netmail.ParseAddress(got.Header.Get("To"))
			if err != nil {
				t.Fatalf("To header: %v", err)
			}
			if to.Name != name[:maxDisplayName] || to.Address != m.To {
				t.Errorf("To = %d-character name <%s>, want the name cut to %d", len(to.Name), to.Address, maxDisplayName)
			}
		})
	}
}

func TestSubjectThatLooksEncodedIsShownLiterally(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	subjects := []string{
		"=?utf-8?q?Free_money?=",
		"Hello =?UTF-8?B?SGVsbG8=?= there",
		"Привет =?utf-8?q?=D0=9F?= мир",
		"A_b =?x",
	}
	for i, subject := range subjects {
		m := testEmail(i)
		m.Subject = subject
		if _, err := b.pool.SendEmail(context.Background(), m); err != nil {
			t.Fatalf("send %q: %v", subject, err)
		}
	}
	dec := new(mime.WordDecoder)
	for i, got := range b.sink.Wait(t, len(subjects), 2*time.Second) {
		shown, err := dec.DecodeHeader(got.Header.Get("Subject"))
		if err != nil || shown != subjects[i] {
			t.Errorf("subject %q is shown as %q (%v)", subjects[i], shown, err)
		}
	}
}

func TestEncodedWordsDecodeToTheOriginalAndFitALine(t *testing.T) {
	t.Parallel()
	alphabet := []rune("ab Z09_=?!*+-/\"()<>é日本🙂\t")
	rng := rand.New(rand.NewPCG(1, 2))
	dec := new(mime.WordDecoder)
	for range 500 {
		rs := make([]rune, rng.IntN(300))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(rs)
		enc := encodeWords(s)
		for w := range strings.SplitSeq(enc, " ") {
			if len(w) > 75 || !utf8.ValidString(w) || strings.ContainsAny(w, "\t\r\n") {
				t.Fatalf("word %q of %q: longer than 75 or not plain", w, s)
			}
		}
		if got, err := dec.DecodeHeader(enc); err != nil || got != s {
			t.Fatalf("encodeWords(%q) = %q decodes to %q (%v)", s, enc, got, err)
		}
	}
}

func TestContentRefusalIsPermanentForTheMessageOnly(t *testing.T) {
	t.Parallel()
	refusals := []struct {
		name string
		err  *smtp.SMTPError
	}{
		{"554 5.6.0 line too long", &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "line too long"}},
		{"552 message too big", &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message size exceeds fixed limit"}},
		{"550 5.6.211 invalid MIME", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 211}, Message: "Invalid MIME content"}},
	}
	for _, tr := range transports {
		for _, c := range refusals {
			t.Run(tr.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				b := setupTransport(t, tr.noPipelining, tr.noChunking)
				b.sink.Respond(func(testenv.Received) error { return c.err })
				_, err := b.pool.SendEmail(context.Background(), testEmail(1))
				if !IsPermanent(err) || !IsContentRefused(err) || IsConfig(err) {
					t.Fatalf("err = %v, want permanent, content refused, not a configuration error", err)
				}
			})
		}
	}
}

// TestRepliesAreClassifiedByStageAndText covers replies the sink cannot be made to give at
// the stage where real servers give them.
func TestRepliesAreClassifiedByStageAndText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		reason                 mail.SendErrReason
		code                   int
		msg                    string
		wantContent, wantConfg bool
	}{
		{"go-smtp's long line read ahead with MAIL", mail.ErrSMTPMailFrom, 500, "5.4.0 Too long line, closing connection", true, false},
		{"SIZE refused at MAIL", mail.ErrSMTPMailFrom, 552, "5.3.4 Message size exceeds fixed maximum message size", true, false},
		{"sender refused at MAIL", mail.ErrSMTPMailFrom, 553, "5.7.1 Sender address rejected: not owned by user", false, true},
		{"mailbox full at RCPT", mail.ErrSMTPRcptTo, 552, "5.2.2 Mailbox size exceeds quota", false, false},
		{"unknown user at RCPT", mail.ErrSMTPRcptTo, 550, "5.1.1 User unknown", false, false},
		{"spam at the end of DATA", mail.ErrSMTPDataClose, 554, "5.7.1 Message rejected as spam", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := failedAt(c.reason, &textproto.Error{Code: c.code, Msg: c.msg})
			out := classifySend(context.Background(), err)
			if !IsPermanent(out.err) || IsContentRefused(out.err) != c.wantContent || IsConfig(out.err) != c.wantConfg {
				t.Fatalf("%v: got %v, want content=%v config=%v", err, out.err, c.wantContent, c.wantConfg)
			}
			if !errors.Is(out.err, err) {
				t.Fatalf("classified error %v lost the server's reply", out.err)
			}
		})
	}
}
