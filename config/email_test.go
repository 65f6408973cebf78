package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

// emailFiles writes a CA certificate and an Ed25519 DKIM key into dir.
func emailFiles(t *testing.T, dir string) {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, ca, ca, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	writeFile(t, dir, "certs/relay-ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, dir, "dkim/new.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
}

func TestEmailTLSAndDKIMKeysLoadRelativeToTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emailFiles(t, dir)
	p := writeFile(t, dir, "rapport.yaml", `email:
  smtp_url: smtp://relay.internal:587?tls=required
  tls_ca_file: certs/relay-ca.pem
  tls_server_name: relay.internal
  dkim:
    - {domain: example.com, selector: s2026, private_key_file: dkim/new.pem}
`)
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []DKIMKey{{Domain: "example.com", Selector: "s2026", PrivateKeyFile: "dkim/new.pem"}}
	if c.Email.TLSCAFile != "certs/relay-ca.pem" || c.Email.TLSServerName != "relay.internal" || !reflect.DeepEqual(c.Email.DKIM, want) {
		t.Fatalf("email = %+v", c.Email)
	}
}

func TestEmailTLSAndDKIMProblemsAreReportedAtTheirPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emailFiles(t, dir)
	p := writeFile(t, dir, "rapport.yaml", `email:
  smtp_url: smtp://relay.internal:587?tls=none
  tls_ca_file: dkim/new.pem
  tls_server_name: "relay.internal:587"
  dkim:
    - {domain: "bücher.de", selector: s1, private_key_file: certs/relay-ca.pem}
    - {domain: example.com, private_key_file: missing.pem}
    - {domain: example.com, selector: s1, private_key_file: dkim/new.pem}
    - {domain: example.com, selector: s1, private_key_file: dkim/new.pem}
`)
	_, err := Load(p, nil)
	want := []string{
		`rapport.yaml:3:16: email.tls_ca_file: has no effect: email.smtp_url says tls=none`,
		`rapport.yaml:3:16: email.tls_ca_file: dkim/new.pem holds no PEM certificate (BEGIN CERTIFICATE)`,
		`rapport.yaml:4:20: email.tls_server_name: "relay.internal:587" is not a host name (no scheme, no port)`,
		`rapport.yaml:6:16: email.dkim[0].domain: "bücher.de" is not a domain name (write an internationalised one in its xn-- form)`,
		`rapport.yaml:6:61: email.dkim[0].private_key_file: certs/relay-ca.pem: PEM block "CERTIFICATE", want PRIVATE KEY or RSA PRIVATE KEY`,
		`rapport.yaml:7:7: email.dkim[1].selector: required`,
		`rapport.yaml:7:47: email.dkim[1].private_key_file: open missing.pem: no such file or directory`,
		`rapport.yaml:9:39: email.dkim[3].selector: s1._domainkey.example.com is already email.dkim[2]`,
	}
	if got := errorLines(err, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
