package channels

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaskEmail hides the local part of an address for logs and errors, keeping its first
// character and the domain: "jane@example.com" becomes "j***@example.com". Anything that is not
// an address becomes "***", so a malformed value never leaks whole.
func MaskEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(addr)
	return string(first) + "***" + addr[at:]
}

// MaskPhone hides the middle of a phone number for logs and errors, keeping the country and
// network prefix and the last two digits: "+491512345689" becomes "+4915******89". Shorter
// numbers show less of the prefix, so at least five characters are always hidden, and numbers
// of four characters or fewer are hidden entirely.
func MaskPhone(phone string) string {
	r := []rune(strings.TrimSpace(phone))
	n := len(r)
	if n == 0 {
		return ""
	}
	suffix := 0
	if n > 4 {
		suffix = 2
	}
	prefix := min(5, max(0, n-suffix-5))
	return string(r[:prefix]) + strings.Repeat("*", n-prefix-suffix) + string(r[n-suffix:])
}

// maskedError shows its cause with every occurrence of a personal value (an address, a phone
// number) replaced by its masked form, whatever the case: servers quote recipients back in
// their replies ("550 5.1.1 <Anna@example.com>: Recipient address rejected"), and go-mail lists
// them in its errors. errors.Is and errors.As still see the cause.
type maskedError struct {
	err    error
	secret *regexp.Regexp
	masked string
}

func maskIn(err error, secret, masked string) error {
	if err == nil || secret == "" {
		return err
	}
	return &maskedError{err: err, secret: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(secret)), masked: masked}
}

func (e *maskedError) Error() string {
	return e.secret.ReplaceAllLiteralString(e.err.Error(), e.masked)
}

func (e *maskedError) Unwrap() error { return e.err }
