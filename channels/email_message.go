package channels

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wneessen/go-mail"
	"golang.org/x/net/idna"
)

// reservedHeaders are set by buildMessage itself; an extra header of the same name would
// duplicate or contradict them.
var reservedHeaders = map[string]bool{
	"From": true, "Sender": true, "To": true, "Cc": true, "Bcc": true, "Subject": true,
	"Date": true, "Message-Id": true, "Mime-Version": true, "Content-Type": true,
	"Content-Transfer-Encoding": true, "List-Unsubscribe": true, "List-Unsubscribe-Post": true,
	"Dkim-Signature": true, "Return-Path": true,
}

// errInvalidRecipient marks a recipient address that cannot be written into a message; it is
// the address's fault, unlike every other build error.
var errInvalidRecipient = errors.New("invalid recipient address")

// buildMessage turns an Email into a go-mail message. Every header is checked here so that
// neither a template nor a trait can inject a line into the message. The pool and the outbox
// share it, so what the outbox shows is what SMTP would send.
func buildMessage(from *netmail.Address, m *Email, now time.Time) (*mail.Msg, error) {
	if m == nil {
		return nil, errors.New("email is nil")
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)

	to, err := recipient(m.To, m.ToName)
	if err != nil {
		return nil, err
	}
	msg.ToMailAddress(to)

	// A subject that spans lines is a template slip, not a reason to lose the message: fold it.
	msg.Subject(subjectValue(strings.Join(strings.Fields(m.Subject), " ")))

	if m.MessageID != "" {
		id, err := cleanMessageID(m.MessageID)
		if err != nil {
			return nil, err
		}
		msg.SetMessageIDWithValue(id)
	} else {
		msg.SetMessageID()
	}
	msg.SetDateWithValue(now)

	if m.ListUnsubscribe != "" {
		if err := setListUnsubscribe(msg, m.ListUnsubscribe); err != nil {
			return nil, err
		}
	}
	for name, value := range m.Headers {
		canon, err := checkHeader(name, value)
		if err != nil {
			return nil, err
		}
		msg.SetGenHeader(mail.Header(canon), value)
	}

	if strings.TrimSpace(m.Text) == "" {
		return nil, errors.New("email has no text part (the plain-text alternative is required)")
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text, partEncoding(m.Text)...)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML, partEncoding(m.HTML)...)
	}
	return msg, nil
}

// maxLineOctets is SMTP's limit on a line of content, CRLF excluded (RFC 5322 §2.1.1).
const maxLineOctets = 998

// partEncoding leaves a part unencoded when it is 7-bit clean: printable ASCII, tabs and line
// breaks (LF or CRLF; the transport writes CRLF), no line longer than SMTP allows. That is
// what a mail client sends for plain English text; quoted-printable would only escape the '='
// signs of the HTML's attributes and cost a tenth of the worker's time per message. go-mail
// labels unencoded content "8bit" (its "7bit" would still encode): being 7-bit clean, it
// needs no 8BITMIME from the server and survives any relay. Anything else (UTF-8, control
// characters, long lines) keeps go-mail's quoted-printable.
func partEncoding(content string) []mail.PartOption {
	line := 0
	for i := 0; i < len(content); i++ {
		switch c := content[i]; {
		case c == '\n':
			line = 0
			continue
		case c == '\r':
			if i+1 < len(content) && content[i+1] == '\n' {
				continue
			}
			return nil
		case c == '\t' || (c >= ' ' && c <= '~'):
		default:
			return nil
		}
		if line++; line > maxLineOctets {
			return nil
		}
	}
	return []mail.PartOption{mail.WithPartEncoding(mail.NoEncoding)}
}

func recipient(addr, name string) (*netmail.Address, error) {
	addr = strings.TrimSpace(addr)
	parsed, err := netmail.ParseAddress(addr)
	if err != nil || parsed.Address != addr {
		return nil, fmt.Errorf("%w: %q is not a bare address", errInvalidRecipient, MaskEmail(addr))
	}
	address, err := asciiDomain(parsed.Address)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", errInvalidRecipient, MaskEmail(addr), err)
	}
	// net/mail encodes any name safely; displayName flattens and caps it first.
	return &netmail.Address{Name: displayName(name), Address: address}, nil
}

// asciiDomain writes an internationalised domain in its ASCII form (IDNA 2008 punycode,
// "bücher.de" to "xn--bcher-kva.de"), in the envelope and the To header alike: every server
// takes it, where a UTF-8 domain needs SMTPUTF8 (RFC 6531), which many relays do not offer.
// A UTF-8 local part has no ASCII form and is left to SMTPUTF8.
func asciiDomain(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	domain := addr[at+1:]
	for i := 0; i < len(domain); i++ {
		if domain[i] >= utf8.RuneSelf {
			ascii, err := idna.Lookup.ToASCII(domain)
			if err != nil {
				return "", fmt.Errorf("domain is not a valid internationalised name: %w", err)
			}
			return addr[:at+1] + ascii, nil
		}
	}
	return addr, nil
}

// cleanMessageID accepts "local@domain" with or without angle brackets and returns it bare.
func cleanMessageID(id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
		return "", fmt.Errorf("message id %q must look like local@domain", id)
	}
	for _, r := range id {
		if r <= ' ' || r > '~' || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return "", fmt.Errorf("message id %q contains %q", id, r)
		}
	}
	return id, nil
}

// setListUnsubscribe writes List-Unsubscribe and, for web URLs, the RFC 8058 one-click
// List-Unsubscribe-Post header. go-mail writes these headers verbatim, so the URL is checked
// here. http is allowed next to https for local and demo setups; mailbox providers only honour
// one-click over https.
func setListUnsubscribe(msg *mail.Msg, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("list-unsubscribe url: %w", err)
	}
	if len(raw) > maxLineOctets-len("List-Unsubscribe: <>") {
		// go-mail cannot fold a URL: it would make a line no relay accepts.
		return fmt.Errorf("list-unsubscribe url of %d octets is too long for one header line", len(raw))
	}
	if strings.ContainsAny(raw, " \t\r\n<>,") {
		return fmt.Errorf("list-unsubscribe url %q contains a space, comma or angle bracket", raw)
	}
	switch u.Scheme {
	case "https", "http":
		msg.SetListUnsubscribe(raw)
		msg.SetListUnsubscribePost()
	case "mailto":
		msg.SetListUnsubscribe(raw)
	default:
		return fmt.Errorf("list-unsubscribe url scheme %q: want https, http or mailto", u.Scheme)
	}
	return nil
}

// checkHeader validates an extra header and returns its canonical name.
func checkHeader(name, value string) (string, error) {
	if name == "" {
		return "", errors.New("extra header with an empty name")
	}
	for _, r := range name {
		// RFC 5322 field names: printable ASCII except colon.
		if r <= ' ' || r > '~' || r == ':' {
			return "", fmt.Errorf("extra header name %q contains %q", name, r)
		}
	}
	canon := textproto.CanonicalMIMEHeaderKey(name)
	if reservedHeaders[canon] {
		return "", fmt.Errorf("extra header %q is set by the sender itself", name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return "", fmt.Errorf("extra header %q has a line break in its value", name)
	}
	return canon, nil
}

// classifyBuild wraps a message build error: a bad recipient is the address's fault, anything
// else is the caller's (ErrConfig).
func classifyBuild(err error) error {
	if errors.Is(err, errInvalidRecipient) {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err)
}
