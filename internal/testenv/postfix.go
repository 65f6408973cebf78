package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Postfix is a private Postfix instance for interoperability tests: its own configuration,
// queue and data directories under a temporary directory, SMTP listeners on free loopback
// ports, and virtual(8) delivery into one maildir per recipient domain. It runs next to any
// system Postfix without touching it (nothing under /etc/postfix is read or written) and
// stops when the test ends.
//
// It needs Debian's postfix package and root (Postfix's master must start as root and drop to
// mail_owner). Without them the test is skipped with the reason, except under CI=true, where
// it fails: scripts/test.sh installs postfix, so its absence there is a broken test setup.
type Postfix struct {
	// Addr is the main listener, 127.0.0.1:PORT: STARTTLS offered with a certificate for
	// 127.0.0.1 and localhost signed by CAFile, PIPELINING, CHUNKING, 8BITMIME and SMTPUTF8,
	// and smtpd_forbid_unauth_pipelining=yes, so a client that pipelines where RFC 2920
	// does not allow it is cut off.
	Addr string
	// LimitedAddr is a second listener where one client may start at most
	// PostfixOptions.MessageRateLimit transactions per minute (anvil); past that Postfix
	// answers MAIL FROM with "450 4.7.1 Error: too much mail from 127.0.0.1". Empty when no
	// limit was asked for.
	LimitedAddr string
	// CAFile is the PEM file of the certificate authority that signed the listeners'
	// certificate; RootCAs holds the same.
	CAFile  string
	RootCAs *x509.CertPool

	dir     string
	domains []string
}

// PostfixOptions configures NewPostfix.
type PostfixOptions struct {
	// Domains are the recipient domains Postfix accepts; each gets a catch-all maildir.
	// Default: example.test.
	Domains []string
	// RecipientAccess maps a recipient address to the reply Postfix gives to its RCPT TO,
	// e.g. "550 5.1.1 Mailbox unavailable" (check_recipient_access, texthash).
	RecipientAccess map[string]string
	// MessageRateLimit, when positive, opens LimitedAddr with
	// smtpd_client_message_rate_limit set to it.
	MessageRateLimit int
}

// postfixBinary finds the postfix command, which Debian installs in /usr/sbin (often not on
// a non-root PATH).
func postfixBinary() (string, error) {
	if p, err := exec.LookPath("postfix"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/postfix", "/usr/local/sbin/postfix"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("postfix is not installed (scripts/test.sh installs Debian's postfix package)")
}

// unavailable skips the test, or fails it under CI, where scripts/test.sh must have
// installed what is missing.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("postfix interop test cannot run in CI: %s", why)
	}
	t.Skipf("skipping the postfix interop test: %s", why)
}

// NewPostfix starts a private Postfix instance; it is stopped when the test ends.
func NewPostfix(t testing.TB, opts PostfixOptions) *Postfix {
	t.Helper()
	bin, err := postfixBinary()
	if err != nil {
		unavailable(t, err.Error())
	}
	if os.Geteuid() != 0 {
		unavailable(t, "postfix must be started as root (its master drops to mail_owner itself)")
	}
	if len(opts.Domains) == 0 {
		opts.Domains = []string{"example.test"}
	}
	// Not t.TempDir(): virtual(8) delivers as nobody, which must be able to reach the maildir,
	// and the testing package makes the parent of t.TempDir() private to root.
	dir, err := os.MkdirTemp("", "rapport-postfix-")
	if err != nil {
		t.Fatalf("postfix: %v", err)
	}
	p := &Postfix{dir: dir, domains: opts.Domains}
	t.Cleanup(func() { p.stop(t, bin) })
	if err := p.configure(opts); err != nil {
		t.Fatalf("postfix: configure: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// master -w (what "postfix start" runs) returns once the master is ready to accept
	// connections, so no wait follows.
	if out, err := exec.CommandContext(ctx, bin, "-c", p.path("etc"), "start").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v %s\nits log:\n%s", err, out, p.Log())
	}
	return p
}

// path names a file under the instance's directory.
func (p *Postfix) path(elem ...string) string {
	return filepath.Join(append([]string{p.dir}, elem...)...)
}

// Log returns Postfix's log so far (maillog_file).
func (p *Postfix) Log() string {
	b, _ := os.ReadFile(p.path("maillog"))
	return string(b)
}

func (p *Postfix) configure(opts PostfixOptions) error {
	port, err := FreePort()
	if err != nil {
		return err
	}
	p.Addr = "127.0.0.1:" + strconv.Itoa(port)
	for _, d := range []string{"etc", "spool", "mail"} {
		if err := os.Mkdir(p.path(d), 0o755); err != nil {
			return err
		}
	}
	// The maildirs are created by virtual(8) running as nobody.
	if err := os.Chmod(p.dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(p.path("mail"), 0o777); err != nil {
		return err
	}
	if err := p.writeCertificates(); err != nil {
		return err
	}
	var access, mailboxes strings.Builder
	for _, addr := range slices.Sorted(maps.Keys(opts.RecipientAccess)) {
		fmt.Fprintf(&access, "%s %s\n", addr, opts.RecipientAccess[addr])
	}
	for _, d := range opts.Domains {
		// A trailing slash makes virtual(8) deliver into a maildir.
		fmt.Fprintf(&mailboxes, "@%s %s/\n", d, d)
	}
	master := masterServices
	master += fmt.Sprintf("%s inet n - n - - smtpd\n", p.Addr)
	if opts.MessageRateLimit > 0 {
		lport, err := FreePort()
		if err != nil {
			return err
		}
		p.LimitedAddr = "127.0.0.1:" + strconv.Itoa(lport)
		// Loopback clients are exempt from rate limits by default (mynetworks): not here.
		master += fmt.Sprintf("%s inet n - n - - smtpd -o smtpd_client_message_rate_limit=%d -o smtpd_client_event_limit_exceptions=\n",
			p.LimitedAddr, opts.MessageRateLimit)
	}
	files := map[string]string{
		"etc/main.cf":     fmt.Sprintf(mainCF, p.dir, strings.Join(opts.Domains, ", ")),
		"etc/master.cf":   master,
		"etc/rcpt_access": access.String(),
		"etc/mailboxes":   mailboxes.String(),
		"maillog":         "",
	}
	for name, body := range files {
		if err := os.WriteFile(p.path(name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// mainCF is the instance's main.cf; %[1]s is its directory, %[2]s the recipient domains.
// Nothing is chrooted (master.cf) and nothing relays: mail for the domains goes to their
// maildirs, anything else is refused.
const mainCF = `compatibility_level = 3.6
queue_directory = %[1]s/spool
data_directory = %[1]s/data
maillog_file = %[1]s/maillog
maillog_file_prefixes = %[1]s
mail_owner = postfix
setgid_group = postdrop
myhostname = interop.rapport.test
mydomain = rapport.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
# No postmaster notices: they would sit in the queue (this instance relays nowhere).
notify_classes =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtputf8_enable = yes
smtpd_forbid_unauth_pipelining = yes
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:%[1]s/etc/rcpt_access
smtpd_tls_security_level = may
smtpd_tls_cert_file = %[1]s/etc/server.pem
smtpd_tls_key_file = %[1]s/etc/server.key
smtpd_tls_session_cache_database =
smtpd_tls_received_header = yes
virtual_mailbox_domains = %[2]s
virtual_mailbox_base = %[1]s/mail
virtual_mailbox_maps = texthash:%[1]s/etc/mailboxes
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
`

// masterServices are the internal services a receiving and delivering Postfix needs (Debian's
// master.cf without chroot and without the network-facing ones); the listeners follow.
const masterServices = `pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
postlog   unix-dgram n  -       n       -       1       postlogd
`

// writeCertificates makes a test certificate authority and a server certificate it signed
// for 127.0.0.1 and localhost.
func (p *Postfix) writeCertificates() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Rapport interop test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	p.CAFile = p.path("etc", "ca.pem")
	p.RootCAs = x509.NewCertPool()
	p.RootCAs.AddCert(ca)
	files := map[string][]byte{
		"ca.pem":     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"server.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"server.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	for name, b := range files {
		if err := os.WriteFile(p.path("etc", name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// Delivered returns the messages delivered so far to domain's maildir, raw as stored (LF line
// ends, Postfix's Return-Path, Delivered-To and Received headers on top), keyed by file name.
func (p *Postfix) Delivered(domain string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, sub := range []string{"new", "cur"} {
		dir := p.path("mail", domain, sub)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			out[e.Name()] = b
		}
	}
	return out, nil
}

// queued counts the messages Postfix holds but has not delivered (or bounced) yet.
func (p *Postfix) queued() int {
	n := 0
	for _, q := range []string{"maildrop", "incoming", "active", "deferred", "hold"} {
		_ = filepath.WalkDir(p.path("spool", q), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				n++
			}
			return nil
		})
	}
	return n
}

// WaitDelivered waits until at least n messages are in domain's maildir and Postfix's queue
// is empty, so that no late copy can still arrive, and returns the maildir's messages. Postfix
// is another process and a maildir signals nothing but the file appearing, so this polls.
func (p *Postfix) WaitDelivered(t testing.TB, domain string, n int, timeout time.Duration) map[string][]byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := p.Delivered(domain)
		if err != nil {
			t.Fatalf("postfix: read the maildir of %s: %v", domain, err)
		}
		if len(got) >= n && p.queued() == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix: %d messages delivered to %s, %d still queued after %s; want %d\nits log:\n%s",
				len(got), domain, p.queued(), timeout, n, p.Log())
		}
		<-tick.C
	}
}

// stop stops the instance and waits for its master to exit, so that no Postfix process is
// left writing into the directory that is removed next.
func (p *Postfix) stop(t testing.TB, bin string) {
	pid := 0
	if b, err := os.ReadFile(p.path("spool", "pid", "master.pid")); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if pid > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, bin, "-c", p.path("etc"), "stop").CombinedOutput(); err != nil {
			t.Logf("postfix stop: %v %s", err, out)
		}
		// "postfix stop" only signals the master; it ends its children before it exits.
		deadline := time.Now().Add(10 * time.Second)
		for processRunning(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if processRunning(pid) {
			t.Logf("postfix master %d still running 10s after stop; killing it", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if t.Failed() {
		t.Logf("postfix log:\n%s", p.Log())
	}
	_ = os.RemoveAll(p.dir)
}

// processRunning reports whether pid is alive and not a zombie: the master is a daemon whose
// parent may be a process that does not reap children, such as a container's init.
func processRunning(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}
