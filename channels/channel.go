// Package channels delivers rendered messages: email through pooled SMTP connections (go-mail),
// SMS through a Twilio-compatible REST API or a generic webhook, and a file outbox for any
// channel with no provider. Failures are classified as temporary (retry with backoff) or
// permanent (mark the address, try the next channel).
package channels

import (
	"context"
	"errors"
)

// Email is a rendered email.
type Email struct {
	To      string // address only
	ToName  string
	Subject string
	HTML    string
	Text    string
	// MessageID is derived from the send key, so a retried delivery carries the same id.
	MessageID string
	// ListUnsubscribe is the signed one-click unsubscribe URL (RFC 8058); empty for none.
	ListUnsubscribe string
	// Headers are extra headers (X-Rapport-Campaign, ...).
	Headers map[string]string
	// Meta says what the message is; it is not sent.
	Meta Meta
}

// SMS is a rendered text message.
type SMS struct {
	To   string // E.164
	Text string
	// Key is the send key, passed to providers that accept an idempotency key.
	Key string
	// Meta says what the message is; it is not sent.
	Meta Meta
}

// Meta describes a message for the records kept beside it (the outbox's index.jsonl), so a
// reader can tell which campaign, variant and customer a file is for without parsing it. It
// never goes to a provider. The delivery path fills it in; every field may be empty.
type Meta struct {
	Campaign string
	Variant  string
	Customer string // the customer's id, never an address
	Locale   string // the locale the message was rendered in
}

// Receipt is what a provider answered.
type Receipt struct {
	ProviderID string
}

// EmailSender delivers one email per call.
type EmailSender interface {
	SendEmail(ctx context.Context, m *Email) (Receipt, error)
	Close() error
}

// SMSSender delivers one SMS per call.
type SMSSender interface {
	SendSMS(ctx context.Context, m *SMS) (Receipt, error)
	Close() error
}

// ErrPermanent marks a failure that retrying cannot fix (SMTP 5xx, invalid number): the
// address is marked undeliverable and the next allowed channel is tried.
var ErrPermanent = errors.New("permanent delivery failure")

// ErrTemporary marks a failure worth retrying with backoff (network, SMTP 4xx, HTTP 429/5xx).
var ErrTemporary = errors.New("temporary delivery failure")

// ErrConfig marks a failure caused by the sending side, not by the recipient: rejected provider
// credentials, a sender the server refuses, a TLS policy the server cannot meet, or a malformed
// message from the caller. It always comes together with ErrPermanent (retrying the same request
// cannot fix it), but the recipient's address is not at fault and must not be marked
// undeliverable because of it.
var ErrConfig = errors.New("sending configuration error")

// ErrContentRefused marks a server's refusal of one message's content: too large (552,
// 5.3.4), a line too long, a media error (5.6.x). It always comes together with ErrPermanent
// (the same message would be refused again), but neither the recipient's address nor the
// sending configuration is at fault: the address must not be marked undeliverable, and the
// send must not be retried as a configuration error would be.
var ErrContentRefused = errors.New("message content refused")

// ErrOutcomeUnknown marks a failure after the provider may already have accepted the message
// (the connection broke during or after SMTP DATA). It comes with ErrTemporary, but resending
// risks a duplicate, so the caller records it instead of retrying.
var ErrOutcomeUnknown = errors.New("delivery outcome unknown")

// IsPermanent reports whether err is a permanent delivery failure.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// IsContentRefused reports whether err is a refusal of one message's content (see
// ErrContentRefused).
func IsContentRefused(err error) bool { return errors.Is(err, ErrContentRefused) }

// IsConfig reports whether err is a permanent failure on the sending side (see ErrConfig).
func IsConfig(err error) bool { return errors.Is(err, ErrConfig) }
