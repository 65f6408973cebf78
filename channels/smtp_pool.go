package channels

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// quitTimeout bounds the QUIT sent when a connection is closed.
const quitTimeout = 5 * time.Second

// errPoolClosed is returned by sends after Close; temporary, so the task goes back to the queue
// for a worker that is not shutting down.
var errPoolClosed = errors.New("smtp pool is closed")

// SMTPPool sends email over a fixed number of persistent SMTP connections. A connection is
// opened when a send needs one, reused for the next messages (one SMTP transaction after
// another in the same session), and closed after IdleTimeout unused or on Close. A pool slot is
// held for the whole of one send, so at most Size sessions are ever open.
type SMTPPool struct {
	cfg      SMTPConfig
	ep       smtpEndpoint
	from     *netmail.Address
	log      *zap.Logger
	limiter  *rate.Limiter // nil: no cap
	opts     []mail.Option // shared by every connection's go-mail client
	dialer   *net.Dialer
	implicit *tls.Config // smtps:// handshake; nil for smtp://
	dkim     *DKIMSigner // nil: messages go unsigned

	slots chan struct{} // one token per send in progress
	done  chan struct{} // closed by Close
	wg    sync.WaitGroup

	// noPipelining sends one command at a time even to servers that offer PIPELINING (tests
	// of go-mail's own path); noChunking uses DATA even with servers that offer CHUNKING.
	noPipelining, noChunking bool

	mu     sync.Mutex
	idle   []*smtpConn // most recently used last
	closed bool
	open   atomic.Int64
}

// NewSMTPPool checks the configuration and returns a pool; it opens no connection yet, so a
// server that is down at start-up delays email but not the worker.
func NewSMTPPool(cfg SMTPConfig, log *zap.Logger) (*SMTPPool, error) {
	return newSMTPPool(cfg, log, nil)
}

// newSMTPPool lets tests trust their own certificate authority; nil means the system roots
// and cfg.TLSCAFile.
func newSMTPPool(cfg SMTPConfig, log *zap.Logger, roots *x509.CertPool) (*SMTPPool, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ep, err := parseSMTPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if roots == nil {
		if roots, err = tlsRoots(cfg.TLSCAFile); err != nil {
			return nil, err
		}
	}
	serverName := ep.host
	if cfg.TLSServerName != "" {
		serverName = cfg.TLSServerName
	}
	from, _ := netmail.ParseAddress(cfg.From) // validated above
	if log == nil {
		log = zap.NewNop()
	}
	tlsConfig := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12, RootCAs: roots}
	opts := []mail.Option{
		mail.WithPort(ep.port),
		mail.WithTimeout(cfg.Timeout),
		mail.WithTLSPolicy(ep.policy),
		mail.WithTLSConfig(tlsConfig),
		// go-mail sends NOOP before and RSET after every message by default: two extra round
		// trips each time. A completed DATA ends the transaction, so RSET is only needed after
		// a failure, where the pool sends it; and a dead connection shows up at MAIL FROM,
		// before any content, where the pool redials once instead.
		mail.WithoutNoop(),
		mail.WithoutRset(),
	}
	if cfg.HeloName != "" {
		opts = append(opts, mail.WithHELO(cfg.HeloName))
	}
	if ep.user != "" {
		opts = append(opts, mail.WithUsername(ep.user), mail.WithPassword(ep.pass),
			mail.WithOpportunisticSMTPAuth(ep.authMechanisms()...))
	}
	signer, err := NewDKIMSigner(cfg.DKIM)
	if err != nil {
		return nil, err
	}
	p := &SMTPPool{
		cfg: cfg, ep: ep, from: from, log: log, opts: opts, dkim: signer,
		dialer: &net.Dialer{KeepAlive: 30 * time.Second},
		slots:  make(chan struct{}, cfg.Size),
		done:   make(chan struct{}),
	}
	if ep.implicitTLS {
		p.implicit = tlsConfig
	}
	if cfg.RatePerSecond > 0 {
		// Burst 1: never more than the rate in any window, which is how providers count.
		p.limiter = rate.NewLimiter(rate.Limit(cfg.RatePerSecond), 1)
	}
	if ep.user != "" && ep.policy == mail.NoTLS && !ep.implicitTLS {
		log.Warn("smtp credentials will be sent unencrypted (tls=none)", zap.String("host", ep.host))
	}
	p.wg.Add(1)
	go p.reapIdle()
	log.Info("smtp pool ready", zap.String("host", ep.host), zap.Int("port", ep.port),
		zap.String("tls", ep.mode()), zap.Bool("auth", ep.user != ""), zap.Int("size", cfg.Size))
	return p, nil
}

// SendEmail delivers one message. Errors wrap ErrTemporary (retry later) or ErrPermanent, and
// name the masked recipient. The receipt's ProviderID is the queue id from the server's reply
// when it names one ("250 2.0.0 Ok: queued as 4Zx9"), else the message's Message-ID.
func (p *SMTPPool) SendEmail(ctx context.Context, m *Email) (Receipt, error) {
	to := ""
	if m != nil {
		to = m.To
	}
	fail := func(err error) (Receipt, error) {
		err = maskIn(fmt.Errorf("smtp send to %s: %w", MaskEmail(to), err), strings.TrimSpace(to), MaskEmail(to))
		// A server quotes the address it was given: the ASCII form of an internationalised one.
		if ascii, aerr := asciiDomain(strings.TrimSpace(to)); aerr == nil && ascii != strings.TrimSpace(to) {
			err = maskIn(err, ascii, MaskEmail(to))
		}
		return Receipt{}, err
	}
	msg, err := buildMessage(p.from, m, time.Now())
	if err != nil {
		return fail(classifyBuild(err))
	}
	// Signed once, before any transport writes it: the same bytes whichever path sends them.
	if err := p.dkim.sign(msg); err != nil {
		return fail(fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err))
	}
	if pc := p.cfg.Pacer; pc != nil {
		if err := pc.Wait(ctx, to); err != nil {
			return fail(err)
		}
	}
	if p.limiter != nil {
		if err := p.limiter.Wait(ctx); err != nil {
			return fail(fmt.Errorf("%w: rate limit wait: %w", ErrTemporary, err))
		}
	}
	sentTo := strings.TrimSpace(to)
	if rcpts, _ := msg.GetRecipients(); len(rcpts) == 1 {
		sentTo = rcpts[0] // the address as sent: an internationalised domain in ASCII
	}
	reply, err := p.deliver(ctx, msg, sentTo)
	if pc := p.cfg.Pacer; pc != nil {
		pc.Observe(to, err)
	}
	if err != nil {
		return fail(err)
	}
	id := queueID(reply)
	if id == "" {
		id = trimAngles(msg.GetMessageID())
	}
	return Receipt{ProviderID: id}, nil
}

// deliver sends msg over a pooled connection, redialling once when a reused connection turns
// out to be dead before any content went out. Waiting for a free connection is bounded by the
// caller's context only: a burst queues behind the pool, while the network exchange that
// follows gets Timeout of its own.
func (p *SMTPPool) deliver(ctx context.Context, msg *mail.Msg, to string) (reply string, err error) {
	// go-mail's errors list the recipient; whatever is logged here is masked.
	masked := func(err error) error { return maskIn(err, to, MaskEmail(to)) }
	c, err := p.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer func() { p.release(c) }()
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		reused := c != nil
		if c == nil {
			if c, err = p.dial(ctx); err != nil {
				return "", err
			}
		}
		reply, delivered, err := c.send(ctx, msg, p.cfg.Timeout)
		if err == nil {
			return reply, nil
		}
		if delivered {
			// The server took the message and something after it failed: a success, but the
			// session is suspect.
			p.discard(c, "failure after delivery", masked(err))
			c = nil
			return reply, nil
		}
		out := classifySend(ctx, err)
		switch {
		case out.reusable:
			if rerr := c.reset(ctx, p.cfg.Timeout); rerr != nil {
				p.discard(c, "reset after a rejection failed", masked(rerr))
				c = nil
			}
		case out.redial && reused && attempt == 0:
			p.log.Info("smtp connection went stale; redialling once", zap.Error(masked(err)))
			p.discard(c, "", nil)
			c = nil
			continue
		default:
			p.discard(c, "", nil)
			c = nil
		}
		return "", out.err
	}
}

// acquire takes a slot and the most recently used idle connection, or nil when a new one must
// be dialled.
func (p *SMTPPool) acquire(ctx context.Context) (*smtpConn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-p.done:
		return nil, fmt.Errorf("%w: %w", ErrTemporary, errPoolClosed)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for a free smtp connection: %w", ErrTemporary, ctx.Err())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		<-p.slots
		return nil, fmt.Errorf("%w: %w", ErrTemporary, errPoolClosed)
	}
	var c *smtpConn
	if n := len(p.idle); n > 0 {
		c, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	return c, nil
}

// release returns the slot, and the connection to the idle list unless the pool closed.
func (p *SMTPPool) release(c *smtpConn) {
	if c != nil {
		p.mu.Lock()
		if !p.closed {
			c.idleSince = time.Now()
			p.idle = append(p.idle, c)
			c = nil
		}
		p.mu.Unlock()
		if c != nil {
			p.close(c)
		}
	}
	<-p.slots
}

// dial opens and authenticates a new session.
func (p *SMTPPool) dial(ctx context.Context) (*smtpConn, error) {
	c := &smtpConn{raw: &deadlineConn{}}
	opts := append(slices.Clone(p.opts), mail.WithDialContextFunc(dialFunc(c.raw, p.dialer, p.implicit)))
	mc, err := mail.NewClient(p.ep.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: configure smtp client: %w", ErrPermanent, ErrConfig, err)
	}
	c.mail = mc
	release := c.raw.watch(ctx)
	sc, err := mc.DialToSMTPClientWithContext(ctx)
	release()
	if err != nil {
		// go-mail leaves the connection open when EHLO, STARTTLS or AUTH fails.
		c.raw.closeRaw()
		err = classifyDial(ctx, err)
		p.log.Warn("smtp dial failed", zap.String("host", p.ep.host), zap.Int("port", p.ep.port), zap.Error(err))
		return nil, fmt.Errorf("smtp dial %s:%d: %w", p.ep.host, p.ep.port, err)
	}
	c.smtp = sc
	c.learn(!p.noPipelining, !p.noChunking)
	p.open.Add(1)
	p.log.Debug("smtp connection opened", zap.String("host", p.ep.host))
	return c, nil
}

// discard drops a connection whose state is unknown.
func (p *SMTPPool) discard(c *smtpConn, why string, err error) {
	if why != "" {
		p.log.Info("smtp connection dropped", zap.String("reason", why), zap.Error(err))
	}
	c.abort()
	p.open.Add(-1)
}

// close ends a healthy connection with QUIT.
func (p *SMTPPool) close(c *smtpConn) {
	c.quit(min(p.cfg.Timeout, quitTimeout))
	p.open.Add(-1)
}

// reapIdle closes connections idle longer than IdleTimeout, checking twice per period.
func (p *SMTPPool) reapIdle() {
	defer p.wg.Done()
	tick := time.NewTicker(max(p.cfg.IdleTimeout/2, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return
		case now := <-tick.C:
			p.mu.Lock()
			// idle is ordered by last use, oldest first.
			n := 0
			for n < len(p.idle) && now.Sub(p.idle[n].idleSince) >= p.cfg.IdleTimeout {
				n++
			}
			stale := slices.Clone(p.idle[:n])
			p.idle = slices.Delete(p.idle, 0, n)
			p.mu.Unlock()
			for _, c := range stale {
				p.close(c)
			}
			if len(stale) > 0 {
				p.log.Debug("smtp idle connections closed", zap.Int("count", len(stale)))
			}
		}
	}
}

// SMTPStats is a snapshot of the pool for metrics.
type SMTPStats struct {
	Open int // sessions open, idle or in use
	Idle int // sessions waiting for a message
}

// Stats returns how many sessions are open and idle.
func (p *SMTPPool) Stats() SMTPStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return SMTPStats{Open: int(p.open.Load()), Idle: len(p.idle)}
}

// Close sends QUIT on idle connections and makes later sends fail as temporary; a send in
// progress finishes and then closes its connection. Safe to call more than once.
func (p *SMTPPool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	close(p.done)
	p.mu.Unlock()
	p.wg.Wait()
	for _, c := range idle {
		p.close(c)
	}
	return nil
}

// queuedAs finds the queue id in a 250 reply: Postfix, Exim, go-smtp and most relays say
// "queued as <id>"; others, SES among them, answer "Ok <id>".
var queuedAs = regexp.MustCompile(`(?i)(?:queued as|^(?:2\.\d\.\d )?ok)\s+<?([A-Za-z0-9][A-Za-z0-9._@-]*)>?\s*$`)

func queueID(reply string) string {
	if m := queuedAs.FindStringSubmatch(reply); m != nil {
		return m[1]
	}
	return ""
}

func trimAngles(s string) string {
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		return s[1 : len(s)-1]
	}
	return s
}
