package channels

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// aLongTimeAgo is a deadline in the past: setting it makes blocked reads and writes return at
// once.
var aLongTimeAgo = time.Unix(1, 0)

// deadlineConn ties a connection's I/O to the context of the call using it. go-mail's
// SendWithSMTPClient takes no context and sets its own deadline (now + Timeout) before every
// message, so the cap is applied underneath it: while a call is watched, no deadline later than
// the context's is ever set, and cancelling the context interrupts a blocked read or write.
type deadlineConn struct {
	net.Conn // set once by attach, before the SMTP client uses it

	mu    sync.Mutex
	limit time.Time // latest deadline allowed; zero: none
}

// attach sets the dialled connection, applying a cap that a watch set before the dial finished.
func (d *deadlineConn) attach(c net.Conn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Conn = c
	if !d.limit.IsZero() {
		_ = c.SetDeadline(d.limit)
	}
}

func (d *deadlineConn) capped(t time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.limit.IsZero() && (t.IsZero() || t.After(d.limit)) {
		return d.limit
	}
	return t
}

// SetDeadline implements net.Conn, never beyond the watched context's deadline.
func (d *deadlineConn) SetDeadline(t time.Time) error { return d.Conn.SetDeadline(d.capped(t)) }

// SetReadDeadline implements net.Conn, never beyond the watched context's deadline.
func (d *deadlineConn) SetReadDeadline(t time.Time) error {
	return d.Conn.SetReadDeadline(d.capped(t))
}

// SetWriteDeadline implements net.Conn, never beyond the watched context's deadline.
func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	return d.Conn.SetWriteDeadline(d.capped(t))
}

// watch caps deadlines at ctx's until release is called, and interrupts I/O if ctx ends first.
func (d *deadlineConn) watch(ctx context.Context) (release func()) {
	d.mu.Lock()
	d.limit = time.Time{}
	if dl, ok := ctx.Deadline(); ok {
		d.limit = dl
	}
	d.mu.Unlock()
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		d.mu.Lock()
		defer d.mu.Unlock()
		d.limit = aLongTimeAgo
		if d.Conn != nil {
			_ = d.Conn.SetDeadline(aLongTimeAgo)
		}
	})
	return func() {
		if !stop() {
			// The interrupt has started; wait for it so it cannot land on the next call.
			<-interrupted
		}
		d.mu.Lock()
		d.limit = time.Time{}
		d.mu.Unlock()
	}
}

// closeRaw closes the underlying connection, if one was dialled.
func (d *deadlineConn) closeRaw() {
	d.mu.Lock()
	c := d.Conn
	d.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// smtpConn is one pooled SMTP session. Only the holder of a pool slot touches it.
type smtpConn struct {
	mail      *mail.Client // per connection: go-mail's opportunistic AUTH mutates the client
	smtp      *smtp.Client
	raw       *deadlineConn
	idleSince time.Time
	// pipelining: the server offers PIPELINING (smtp_pipeline.go); mailParams are the MAIL FROM
	// parameters go-mail would add for this server (BODY=8BITMIME, SMTPUTF8).
	pipelining bool
	chunking   bool // and CHUNKING: one round trip per message (sendChunked)
	mailParams string
}

// learn reads the session's extensions once, after EHLO.
func (c *smtpConn) learn(allowPipelining, allowChunking bool) {
	if ok, _ := c.smtp.Extension("PIPELINING"); ok && allowPipelining {
		c.pipelining = true
		ok, _ = c.smtp.Extension("CHUNKING")
		c.chunking = ok && allowChunking
	}
	// The same parameters, in the same order, as go-mail's smtp.Client.Mail.
	if ok, _ := c.smtp.Extension("8BITMIME"); ok {
		c.mailParams += " BODY=8BITMIME"
	}
	if ok, _ := c.smtp.Extension("SMTPUTF8"); ok {
		c.mailParams += " SMTPUTF8"
	}
}

// dialFunc returns the dialer go-mail uses for this connection: it wraps the TCP connection in
// raw and, for smtps://, does the TLS handshake itself (go-mail skips its own TLS dialer when a
// dial function is set). tls.Conn stays the outermost layer so that go-mail's smtp client sees
// an encrypted connection and allows PLAIN/LOGIN over it.
func dialFunc(raw *deadlineConn, dialer *net.Dialer, implicit *tls.Config) mail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		raw.attach(c)
		if implicit == nil {
			return raw, nil
		}
		tc := tls.Client(raw, implicit.Clone())
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		return tc, nil
	}
}

// send transmits one message and returns the server's final reply; delivered reports that the
// server took the message even when err is not nil (a failure after the content was accepted).
// With PIPELINING the transaction is smtp_pipeline.go's; otherwise go-mail sends MAIL, RCPT,
// DATA and the content one by one, NOOP before and RSET after each message switched off in the
// pool's client options (see NewSMTPPool).
func (c *smtpConn) send(ctx context.Context, msg *mail.Msg, timeout time.Duration) (reply string, delivered bool, err error) {
	release := c.raw.watch(ctx)
	defer release()
	if c.pipelining {
		from, ferr := msg.GetSender(false)
		rcpts, rerr := msg.GetRecipients()
		if ferr == nil && rerr == nil && c.pipelineOK(rcpts) {
			reply, err = c.sendPipelined(msg, from, rcpts[0], timeout)
			return reply, err == nil, err
		}
	}
	err = c.mail.SendWithSMTPClient(c.smtp, msg)
	return msg.ServerResponse(), msg.IsDelivered(), err
}

// reset aborts whatever transaction a failed send left behind, so the session can be reused.
func (c *smtpConn) reset(ctx context.Context, timeout time.Duration) error {
	release := c.raw.watch(ctx)
	defer release()
	if err := c.smtp.UpdateDeadline(timeout); err != nil {
		return err
	}
	return c.smtp.Reset()
}

// quit ends a healthy session politely; a server that does not answer within timeout is cut off.
func (c *smtpConn) quit(timeout time.Duration) {
	if err := c.smtp.UpdateDeadline(timeout); err == nil {
		if err := c.mail.CloseWithSMTPClient(c.smtp); err == nil {
			return
		}
	}
	c.abort()
}

// abort drops a session whose state is unknown without another word to the server.
func (c *smtpConn) abort() {
	_ = c.smtp.Close()
	c.raw.closeRaw()
}
