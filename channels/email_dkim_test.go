package channels

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/rapporthq/rapport/internal/testenv"
)

// dkimDNS is a DNS stub for dkim.VerifyWithOptions: TXT records by name.
type dkimDNS map[string]string

func (d dkimDNS) lookup(name string) ([]string, error) {
	if txt, ok := d[name]; ok {
		return []string{txt}, nil
	}
	return nil, fmt.Errorf("no TXT record for %s", name)
}

// dkimKeys writes an Ed25519 key (selector "new") and an RSA 2048 key (selector "old") for
// example.com, and returns them with the TXT records that publish them.
func dkimKeys(t testing.TB) ([]DKIMKey, dkimDNS) {
	t.Helper()
	dir := t.TempDir()
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPub, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	keys := []DKIMKey{
		{Domain: "example.com", Selector: "new", PrivateKeyFile: write("new.pem", "PRIVATE KEY", pkcs8)},
		{Domain: "example.com", Selector: "old", PrivateKeyFile: write("old.pem", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
	}
	dns := dkimDNS{
		"new._domainkey.example.com": "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edPub),
		"old._domainkey.example.com": "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaPub),
	}
	return keys, dns
}

// verifyDKIM checks every signature of raw and returns the selectors that verified.
func verifyDKIM(t *testing.T, raw []byte, dns dkimDNS) []string {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: dns.lookup})
	if err != nil {
		t.Fatalf("dkim.Verify: %v", err)
	}
	var ok []string
	for _, v := range vs {
		if v.Err != nil {
			t.Errorf("signature of %s: %v", v.Domain, v.Err)
			continue
		}
		for _, h := range []string{"from", "to", "subject", "date", "message-id", "mime-version", "content-type", "list-unsubscribe", "list-unsubscribe-post"} {
			if !slices.ContainsFunc(v.HeaderKeys, func(k string) bool { return strings.EqualFold(k, h) }) {
				t.Errorf("signature of %s does not cover %s: %v", v.Domain, h, v.HeaderKeys)
			}
		}
		ok = append(ok, v.Domain)
	}
	return ok
}

func signedEmail(n int) *Email {
	m := testEmail(n)
	m.ListUnsubscribe = "https://news.example.com/u/token"
	return m
}

func TestDKIMSignaturesVerifyOnEveryTransport(t *testing.T) {
	t.Parallel()
	keys, dns := dkimKeys(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			sink := testenv.NewSMTP(t)
			pool, err := NewSMTPPool(SMTPConfig{URL: sink.URL(), From: "Shop <shop@example.com>", Size: 1, Timeout: 5 * time.Second, DKIM: keys}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pool.noPipelining, pool.noChunking = tr.noPipelining, tr.noChunking
			defer pool.Close()
			m := signedEmail(1)
			m.Text += "\n.a line that starts with a dot\n" // dot-stuffed on DATA, not on BDAT
			if _, err := pool.SendEmail(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			raw := sink.Wait(t, 1, 2*time.Second)[0].Raw
			if got := verifyDKIM(t, raw, dns); len(got) != 2 {
				t.Fatalf("%d signatures verified, want 2 (new and old selector)", len(got))
			}
			tampered := bytes.Replace(raw, []byte("<anna1@example.com>"), []byte("<anna9@example.com>"), 1)
			vs, _ := dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: dns.lookup})
			if len(vs) != 2 || vs[0].Err == nil || vs[1].Err == nil {
				t.Fatalf("a changed To still verifies: %+v", vs)
			}
		})
	}
}

// TestDKIMSignsTheOutboxBytes writes a message as the outbox does (buildMessage, then
// WriteTo through a CRLF-making dotWriter) after signing it.
func TestDKIMSignsTheOutboxBytes(t *testing.T) {
	t.Parallel()
	keys, dns := dkimKeys(t)
	signer, err := NewDKIMSigner(keys[:1])
	if err != nil {
		t.Fatal(err)
	}
	from, _ := netmail.ParseAddress("Shop <shop@example.com>")
	msg, err := buildMessage(from, signedEmail(2), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.sign(msg); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	bw := bufio.NewWriter(&raw)
	if _, err := msg.WriteTo(&dotWriter{w: bw, noDots: true}); err != nil {
		t.Fatal(err)
	}
	_ = bw.Flush()
	if got := verifyDKIM(t, raw.Bytes(), dns); len(got) != 1 {
		t.Fatalf("%d signatures verified, want 1", len(got))
	}
}

func TestDKIMKeyFilesAreCheckedAtStart(t *testing.T) {
	t.Parallel()
	keys, _ := dkimKeys(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "key.txt")
	_ = os.WriteFile(notPEM, []byte("not a key"), 0o600)
	cases := []struct {
		name string
		key  DKIMKey
		want string
	}{
		{"missing file", DKIMKey{Domain: "example.com", Selector: "s", PrivateKeyFile: filepath.Join(dir, "none.pem")}, "none.pem"},
		{"not PEM", DKIMKey{Domain: "example.com", Selector: "s", PrivateKeyFile: notPEM}, "no PEM block"},
		{"no selector", DKIMKey{Domain: "example.com", PrivateKeyFile: keys[0].PrivateKeyFile}, "selector"},
	}
	for _, c := range cases {
		_, err := NewSMTPPool(SMTPConfig{URL: "smtp://127.0.0.1:1", From: "shop@example.com", DKIM: []DKIMKey{c.key}}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// BenchmarkDKIMSign measures what signing adds to a message: building it (as every send
// does), then rendering and signing it once per key.
func BenchmarkDKIMSign(b *testing.B) {
	keys, _ := dkimKeys(b)
	from, _ := netmail.ParseAddress("Shop <shop@example.com>")
	for _, bc := range []struct {
		name string
		keys []DKIMKey
	}{{"unsigned", nil}, {"ed25519", keys[:1]}, {"rsa2048", keys[1:]}, {"ed25519+rsa2048", keys}} {
		b.Run(bc.name, func(b *testing.B) {
			signer, err := NewDKIMSigner(bc.keys)
			if err != nil {
				b.Fatal(err)
			}
			m := signedEmail(1)
			b.ReportAllocs()
			// CPU time as well as wall time: on a shared machine the wall time of go-msgauth's
			// signer, which hands the message to a goroutine through a pipe, is mostly waiting.
			start := cpuTime()
			defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
			for b.Loop() {
				msg, err := buildMessage(from, m, time.Now())
				if err != nil {
					b.Fatal(err)
				}
				if err := signer.sign(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
