package channels

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxProviderBody caps how much of a provider's answer is read; answers are small JSON objects.
const maxProviderBody = 1 << 20

// defaultSMSTimeout bounds one provider request when the config sets no timeout.
const defaultSMSTimeout = 10 * time.Second

// e164 is the shape SMS.To must have. Only the shape is checked: whether a number exists is the
// provider's call, and phone metadata lags new number ranges, which would turn a valid number
// into a permanent failure.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ProviderError is a refusal answered by an SMS provider. It is wrapped together with
// ErrTemporary or ErrPermanent; errors.As gives callers the provider's code, e.g. Twilio 21610
// (the recipient replied STOP).
type ProviderError struct {
	Provider   string        // "twilio", "webhook"
	Status     int           // HTTP status
	Code       int           // provider's error code, 0 when none was given
	Message    string        // provider's message, with the recipient's number masked
	RetryAfter time.Duration // from a Retry-After header on 429/503, 0 when absent
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered HTTP %d", e.Provider, e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// checkSMS validates a message before any request.
func checkSMS(m *SMS) error {
	switch {
	case m == nil:
		return fmt.Errorf("%w: %w: sms is nil", ErrPermanent, ErrConfig)
	case !e164.MatchString(m.To):
		// The number is the address: a malformed one is the address's fault.
		return fmt.Errorf("%w: number is not in E.164 form (+<country><number>)", ErrPermanent)
	case strings.TrimSpace(m.Text) == "":
		return fmt.Errorf("%w: %w: sms text is empty", ErrPermanent, ErrConfig)
	}
	return nil
}

// providerResponse is a provider's answer, read whole.
type providerResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends req with a per-request timeout and reads the answer. A transport failure is
// temporary: with the request possibly received, the idempotency key the caller set on req is
// what keeps a retry from sending twice.
func do(ctx context.Context, hc *http.Client, timeout time.Duration, req *http.Request) (providerResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return providerResponse{}, fmt.Errorf("%w: %w", ErrTemporary, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProviderBody))
	if err != nil && resp.StatusCode/100 != 2 {
		return providerResponse{}, fmt.Errorf("%w: read answer (HTTP %d): %w", ErrTemporary, resp.StatusCode, err)
	}
	return providerResponse{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// classifyHTTP wraps a provider refusal: 408, 429 and 5xx are temporary; 401, 403 and 404 mean
// the credentials, account or URL are wrong (permanent, ErrConfig); other 4xx are permanent.
// configCode reports provider codes that blame the sender rather than the recipient.
func classifyHTTP(pe *ProviderError, configCode func(int) bool) error {
	switch s := pe.Status; {
	case s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500:
		return fmt.Errorf("%w: %w", ErrTemporary, pe)
	case s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusNotFound:
		return fmt.Errorf("%w: %w: %w (check the account, credentials and URL)", ErrPermanent, ErrConfig, pe)
	case configCode != nil && configCode(pe.Code):
		return fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, pe)
	case s >= 400:
		return fmt.Errorf("%w: %w", ErrPermanent, pe)
	}
	// 1xx and 3xx that the client did not follow.
	return fmt.Errorf("%w: %w", ErrTemporary, pe)
}

// retryAfter reads a Retry-After header in seconds; dates are rare for these APIs and ignored.
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// scrub replaces the recipient's number in provider text, which often quotes it, and caps the
// length so a provider's HTML error page does not fill the logs.
func scrub(text, phone string) string {
	text = strings.TrimSpace(text)
	if phone != "" {
		text = strings.ReplaceAll(text, phone, MaskPhone(phone))
		text = strings.ReplaceAll(text, strings.TrimPrefix(phone, "+"), MaskPhone(phone))
	}
	if len(text) > 200 {
		text = strings.ToValidUTF8(text[:200], "") + "…"
	}
	return text
}

var errEmptyURL = errors.New("url is empty")
