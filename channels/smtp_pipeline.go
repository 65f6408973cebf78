package channels

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
)

// A transaction without pipelining costs four round trips: MAIL, RCPT, DATA and the content,
// each waiting for the server's reply before the next command is written. A server that offers
// PIPELINING (RFC 2920: Postfix, Exim, Sendmail, every large provider) takes MAIL, RCPT and
// DATA in one write and answers them in order, so a message costs two round trips: half the
// network waits and half the system calls on both sides. go-mail sends one command at a time;
// its smtp.Client exports its textproto connection for extensions, which is what this uses,
// after go-mail has opened, secured and authenticated the session.
//
// RFC 2920 §3.1: DATA may only end a group, and the content waits for the 354. A server must
// answer every command of the group, so the replies are read in full whatever the first ones
// say, which leaves the session in a known state for the next message. A server that also
// offers CHUNKING (RFC 3030: Postfix, Exim, Exchange, Gmail) takes the content as a BDAT
// chunk in the same write, so a message costs one round trip (sendChunked).

// stageError is a failed pipelined transaction, classified like go-mail's SendError: the stage
// that failed and the server's reply code (0 when the connection failed rather than the server
// answering).
type stageError struct {
	reason mail.SendErrReason
	code   int
	err    error
	// what names the stage when go-mail's words for reason would mislead (BDAT).
	what string
	// local: the message could not be written out, before anything went to the server.
	local bool
}

func (e *stageError) Error() string {
	what := e.what
	if what == "" {
		what = e.reason.String()
	}
	return what + ": " + e.err.Error()
}
func (e *stageError) Unwrap() error { return e.err }

func failedAt(reason mail.SendErrReason, err error) *stageError {
	se := &stageError{reason: reason, err: err}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		se.code = tpe.Code
	}
	return se
}

// pipelineOK reports whether msg can go in one pipelined group: the server offers PIPELINING
// and the message has exactly one recipient. With several, a refused recipient must cancel the
// whole message, as go-mail's path does, and a DATA already accepted for the others could not
// be taken back.
func (c *smtpConn) pipelineOK(rcpts []string) bool {
	return c.pipelining && len(rcpts) == 1
}

// sendPipelined sends msg in one pipelined transaction, one round trip with CHUNKING
// (sendChunked), two otherwise (sendWithData), and returns the server's final reply (which may
// name a queue id). timeout bounds the exchange, as go-mail's own deadline does on its path;
// the watched context caps it further (deadlineConn).
func (c *smtpConn) sendPipelined(msg *mail.Msg, from, rcpt string, timeout time.Duration) (string, error) {
	if strings.ContainsAny(from, "\r\n") {
		return "", &stageError{reason: mail.ErrGetSender, err: errors.New("sender contains CR or LF")}
	}
	if strings.ContainsAny(rcpt, "\r\n") {
		return "", &stageError{reason: mail.ErrGetRcpts, err: errors.New("recipient contains CR or LF")}
	}
	if err := c.smtp.UpdateDeadline(timeout); err != nil {
		return "", &stageError{reason: mail.ErrConnCheck, err: err}
	}
	if c.chunking {
		return c.sendChunked(msg, from, rcpt)
	}
	return c.sendWithData(msg, from, rcpt)
}

// sendWithData writes MAIL, RCPT and DATA in one group, reads their replies, then sends the
// content after the 354.
func (c *smtpConn) sendWithData(msg *mail.Msg, from, rcpt string) (string, error) {
	text := c.smtp.Text
	w := text.W
	c.writeEnvelope(w, from, rcpt)
	_, _ = w.WriteString("DATA\r\n")
	if err := w.Flush(); err != nil {
		// Nothing reached the server as a whole transaction: it ends with the connection.
		return "", &stageError{reason: mail.ErrSMTPMailFrom, err: err}
	}
	refused, err := readMailReply(text)
	if err != nil {
		return "", err
	}
	if _, _, err := text.ReadResponse(25); err != nil {
		if !isReply(err) {
			// A server that refused MAIL (421: closing) may have hung up: its answer says more.
			return "", cmpStage(refused, failedAt(mail.ErrSMTPRcptTo, err))
		}
		if refused == nil {
			refused = failedAt(mail.ErrSMTPRcptTo, err)
		}
	}
	if _, _, err := text.ReadResponse(354); err != nil {
		return "", cmpStage(refused, failedAt(mail.ErrSMTPData, err))
	}
	if refused != nil {
		// A server must refuse DATA when it refused the sender or the only recipient; one that
		// opened it anyway gets an empty content, which it cannot deliver to anybody, and its
		// answer is read so the session stays in step.
		if _, err := w.WriteString(".\r\n"); err == nil {
			if err = w.Flush(); err == nil {
				_, _, err = text.ReadResponse(250)
			}
			if err != nil && !isReply(err) {
				return "", failedAt(refused.reason, fmt.Errorf("%w (then: %w)", refused.err, err))
			}
		}
		return "", refused
	}
	dw := &dotWriter{w: w}
	if _, err := msg.WriteTo(dw); err != nil {
		return "", failedAt(mail.ErrWriteContent, err)
	}
	if err := dw.Close(); err != nil {
		return "", failedAt(mail.ErrSMTPDataClose, err)
	}
	_, reply, err := text.ReadResponse(250)
	if err != nil {
		return "", failedAt(mail.ErrSMTPDataClose, err)
	}
	return reply, nil
}

// cmpStage returns the first of the two that is not nil.
func cmpStage(a, b *stageError) *stageError {
	if a != nil {
		return a
	}
	return b
}

// writeEnvelope writes MAIL and RCPT of one transaction, with the MAIL parameters go-mail
// would send to this server.
func (c *smtpConn) writeEnvelope(w *bufio.Writer, from, rcpt string) {
	_, _ = w.WriteString("MAIL FROM:")
	_, _ = w.WriteString(from)
	_, _ = w.WriteString(c.mailParams)
	_, _ = w.WriteString("\r\nRCPT TO:")
	_, _ = w.WriteString(rcpt)
	_, _ = w.WriteString("\r\n")
}

// readMailReply reads the answer to a pipelined MAIL: refused is the server's refusal (the
// rest of the group's answers are still to be read), err a connection that gave no answer at
// all, which both transactions take as nothing received.
func readMailReply(text *textproto.Conn) (refused *stageError, err error) {
	if _, _, err := text.ReadResponse(250); err != nil {
		if !isReply(err) {
			return nil, failedAt(mail.ErrSMTPMailFrom, err)
		}
		return failedAt(mail.ErrSMTPMailFrom, err), nil
	}
	return nil, nil
}

// isReply reports whether err is the server's answer rather than a failed connection.
func isReply(err error) bool {
	var tpe *textproto.Error
	return errors.As(err, &tpe)
}

// dotWriter is textproto's DotWriter (dot-stuffing, bare LF to CRLF, ".\r\n" at the end),
// byte for byte, but copying whole lines instead of one byte at a time: the content of every
// message goes through it, and textproto's byte loop cost more than the rest of the
// transaction's own work.
type dotWriter struct {
	w     *bufio.Writer
	state int
	// noDots leaves lines that start with a dot as they are (BDAT content) and only mends
	// line endings; Close is not used then.
	noDots bool
}

// States of textproto's dotWriter, with the same meaning.
const (
	dotBegin     = iota // nothing written yet
	dotBeginLine        // at the start of a line
	dotCR               // after a \r that may end a line
	dotData             // in the middle of a line
)

func (d *dotWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		if d.state == dotBegin || d.state == dotBeginLine {
			if b[0] == '.' && !d.noDots {
				_ = d.w.WriteByte('.')
			}
			d.state = dotData
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			d.state = afterCRs(d.state, b)
			if _, err := d.w.Write(b); err != nil {
				return 0, err
			}
			return n, nil
		}
		line := b[:i]
		if _, err := d.w.Write(line); err != nil {
			return 0, err
		}
		if afterCRs(d.state, line) != dotCR {
			_ = d.w.WriteByte('\r')
		}
		if err := d.w.WriteByte('\n'); err != nil {
			return 0, err
		}
		d.state = dotBeginLine
		b = b[i+1:]
	}
	return n, nil
}

// afterCRs is the state after writing s (no \n in it) from state st: textproto's machine goes
// to dotCR on a \r and back to dotData on the next byte, whatever it is, so only the parity of
// the trailing run of \r counts.
func afterCRs(st int, s []byte) int {
	run := 0
	for run < len(s) && s[len(s)-1-run] == '\r' {
		run++
	}
	if run < len(s) || st != dotCR {
		st = dotData
		if len(s) == 0 {
			return st
		}
		if run%2 == 1 {
			return dotCR
		}
		return dotData
	}
	// The whole of s is \r after a \r.
	if run%2 == 1 {
		return dotData
	}
	return dotCR
}

// Close ends the content as textproto does and flushes it.
func (d *dotWriter) Close() error {
	switch d.state {
	default:
		_ = d.w.WriteByte('\r')
		fallthrough
	case dotCR:
		_ = d.w.WriteByte('\n')
		fallthrough
	case dotBeginLine:
		_, _ = d.w.WriteString(".\r\n")
	}
	return d.w.Flush()
}

// sendChunked sends msg as MAIL, RCPT and one BDAT chunk (RFC 3030 CHUNKING) in a single write
// and reads the three replies: one round trip per message. The content goes out before the
// server has answered MAIL and RCPT, which RFC 3030 allows with PIPELINING: a server that
// refuses them refuses the BDAT too and discards its chunk.
//
// What a failed connection means changes with it. No answer at all to MAIL (the connection
// was dead, as when a server dropped an idle session) is taken as nothing received, and the
// pool redials once, as it does on the DATA path; the server could, in principle, have taken
// the whole message and died before sending a single reply, the same narrow window in which
// a lost reply to the final "." duplicates a message on any SMTP client. A connection lost
// after MAIL was answered leaves the outcome unknown: the message is not sent again.
func (c *smtpConn) sendChunked(msg *mail.Msg, from, rcpt string) (string, error) {
	cb := chunkBuffers.Get().(*chunkBuffer)
	defer chunkBuffers.Put(cb)
	cb.buf.Reset()
	cb.w.Reset(&cb.buf)
	// The same line endings as on the DATA path (bare LF becomes CRLF), without dot-stuffing:
	// a chunk is counted, not terminated.
	cw := &dotWriter{w: cb.w, noDots: true}
	if _, err := msg.WriteTo(cw); err != nil {
		return "", &stageError{reason: mail.ErrWriteContent, err: err, local: true}
	}
	if err := cb.w.Flush(); err != nil {
		return "", &stageError{reason: mail.ErrWriteContent, err: err, local: true}
	}
	text := c.smtp.Text
	w := text.W
	c.writeEnvelope(w, from, rcpt)
	_, _ = w.WriteString("BDAT ")
	_, _ = w.WriteString(strconv.Itoa(cb.buf.Len()))
	_, _ = w.WriteString(" LAST\r\n")
	_, _ = w.Write(cb.buf.Bytes())
	if err := w.Flush(); err != nil {
		// Not all of the chunk left: the server cannot complete the transaction.
		return "", &stageError{reason: mail.ErrSMTPMailFrom, err: err}
	}
	refused, err := readMailReply(text)
	if err != nil {
		return "", err
	}
	lost := func(err error) (string, error) {
		se := failedAt(mail.ErrSMTPDataClose, err)
		se.what = "reading the replies to a BDAT transaction"
		return "", cmpStage(refused, se)
	}
	if _, _, err := text.ReadResponse(25); err != nil {
		if !isReply(err) {
			return lost(err)
		}
		if refused == nil {
			refused = failedAt(mail.ErrSMTPRcptTo, err)
		}
	}
	_, reply, err := text.ReadResponse(250)
	switch {
	case err != nil && !isReply(err):
		return lost(err)
	case refused != nil:
		// Refused sender or recipient: whatever the server said to the chunk, nobody gets it.
		return "", refused
	case err != nil:
		se := failedAt(mail.ErrSMTPDataClose, err)
		se.what = "sending the message as a BDAT chunk"
		return "", se
	}
	return reply, nil
}

// chunkBuffer holds one message for BDAT, which needs its size before the content.
type chunkBuffer struct {
	buf bytes.Buffer
	w   *bufio.Writer
}

var chunkBuffers = sync.Pool{New: func() any {
	cb := &chunkBuffer{}
	cb.w = bufio.NewWriterSize(&cb.buf, 4096)
	return cb
}}
