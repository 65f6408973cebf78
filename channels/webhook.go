package channels

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// WebhookConfig configures a generic JSON SMS provider.
type WebhookConfig struct {
	// URL receives a POST of {"to","text","key"} per message. Required.
	URL string
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	// Timeout bounds one request. Default 10s.
	Timeout time.Duration
}

// Validate reports a missing or malformed URL; SendSMS answers every message with it (as a
// permanent ErrConfig failure) until it is fixed.
func (c WebhookConfig) Validate() error {
	if c.URL == "" {
		return fmt.Errorf("sms webhook: %w", errEmptyURL)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("sms webhook url is not a URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("sms webhook url %q must be an http(s) URL", u.Redacted())
	}
	if c.Timeout < 0 {
		return fmt.Errorf("sms webhook timeout %s cannot be negative", c.Timeout)
	}
	return nil
}

// Webhook sends SMS by posting JSON to a URL of the operator's choosing. The contract for the
// receiving end: answer 2xx once the message is accepted (optionally {"id": "..."}), 4xx when
// this message can never be sent (except 408 and 429), 408, 429 or 5xx to have it retried; and
// treat the Idempotency-Key header as the message's identity, since a retry repeats it.
type Webhook struct {
	cfg     WebhookConfig
	hc      *http.Client
	invalid error
}

// NewWebhook returns a webhook sender using hc (http.DefaultClient when nil).
func NewWebhook(cfg WebhookConfig, hc *http.Client) *Webhook {
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultSMSTimeout
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Webhook{cfg: cfg, hc: hc, invalid: cfg.Validate()}
}

type webhookRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
	Key  string `json:"key"`
}

// webhookAnswer is read from any answer: id on success, error or message on refusal.
type webhookAnswer struct {
	ID      string `json:"id"`
	Error   string `json:"error"`
	Message string `json:"message"`
	Code    int    `json:"code"`
}

// SendSMS posts one message. Errors wrap ErrTemporary or ErrPermanent and a *ProviderError.
func (w *Webhook) SendSMS(ctx context.Context, m *SMS) (Receipt, error) {
	to := ""
	if m != nil {
		to = m.To
	}
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("webhook sms to %s: %w", MaskPhone(to), err)
	}
	if w.invalid != nil {
		return fail(fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, w.invalid))
	}
	if err := checkSMS(m); err != nil {
		return fail(err)
	}
	body, err := json.Marshal(webhookRequest{To: m.To, Text: m.Text, Key: m.Key})
	if err != nil {
		return fail(fmt.Errorf("%w: %w: encode request: %w", ErrPermanent, ErrConfig, err))
	}
	req, err := http.NewRequest(http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fail(fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if w.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.cfg.Token)
	}
	if m.Key != "" {
		req.Header.Set("Idempotency-Key", m.Key)
	}
	resp, err := do(ctx, w.hc, w.cfg.Timeout, req)
	if err != nil {
		return fail(err)
	}
	var ans webhookAnswer
	jsonErr := json.Unmarshal(resp.body, &ans)
	if resp.status/100 == 2 {
		return Receipt{ProviderID: ans.ID}, nil
	}
	msg := ans.Error
	if msg == "" {
		msg = ans.Message
	}
	if jsonErr != nil {
		msg = string(resp.body)
	}
	pe := &ProviderError{Provider: "webhook", Status: resp.status, Code: ans.Code,
		Message: scrub(msg, m.To), RetryAfter: retryAfter(resp.header)}
	return fail(classifyHTTP(pe, nil))
}

// Close releases nothing: the HTTP client belongs to the caller.
func (w *Webhook) Close() error { return nil }

var _ SMSSender = (*Webhook)(nil)
