package channels

import (
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
