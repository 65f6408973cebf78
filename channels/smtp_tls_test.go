package channels

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"go.uber.org/zap/zaptest"
)

// tlsServer is a go-smtp server with a self-signed certificate that requires AUTH PLAIN and
// records, per message, whether the session was encrypted.
type tlsServer struct {
	addr  string
	roots *x509.CertPool
	mu    sync.Mutex
	tls   []bool // one entry per accepted message
}

func startTLSServer(t *testing.T, implicit bool) *tlsServer {
	t.Helper()
	cert, roots := selfSigned(t)
	return startTLSServerWith(t, implicit, cert, roots)
}

func startTLSServerWith(t *testing.T, implicit bool, cert tls.Certificate, roots *x509.CertPool) *tlsServer {
	t.Helper()
	ts := &tlsServer{roots: roots}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &tlsSession{srv: ts, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate test makes it complain
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	var l net.Listener
	var err error
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ts
}

type tlsSession struct {
	srv    *tlsServer
	conn   *smtp.Conn
	authed bool
}

func (s *tlsSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *tlsSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "mailer" || pass != "pw" {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *tlsSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	return nil
}
func (s *tlsSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *tlsSession) Reset()                               {}
func (s *tlsSession) Logout() error                        { return nil }
func (s *tlsSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	_, encrypted := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.tls = append(s.srv.tls, encrypted)
	s.srv.mu.Unlock()
	return nil
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rapport test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

func TestTLSModesEncryptAndAuthenticate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		implicit bool
		url      string
	}{
		{"smtps implicit TLS", true, "smtps://mailer:pw@%s"},
		{"smtp opportunistic STARTTLS", false, "smtp://mailer:pw@%s"},
		{"smtp required STARTTLS", false, "smtp://mailer:pw@%s?tls=required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startTLSServer(t, c.implicit)
			pool, err := newSMTPPool(SMTPConfig{URL: fmt.Sprintf(c.url, srv.addr), From: "shop@example.com", Size: 1, Timeout: 5 * time.Second},
				zaptest.NewLogger(t), srv.roots)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			for i := range 3 {
				if _, err := pool.SendEmail(context.Background(), testEmail(i)); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if len(srv.tls) != 3 || !srv.tls[0] || !srv.tls[1] || !srv.tls[2] {
				t.Fatalf("sessions encrypted per message: %v, want 3 × true", srv.tls)
			}
		})
	}
}

func TestUntrustedCertificateIsAConfigError(t *testing.T) {
	t.Parallel()
	srv := startTLSServer(t, true)
	pool, err := NewSMTPPool(SMTPConfig{URL: "smtps://mailer:pw@" + srv.addr, From: "shop@example.com", Timeout: 5 * time.Second}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, err = pool.SendEmail(context.Background(), testEmail(1))
	if !IsConfig(err) {
		t.Fatalf("err = %v, want a configuration error for a certificate signed by an unknown authority", err)
	}
}

// relayCA makes a certificate authority and a certificate it signs for names, as a company
// relay with its own CA has; it returns the relay's certificate and the CA's PEM file.
func relayCA(t *testing.T, names ...string) (tls.Certificate, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Rapport Test Relay CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "relay-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

func TestRelayWithItsOwnCAIsTrustedThroughTLSCAFile(t *testing.T) {
	t.Parallel()
	cert, caFile := relayCA(t, "relay.internal")
	cases := []struct {
		name       string
		caFile     string
		serverName string
		wantHint   string // "": delivered
	}{
		{"CA file and server name: delivered over STARTTLS", caFile, "relay.internal", ""},
		{"no CA file: the error names email.tls_ca_file", "", "relay.internal", "email.tls_ca_file"},
		{"certificate for another name: the error names email.tls_server_name", caFile, "", "email.tls_server_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startTLSServerWith(t, false, cert, nil)
			pool, err := NewSMTPPool(SMTPConfig{
				URL: "smtp://mailer:pw@" + srv.addr + "?tls=required", From: "shop@example.com", Size: 1,
				Timeout: 5 * time.Second, TLSCAFile: c.caFile, TLSServerName: c.serverName,
			}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			_, err = pool.SendEmail(context.Background(), testEmail(1))
			if c.wantHint == "" {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				srv.mu.Lock()
				defer srv.mu.Unlock()
				if len(srv.tls) != 1 || !srv.tls[0] {
					t.Fatalf("sessions encrypted per message: %v, want [true]", srv.tls)
				}
				return
			}
			if !IsConfig(err) || !strings.Contains(err.Error(), c.wantHint) {
				t.Fatalf("err = %v, want a configuration error that names %s", err, c.wantHint)
			}
		})
	}
}

func TestTLSCAFileWithoutACertificateIsRefusedAtStart(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "not-a-ca.pem")
	if err := os.WriteFile(bad, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		_, err := NewSMTPPool(SMTPConfig{URL: "smtp://127.0.0.1:1", From: "shop@example.com", TLSCAFile: file}, nil)
		if err == nil || !strings.Contains(err.Error(), filepath.Base(file)) {
			t.Errorf("NewSMTPPool with tls ca file %s: err = %v, want one naming the file", file, err)
		}
	}
}
