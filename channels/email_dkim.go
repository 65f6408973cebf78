package channels

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/wneessen/go-mail"
)

// DKIMKey is one DKIM signing key: the public half is published as a TXT record at
// <Selector>._domainkey.<Domain>.
type DKIMKey struct {
	Domain   string
	Selector string
	// PrivateKeyFile is a PEM file: an RSA key (PKCS #1 "RSA PRIVATE KEY" or PKCS #8, at
	// least 1024 bits, 2048 recommended) or an Ed25519 key (PKCS #8).
	PrivateKeyFile string
}

// dkimHeaders are the fields every signature covers. From is listed twice, so that a From
// added above ours breaks the signature (RFC 6376 §8.15); List-Unsubscribe and
// List-Unsubscribe-Post must be signed for one-click unsubscribe to be honoured (RFC 8058
// §4), and listing them also when absent keeps anyone from adding them.
var dkimHeaders = []string{
	"From", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
	"List-Unsubscribe", "List-Unsubscribe-Post",
}

// DKIMSigner adds one DKIM-Signature per key to a message. Several keys rotate a selector:
// sign with the new key and the old one while the new TXT record propagates, then drop the
// old. The zero of *DKIMSigner (nil) signs nothing.
type DKIMSigner struct {
	keys []dkim.SignOptions
}

// NewDKIMSigner reads every key's file; nil keys give a nil signer.
func NewDKIMSigner(keys []DKIMKey) (*DKIMSigner, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	s := &DKIMSigner{}
	for i, k := range keys {
		if k.Domain == "" || k.Selector == "" {
			return nil, fmt.Errorf("dkim key %d: domain and selector are required", i)
		}
		key, err := readDKIMKey(k.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("dkim key %s._domainkey.%s: %w", k.Selector, k.Domain, err)
		}
		s.keys = append(s.keys, dkim.SignOptions{
			Domain: k.Domain, Selector: k.Selector, Signer: key, Hash: crypto.SHA256,
			// relaxed/relaxed: relays that re-fold headers or trim trailing spaces do not break
			// it, which simple canonicalisation does not survive (RFC 6376 §3.4).
			HeaderCanonicalization: dkim.CanonicalizationRelaxed,
			BodyCanonicalization:   dkim.CanonicalizationRelaxed,
			HeaderKeys:             dkimHeaders,
		})
	}
	return s, nil
}

// readDKIMKey reads an RSA or Ed25519 private key from a PEM file.
func readDKIMKey(file string) (crypto.Signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("private key file %s holds no PEM block", file)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("private key file %s: PEM block %q, want PRIVATE KEY or RSA PRIVATE KEY", file, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("private key file %s: %w", file, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			// RFC 8301 §3.2: verifiers must not accept RSA keys shorter than 1024 bits.
			return nil, fmt.Errorf("private key file %s: RSA key of %d bits, want at least 1024 (2048 recommended)", file, k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("private key file %s: %T is neither RSA nor Ed25519", file, key)
}

// sign renders msg as every transport writes it (CRLF line ends, as dotWriter makes them) and
// sets the signatures as a DKIM-Signature header that msg.WriteTo writes with the rest. So the
// signed bytes are the sent bytes on every path (go-mail's, PIPELINING with DATA or BDAT, the
// outbox): go-mail renders a message the same way twice, its multipart boundary chosen once.
func (s *DKIMSigner) sign(msg *mail.Msg) error {
	if s == nil {
		return nil
	}
	var raw bytes.Buffer
	bw := bufio.NewWriter(&raw)
	if _, err := msg.WriteTo(&dotWriter{w: bw, noDots: true}); err != nil {
		return fmt.Errorf("render for dkim: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render for dkim: %w", err)
	}
	values := make([]string, 0, len(s.keys))
	for i := range s.keys {
		signer, err := dkim.NewSigner(&s.keys[i])
		if err != nil {
			return fmt.Errorf("dkim %s: %w", s.keys[i].Selector, err)
		}
		_, werr := signer.Write(raw.Bytes())
		if cerr := signer.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("dkim %s: %w", s.keys[i].Selector, werr)
		}
		sig := strings.TrimSuffix(signer.Signature(), "\r\n")
		value, ok := strings.CutPrefix(sig, "DKIM-Signature: ")
		if !ok {
			return errors.New("dkim: unexpected signature header " + sig[:min(len(sig), 20)])
		}
		values = append(values, value)
	}
	// go-mail keeps one preformatted value per header name; the second and later signatures
	// ride in it as further DKIM-Signature lines, newest key first, as RFC 6376 §5.6 puts them.
	msg.SetGenHeaderPreformatted("DKIM-Signature", strings.Join(values, "\r\nDKIM-Signature: "))
	return nil
}
