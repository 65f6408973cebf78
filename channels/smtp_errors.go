package channels

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"syscall"
	"time"

	"github.com/wneessen/go-mail"
)

// sendOutcome is what a failed attempt means for the message and for the connection.
type sendOutcome struct {
	err error // wraps ErrTemporary or ErrPermanent (and ErrConfig when the sender is at fault)
	// redial: the failure came from the connection before the server received any content, so
	// the same message may go out once more over a fresh connection.
	redial bool
	// reusable: the session is in a known state (the server answered) and may serve the next
	// message after an RSET.
	reusable bool
}

// classifySend reads a failed send: go-mail's SendError (which does not unwrap to the underlying
// error, but carries the stage as Reason and the server's reply code, 0 when the connection
// failed rather than the server answering), or the pipelined path's stageError, which carries
// the same two.
//
// The rule that matters: once DATA was accepted (content writing, the final reply), a failed
// connection leaves the outcome unknown, because the server may have queued the message. Such a
// failure is temporary and never resent here; the caller's claim decides about a retry.
func classifySend(ctx context.Context, err error) sendOutcome {
	var (
		reason mail.SendErrReason
		code   int
		ge     *mail.SendError
		pe     *stageError
	)
	switch {
	case errors.As(err, &ge):
		reason, code, err = ge.Reason, ge.ErrorCode(), ge
	case errors.As(err, &pe) && pe.local:
		// go-mail could not write the message out (a signing failure): nothing was sent.
		return sendOutcome{err: fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, pe), reusable: true}
	case errors.As(err, &pe):
		reason, code, err = pe.reason, pe.code, pe
	default:
		return sendOutcome{err: fmt.Errorf("%w: %w", ErrTemporary, err)}
	}
	beforeContent := false
	switch reason {
	case mail.ErrConnCheck, mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData:
		beforeContent = true
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		// Local checks on the message, before any command: the session is untouched.
		return sendOutcome{err: fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err), reusable: true}
	}
	switch {
	case ctxDone(ctx) != nil && code == 0:
		// The call's own deadline or cancellation cut the exchange.
		if !beforeContent {
			return sendOutcome{err: fmt.Errorf("%w: %w: %w (%s)", ErrTemporary, ErrOutcomeUnknown, ctxDone(ctx), unknownIf(true, err))}
		}
		return sendOutcome{err: fmt.Errorf("%w: %w (%s)", ErrTemporary, ctxDone(ctx), unknownIf(false, err))}
	case code == 421:
		// "Service not available, closing channel": typically an idle session the server dropped.
		return sendOutcome{err: fmt.Errorf("%w: %w", ErrTemporary, err), redial: beforeContent}
	case code >= 500 && refusesContent(reason, code, err):
		return sendOutcome{err: fmt.Errorf("%w: %w: %w", ErrPermanent, ErrContentRefused, err), reusable: true}
	case code >= 500 && reason == mail.ErrSMTPMailFrom:
		// The server refuses our sender (relay denied, sender not owned): nothing about the recipient.
		return sendOutcome{err: fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err), reusable: true}
	case code >= 500:
		return sendOutcome{err: fmt.Errorf("%w: %w", ErrPermanent, err), reusable: true}
	case code >= 400:
		return sendOutcome{err: fmt.Errorf("%w: %w", ErrTemporary, err), reusable: true}
	case beforeContent:
		return sendOutcome{err: fmt.Errorf("%w: connection failed before the message was sent: %w", ErrTemporary, err), redial: true}
	}
	return sendOutcome{err: fmt.Errorf("%w: %w: connection failed during DATA: %w", ErrTemporary, ErrOutcomeUnknown, err)}
}

// contentRefusal finds, in a server's reply, the refusal of a message's content rather than of
// its sender or recipient: enhanced status 5.6.x (media errors) or 5.3.4 (message too big for
// the system, RFC 3463), or the words servers use for a line or message too long. Postfix:
// "552 5.3.4 Message size exceeds fixed limit"; Exchange: "554 5.6.211 Invalid MIME content";
// go-smtp: "500 5.4.0 Too long line, closing connection", which a pipelined client reads as
// the answer to MAIL FROM because the server read the long line ahead with the commands.
var contentRefusal = regexp.MustCompile(`(?i)\b5\.6\.\d{1,3}\b|\b5\.3\.4\b|line too long|too long (?:a )?line|message (?:is )?too (?:big|large)|message size exceeds`)

// refusesContent reports whether a 5xx reply refuses the message's content. 552 at RCPT is a
// full mailbox, the recipient's; anywhere else it is "exceeded storage allocation": the
// message's size (RFC 5321 §4.2.2 and §4.5.3.1.10).
func refusesContent(reason mail.SendErrReason, code int, err error) bool {
	if code == 552 && reason != mail.ErrSMTPRcptTo {
		return true
	}
	return contentRefusal.MatchString(err.Error())
}

func unknownIf(unknown bool, err error) string {
	if unknown {
		return "outcome unknown: " + err.Error()
	}
	return "nothing sent: " + err.Error()
}

// classifyDial reads an error from opening a session. Network failures and 4xx replies are
// temporary; anything else is the sending side's configuration: a 5xx to EHLO or AUTH
// (credentials), STARTTLS missing under tls=required, a certificate that does not verify,
// credentials refused over an unencrypted connection.
func classifyDial(ctx context.Context, err error) error {
	if cerr := ctxDone(ctx); cerr != nil {
		return fmt.Errorf("%w: %w (%w)", ErrTemporary, cerr, err)
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		if tpe.Code >= 400 && tpe.Code < 500 {
			return fmt.Errorf("%w: %w", ErrTemporary, err)
		}
		return fmt.Errorf("%w: %w: %w (check the smtp url, credentials and sender)", ErrPermanent, ErrConfig, err)
	}
	if hint := certificateHint(err); hint != "" {
		return fmt.Errorf("%w: %w: %w (%s)", ErrPermanent, ErrConfig, err, hint)
	}
	if isNetworkError(err) {
		return fmt.Errorf("%w: %w", ErrTemporary, err)
	}
	return fmt.Errorf("%w: %w: %w (check the smtp url, tls mode and credentials)", ErrPermanent, ErrConfig, err)
}

// certificateHint says how to fix a server certificate that does not verify, naming the
// configuration key; "" for any other error.
func certificateHint(err error) string {
	var (
		unknown    x509.UnknownAuthorityError
		unknownPtr *x509.UnknownAuthorityError
		host       x509.HostnameError
		hostPtr    *x509.HostnameError
	)
	switch {
	case errors.As(err, &unknown), errors.As(err, &unknownPtr):
		return "the relay's certificate is signed by an authority this machine does not trust: " +
			"set email.tls_ca_file to the PEM file of the relay's certificate authority"
	case errors.As(err, &host), errors.As(err, &hostPtr):
		return "the relay's certificate is for another name: set email.tls_server_name to a name " +
			"it carries, or use that name in email.smtp_url"
	}
	return ""
}

// ctxDone is ctx.Err(), but also reports a deadline that has passed when the context's own
// timer has not fired yet: the connection's deadline is the same instant, and its timeout can be
// seen first.
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
