package channels

import (
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTPConfig configures an SMTPPool.
type SMTPConfig struct {
	// URL is the submission server: smtp://user:pass@host:port sends STARTTLS when the server
	// offers it (default port 587), smtps://user:pass@host:port uses implicit TLS (default port
	// 465). The query may set tls=opportunistic (the default for smtp://), tls=required (fail
	// unless STARTTLS succeeds) or tls=none (never encrypt; the only mode in which credentials
	// may travel in clear text). User and password are percent-encoded; with a user, the pool
	// authenticates with PLAIN or LOGIN, or the strongest mechanism go-mail knows otherwise.
	URL string
	// From is the sender of every message, e.g. "Shop <shop@example.com>". Required.
	From string
	// Size is the number of persistent connections. Default 8.
	Size int
	// Timeout bounds the network part of one SendEmail call: dialling, the SMTP exchange and
	// at most one redial. Waiting for a free connection is bounded by the caller's context.
	// Default 30s.
	Timeout time.Duration
	// RatePerSecond caps messages per second across the pool, that is per worker; 0 means
	// no cap. Limits shared by all workers, and the adaptive slow-down of a domain that
	// answers "too much mail", are the Pacer's.
	RatePerSecond float64
	// Pacer, when set, paces every message by its recipient domain and by the limits shared
	// by all workers (pace.go), and is told how each send ended. nil: no pacing but
	// RatePerSecond.
	Pacer *Pacer
	// HeloName is the name sent in EHLO. Default: the host name of this machine.
	HeloName string
	// IdleTimeout closes a connection unused for this long, so a quiet worker holds no
	// sessions open and rarely meets one the server has already dropped (RFC 5321 servers wait
	// at least 5 min). Default 60s.
	IdleTimeout time.Duration
	// TLSCAFile is a PEM file of certificate authorities to trust for the server's certificate
	// besides the system's: for a relay with its own CA. Empty: the system roots only, which Go
	// reads from SSL_CERT_FILE and SSL_CERT_DIR when they are set.
	TLSCAFile string
	// TLSServerName is the name the server's certificate must carry when it is not the URL's
	// host: a relay reached by IP address or through a tunnel. Empty: the URL's host.
	TLSServerName string
	// DKIM keys sign every message, one DKIM-Signature each (DKIMSigner). Empty: unsigned.
	DKIM []DKIMKey
}

// SMTP defaults; each is documented on its SMTPConfig field.
const (
	defaultSMTPSize    = 8
	defaultSMTPTimeout = 30 * time.Second
	defaultSMTPIdle    = 60 * time.Second
)

func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.Size == 0 {
		c.Size = defaultSMTPSize
	}
	if c.Timeout == 0 {
		c.Timeout = defaultSMTPTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = defaultSMTPIdle
	}
	return c
}

func (c SMTPConfig) validate() error {
	if c.Size < 0 {
		return fmt.Errorf("smtp pool size %d cannot be negative", c.Size)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("smtp timeout %s cannot be negative", c.Timeout)
	}
	if c.IdleTimeout < 0 {
		return fmt.Errorf("smtp idle timeout %s cannot be negative", c.IdleTimeout)
	}
	if c.RatePerSecond < 0 {
		return fmt.Errorf("smtp rate %v per second cannot be negative", c.RatePerSecond)
	}
	if strings.TrimSpace(c.From) == "" {
		return errors.New("smtp sender (email.from) is required")
	}
	if strings.ContainsAny(c.TLSServerName, " \t\r\n:/") {
		return fmt.Errorf("smtp tls server name %q is not a host name", c.TLSServerName)
	}
	if _, err := netmail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp sender %q is not an address: %w", c.From, err)
	}
	return nil
}

// tlsRoots returns the certificate authorities trusted for the server: the system's, plus
// those of caFile when it is set.
func tlsRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil // crypto/tls: the system roots
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read smtp tls ca file: %w", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		// No system roots (a scratch container): the file's authorities alone.
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("smtp tls ca file %s holds no PEM certificate", caFile)
	}
	return roots, nil
}

// smtpEndpoint is a parsed SMTP URL.
type smtpEndpoint struct {
	host        string
	port        int
	implicitTLS bool
	policy      mail.TLSPolicy
	user, pass  string
}

// mode names the TLS mode for logs.
func (e smtpEndpoint) mode() string {
	switch {
	case e.implicitTLS:
		return "implicit"
	case e.policy == mail.TLSMandatory:
		return "required"
	case e.policy == mail.NoTLS:
		return "none"
	}
	return "opportunistic"
}

// parseSMTPURL reads smtp:// and smtps:// URLs. Its errors never quote the password.
func parseSMTPURL(raw string) (smtpEndpoint, error) {
	var ep smtpEndpoint
	if strings.TrimSpace(raw) == "" {
		return ep, errors.New("smtp url is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ep, fmt.Errorf("parse smtp url: %w", err)
	}
	switch u.Scheme {
	case "smtp":
		ep.port, ep.policy = mail.DefaultPortTLS, mail.TLSOpportunistic
	case "smtps":
		ep.port, ep.implicitTLS, ep.policy = mail.DefaultPortSSL, true, mail.NoTLS
	default:
		return ep, fmt.Errorf("smtp url scheme %q: want smtp or smtps", u.Scheme)
	}
	ep.host = u.Hostname()
	if ep.host == "" {
		return ep, errors.New("smtp url has no host")
	}
	if p := u.Port(); p != "" {
		ep.port, err = strconv.Atoi(p)
		if err != nil || ep.port < 1 || ep.port > 65535 {
			return ep, fmt.Errorf("smtp url port %q is not a port number", p)
		}
	}
	if u.User != nil {
		ep.user = u.User.Username()
		ep.pass, _ = u.User.Password()
	}
	for key, vals := range u.Query() {
		if key != "tls" {
			return ep, fmt.Errorf("smtp url parameter %q is unknown (only tls is)", key)
		}
		if err := ep.setTLS(u.Scheme, vals[len(vals)-1]); err != nil {
			return ep, err
		}
	}
	return ep, nil
}

func (ep *smtpEndpoint) setTLS(scheme, mode string) error {
	if scheme == "smtps" {
		// Implicit TLS is always required; any other value contradicts the scheme.
		if mode != "required" {
			return fmt.Errorf("smtp url tls=%s contradicts smtps:// (implicit TLS, always required)", mode)
		}
		return nil
	}
	switch mode {
	case "opportunistic":
		ep.policy = mail.TLSOpportunistic
	case "required":
		ep.policy = mail.TLSMandatory
	case "none":
		ep.policy = mail.NoTLS
	default:
		return fmt.Errorf("smtp url tls=%s: want required, none or opportunistic", mode)
	}
	return nil
}

// authMechanisms lists the SMTP AUTH mechanisms tried, in order, among those the server
// offers. PLAIN and LOGIN first because every submission server has one of them (Office 365
// offers only LOGIN); go-mail refuses both on an unencrypted connection to anything but
// localhost, unless the operator chose tls=none, which is read as consent to clear text.
// When the server offers neither, go-mail picks the strongest mechanism it knows.
func (e smtpEndpoint) authMechanisms() []mail.SMTPAuthType {
	if e.policy == mail.NoTLS && !e.implicitTLS {
		return []mail.SMTPAuthType{mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc}
	}
	return []mail.SMTPAuthType{mail.SMTPAuthPlain, mail.SMTPAuthLogin}
}
