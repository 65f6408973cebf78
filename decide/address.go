package decide

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/idna"
)

// Address errors, returned wrapped so callers can use errors.Is.
var (
	// ErrInvalidEmail means the text is not one RFC 5322 address.
	ErrInvalidEmail = errors.New("invalid email address")
	// ErrInvalidPhone means the text is not a valid phone number for its region.
	ErrInvalidPhone = errors.New("invalid phone number")
)

// maxAddressLen bounds what is handed to the parsers: no real address is longer (RFC 5321
// allows 254 characters for an email path; E.164 15 digits), and a profile trait can hold
// anything.
const maxAddressLen = 320

// ValidEmail parses raw with net/mail and returns the address to send to. A display name
// ("Jane <jane@example.com>") is accepted and dropped. The local part is kept as written:
// it is case-sensitive by RFC 5321, and although few providers treat it so, lower-casing it
// would break the mailboxes that do; compare addresses with SameEmail. A local part that is
// not a dot-atom is quoted again ("a b"@example.com), since net/mail unquotes it into
// a b@example.com, which fits no SMTP command. The domain is lower-cased and, when
// internationalised, written in its ASCII form (user@bücher.de → user@xn--bcher-kva.de),
// which every relay routes; DisplayEmail keeps the form the customer wrote.
func ValidEmail(raw string) (string, error) {
	if addr, ok := plainEmail(raw); ok {
		return addr, nil
	}
	local, domain, err := parseEmail(raw)
	if err != nil {
		return "", err
	}
	if !isASCII(domain) {
		if domain, err = idna.Lookup.ToASCII(domain); err != nil {
			return "", fmt.Errorf("%w: the domain is not a valid internationalised domain name", ErrInvalidEmail)
		}
	}
	return quoteLocal(local) + "@" + domain, nil
}

// plainEmail is ValidEmail's answer for the addresses nearly every profile holds: ASCII,
// no display name, a dot-atom local part and a domain of letters, digits and hyphens, which
// net/mail would return unchanged but for the domain's case. net/mail costs a decision 7 of
// its allocations (BenchmarkDecideLearning); this costs none for an address already lower-
// case, one otherwise. Anything else (ok false) goes through net/mail.
// TestPlainEmailAgreesWithNetMail and FuzzPlainEmail hold the two paths to the same answer.
func plainEmail(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	at := strings.IndexByte(raw, '@')
	if at <= 0 || len(raw) > maxAddressLen || !isASCII(raw) || !isDotAtom(raw[:at]) {
		return "", false
	}
	domain, upper := raw[at+1:], false
	if domain == "" || domain[0] == '.' || domain[len(domain)-1] == '.' {
		return "", false
	}
	for i := 0; i < len(domain); i++ {
		switch c := domain[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		case 'A' <= c && c <= 'Z':
			upper = true
		case c == '.' && domain[i-1] != '.':
		default:
			return "", false
		}
	}
	if !upper {
		return raw, true
	}
	b := make([]byte, len(raw))
	copy(b, raw)
	for i := at + 1; i < len(b); i++ {
		b[i] = lowerByte(b[i])
	}
	return string(b), true
}

// DisplayEmail is ValidEmail with the domain as the customer wrote it, lower-cased: the
// form a profile keeps and shows.
func DisplayEmail(raw string) (string, error) {
	local, domain, err := parseEmail(raw)
	if err != nil {
		return "", err
	}
	return quoteLocal(local) + "@" + domain, nil
}

// SameEmail reports whether a and b are the same mailbox as far as Rapport treats them:
// case-insensitively, and whatever form the domain is written in. Unsubscribes, bounces and
// duplicates compare addresses through it.
func SameEmail(a, b string) bool {
	x, errA := ValidEmail(a)
	y, errB := ValidEmail(b)
	return errA == nil && errB == nil && strings.EqualFold(x, y)
}

// parseEmail returns the local part (unquoted) and the lower-cased domain of raw.
func parseEmail(raw string) (local, domain string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", fmt.Errorf("%w: empty", ErrInvalidEmail)
	}
	if len(raw) > maxAddressLen {
		return "", "", fmt.Errorf("%w: longer than %d characters", ErrInvalidEmail, maxAddressLen)
	}
	a, err := mail.ParseAddress(raw)
	if err != nil {
		// net/mail's message does not quote the input, so it is safe to keep.
		return "", "", fmt.Errorf("%w: %v", ErrInvalidEmail, err)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return "", "", fmt.Errorf("%w: no domain", ErrInvalidEmail)
	}
	local, domain = a.Address[:at], strings.ToLower(a.Address[at+1:])
	// Control characters cannot be sent even quoted, and would let a trait inject headers.
	if strings.ContainsFunc(a.Address, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", "", fmt.Errorf("%w: control characters", ErrInvalidEmail)
	}
	return local, domain, nil
}

// quoteLocal returns a local part as it must be written in an address: as is when it is a
// dot-atom (RFC 5322 atext, and any non-ASCII character as RFC 6532 allows), else as a
// quoted string with its quotes and backslashes escaped.
func quoteLocal(local string) string {
	if isDotAtom(local) {
		return local
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range local {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r == '.', r >= 0x80,
			'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r):
		default:
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// NormalizePhone returns raw as an E.164 number ("+4915123456789") or an error. region
// (ISO 3166 alpha-2, any case) reads national numbers ("030 1234567" in DE); a number written
// with its country code ("+49 ...") needs none. The number must be valid for its country, not
// merely possible, so an SMS is never paid for a number that cannot exist.
func NormalizePhone(raw, region string) (e164 string, err error) {
	// phonenumbers is a port of a large Java library; decide promises no panic on any input,
	// so a parser bug on a hostile trait becomes an invalid number, not a crashed worker.
	defer func() {
		if r := recover(); r != nil {
			e164, err = "", fmt.Errorf("%w: unparseable", ErrInvalidPhone)
		}
	}()
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	if len(raw) > maxAddressLen {
		return "", fmt.Errorf("%w: too long", ErrInvalidPhone)
	}
	n, err := phonenumbers.Parse(raw, strings.ToUpper(strings.TrimSpace(region)))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", fmt.Errorf("%w: not a valid number in region %s", ErrInvalidPhone,
			phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())))
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// maskEmail keeps the first character of the local part and the domain: "j***@example.com".
// Enough for an operator to tell addresses apart, not enough to write to the customer.
func maskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return maskText(addr)
	}
	return addr[:1] + "***" + addr[at:]
}

// maskPhone keeps the first three and last two characters: "+49*********89".
func maskPhone(num string) string {
	if len(num) <= 6 {
		return strings.Repeat("*", len(num))
	}
	return num[:3] + strings.Repeat("*", len(num)-5) + num[len(num)-2:]
}

// maskText hides a value that looks like personal data but is neither address form.
func maskText(s string) string {
	if strings.ContainsRune(s, '@') {
		if at := strings.LastIndexByte(s, '@'); at > 0 {
			return maskEmail(s)
		}
	}
	if len(s) <= 2 {
		return "***"
	}
	return s[:1] + "***"
}

// looksPersonal reports a string that may be an email address or a phone number: it holds
// an '@', or seven digits or more. Used on condition values printed in reasons, whose keys
// (custom traits) say nothing about what they hold.
func looksPersonal(s string) bool {
	if strings.ContainsRune(s, '@') {
		return true
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	return digits >= 7
}

// secrets are the spellings of one customer's addresses that must never reach a reason: the
// raw and normalised addresses (extra), and the phone's digits alone, since error texts of
// condition functions print values in any of these forms. Building them allocates nothing,
// and nor does a scrub that finds none: a mask is made only for a secret found (measured in
// BenchmarkDecideLearning: lowering and masking every spelling up front cost 20 of its 133
// allocations).
type secrets struct {
	spell  [4]string
	n      int
	digits [24]byte
	nd     int
}

func secretsOf(c *Customer, extra ...string) secrets {
	var s secrets
	if c != nil {
		s.add(c.Email)
		s.add(c.Phone)
		for i := 0; i < len(c.Phone) && s.nd < len(s.digits); i++ {
			if c.Phone[i] >= '0' && c.Phone[i] <= '9' {
				s.digits[s.nd] = c.Phone[i]
				s.nd++
			}
		}
		if s.nd < 5 || s.nd == len(s.digits) {
			s.nd = 0 // too short to be a number, or too long to be one we hold
		}
	}
	for _, v := range extra {
		s.add(v)
		if strings.HasPrefix(v, "+") {
			s.add(v[1:])
		}
	}
	return s
}

func (s *secrets) add(v string) {
	v = strings.TrimSpace(v)
	if len(v) < 5 || s.n == len(s.spell) { // shorter strings are not addresses, and would mask innocent words
		return
	}
	for _, have := range s.spell[:s.n] {
		if strings.EqualFold(have, v) {
			return
		}
	}
	s.spell[s.n] = v
	s.n++
}

// scrub replaces every occurrence of a secret in reason by its mask, ignoring ASCII case.
// Most reasons hold none, and cost one scan per secret and no allocation.
func (s *secrets) scrub(reason string) string {
	for _, v := range s.spell[:s.n] {
		if indexFold(reason, v) < 0 {
			continue
		}
		mask := maskPhone(v)
		if strings.ContainsRune(v, '@') {
			mask = maskEmail(asciiLower(v))
		}
		reason = replaceFold(reason, v, mask)
	}
	if d := s.digits[:s.nd]; len(d) > 0 && indexBytes(reason, d) >= 0 {
		ds := string(d)
		reason = strings.ReplaceAll(reason, ds, maskPhone(ds))
	}
	return reason
}

// indexFold is strings.Index ignoring ASCII case, without lowering either string. It jumps
// between the occurrences of sub's first byte in either case with strings.IndexByte (which
// is vectorised): scanning byte by byte made scrubbing a fifth of a decision's time.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	lo, up := lowerByte(sub[0]), sub[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	for i := 0; i+n <= len(s); {
		j := strings.IndexByte(s[i:len(s)-n+1], lo)
		if up != lo {
			if k := strings.IndexByte(s[i:len(s)-n+1], up); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return -1
		}
		i += j
		if equalFoldASCII(s[i:i+n], sub) {
			return i
		}
		i++
	}
	return -1
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if lowerByte(a[i]) != lowerByte(b[i]) {
			return false
		}
	}
	return true
}

// indexBytes is strings.Index of a byte slice, without converting it.
func indexBytes(s string, sub []byte) int {
	n := len(sub)
	for i := 0; i+n <= len(s); {
		j := strings.IndexByte(s[i:len(s)-n+1], sub[0])
		if j < 0 {
			return -1
		}
		if i += j; s[i:i+n] == string(sub) {
			return i
		}
		i++
	}
	return -1
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// replaceFold is strings.ReplaceAll ignoring ASCII case. Non-ASCII case folding could change
// byte lengths and offsets; addresses that matter here are ASCII, and the exact spelling is
// replaced in any case.
func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	s = strings.ReplaceAll(s, old, repl)
	ls, lo := asciiLower(s), asciiLower(old)
	if !strings.Contains(ls, lo) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(old):], ls[i+len(old):]
	}
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay those of s. It allocates
// only when there is something to lower.
func asciiLower(s string) string {
	upper := false
	for i := 0; i < len(s) && !upper; i++ {
		upper = s[i] >= 'A' && s[i] <= 'Z'
	}
	if !upper {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
