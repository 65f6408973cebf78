package config

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"regexp"
)

// dnsLabels is a DNS name of letters, digits and hyphens (the form DKIM domains and selectors
// and certificate names take; an internationalised name is written in its xn-- form).
var dnsLabels = regexp.MustCompile(`^(?i)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$`)

// checkEmailTLS checks email.tls_ca_file and email.tls_server_name.
func (k *configChecker) checkEmailTLS() {
	e := k.c.Email
	if (e.TLSCAFile != "" || e.TLSServerName != "") && e.SMTPURL != "" {
		if u, err := url.Parse(e.SMTPURL); err == nil && u.Query().Get("tls") == "none" {
			key := "email.tls_ca_file"
			if e.TLSCAFile == "" {
				key = "email.tls_server_name"
			}
			k.errorf(key, "has no effect: email.smtp_url says tls=none")
		}
	}
	if e.TLSCAFile != "" {
		if err := checkCAFile(k.c.Dir(e.TLSCAFile)); err != nil {
			k.errorf("email.tls_ca_file", "%v", err)
		}
	}
	if e.TLSServerName != "" && !dnsLabels.MatchString(e.TLSServerName) {
		k.errorf("email.tls_server_name", "%q is not a host name (no scheme, no port)", e.TLSServerName)
	}
}

// checkCAFile requires at least one parsable PEM certificate, so that a key file or a DER
// file given by mistake fails at start and not at the first STARTTLS.
func checkCAFile(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	n := 0
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s holds no PEM certificate (BEGIN CERTIFICATE)", file)
	}
	return nil
}

// checkDKIM checks every email.dkim entry and reads its key, so that a wrong file fails at
// start with its position rather than on the first message.
func (k *configChecker) checkDKIM() {
	seen := map[string]int{}
	for i, d := range k.c.Email.DKIM {
		at := func(key string) string { return fmt.Sprintf("email.dkim[%d].%s", i, key) }
		switch {
		case d.Domain == "":
			k.errorf(at("domain"), "required")
		case !dnsLabels.MatchString(d.Domain):
			k.errorf(at("domain"), "%q is not a domain name (write an internationalised one in its xn-- form)", d.Domain)
		}
		switch {
		case d.Selector == "":
			k.errorf(at("selector"), "required")
		case !dnsLabels.MatchString(d.Selector):
			k.errorf(at("selector"), "%q is not a DNS label", d.Selector)
		}
		if first, dup := seen[d.Selector+"._domainkey."+d.Domain]; dup {
			k.errorf(at("selector"), "%s._domainkey.%s is already email.dkim[%d]", d.Selector, d.Domain, first)
		} else {
			seen[d.Selector+"._domainkey."+d.Domain] = i
		}
		if d.PrivateKeyFile == "" {
			k.errorf(at("private_key_file"), "required")
		} else if err := checkDKIMKey(k.c.Dir(d.PrivateKeyFile)); err != nil {
			k.errorf(at("private_key_file"), "%v", err)
		}
	}
}

// checkDKIMKey accepts what channels.NewDKIMSigner reads: RSA of 1024 bits or more (PKCS #1
// or #8) or Ed25519 (PKCS #8).
func checkDKIMKey(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return fmt.Errorf("%s holds no PEM block", file)
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return fmt.Errorf("%s: PEM block %q, want PRIVATE KEY or RSA PRIVATE KEY", file, block.Type)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	switch key := key.(type) {
	case *rsa.PrivateKey:
		if key.N.BitLen() < 1024 {
			return fmt.Errorf("%s: RSA key of %d bits; receivers ignore keys under 1024 bits (RFC 8301), use 2048", file, key.N.BitLen())
		}
	case ed25519.PrivateKey:
	default:
		return fmt.Errorf("%s: %T key, want RSA or Ed25519", file, key)
	}
	return nil
}
