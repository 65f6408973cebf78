package channels

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TwilioConfig configures a Twilio-compatible SMS provider.
type TwilioConfig struct {
	AccountSID string // required; also the Basic auth user
	AuthToken  string // required; the Basic auth password
	// From is the sender: a phone number in E.164, an alphanumeric sender id, or a Messaging
	// Service SID ("MG..."), which is sent as MessagingServiceSid instead of From.
	From string
	// BaseURL is the API root. Default https://api.twilio.com.
	BaseURL string
	// Timeout bounds one request. Default 10s.
	Timeout time.Duration
}

// DefaultTwilioBaseURL is Twilio's API root.
const DefaultTwilioBaseURL = "https://api.twilio.com"

// Validate reports what is missing or malformed; wiring calls it at start-up, and SendSMS
// answers every message with it (as a permanent ErrConfig failure) until it is fixed.
func (c TwilioConfig) Validate() error {
	var missing []string
	for name, v := range map[string]string{"account_sid": c.AccountSID, "auth_token": c.AuthToken, "from": c.From} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("twilio config: %s required", strings.Join(missing, ", "))
	}
	if strings.ContainsAny(c.AccountSID, "/?#% ") {
		return fmt.Errorf("twilio account_sid %q contains characters that cannot be in a URL path", c.AccountSID)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("twilio timeout %s cannot be negative", c.Timeout)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("twilio base_url %q must be an http(s) URL", c.BaseURL)
		}
	}
	return nil
}

// Twilio sends SMS through the Twilio Messages API, or any API that speaks it.
type Twilio struct {
	cfg      TwilioConfig
	hc       *http.Client
	endpoint string
	invalid  error // from Validate, returned by every send
}

// NewTwilio returns a Twilio sender using hc (http.DefaultClient when nil). An invalid config
// does not panic: every SendSMS fails with it, and Validate reports it earlier.
func NewTwilio(cfg TwilioConfig, hc *http.Client) *Twilio {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultTwilioBaseURL
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultSMSTimeout
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	t := &Twilio{cfg: cfg, hc: hc, invalid: cfg.Validate()}
	t.endpoint = strings.TrimRight(cfg.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/Messages.json"
	return t
}

// twilioAnswer is the part of a Messages API answer Rapport reads, success or error.
type twilioAnswer struct {
	SID     string `json:"sid"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// SendSMS posts one message. m.Key is sent as I-Twilio-Idempotency-Token, so a retry after a
// lost answer does not send twice. Errors wrap ErrTemporary or ErrPermanent and a
// *ProviderError with Twilio's code.
func (t *Twilio) SendSMS(ctx context.Context, m *SMS) (Receipt, error) {
	to := ""
	if m != nil {
		to = m.To
	}
	fail := func(err error) (Receipt, error) {
		return Receipt{}, fmt.Errorf("twilio send to %s: %w", MaskPhone(to), err)
	}
	if t.invalid != nil {
		return fail(fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, t.invalid))
	}
	if err := checkSMS(m); err != nil {
		return fail(err)
	}
	form := url.Values{"To": {m.To}, "Body": {m.Text}}
	if isMessagingService(t.cfg.From) {
		form.Set("MessagingServiceSid", t.cfg.From)
	} else {
		form.Set("From", t.cfg.From)
	}
	req, err := http.NewRequest(http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fail(fmt.Errorf("%w: %w: %w", ErrPermanent, ErrConfig, err))
	}
	req.SetBasicAuth(t.cfg.AccountSID, t.cfg.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if m.Key != "" {
		req.Header.Set("I-Twilio-Idempotency-Token", m.Key)
	}
	resp, err := do(ctx, t.hc, t.cfg.Timeout, req)
	if err != nil {
		return fail(err)
	}
	var ans twilioAnswer
	jsonErr := json.Unmarshal(resp.body, &ans)
	if resp.status/100 == 2 {
		// Accepted: a garbled answer does not undo that, it only loses the sid.
		return Receipt{ProviderID: ans.SID}, nil
	}
	pe := &ProviderError{Provider: "twilio", Status: resp.status, Code: ans.Code,
		Message: scrub(ans.Message, m.To), RetryAfter: retryAfter(resp.header)}
	if jsonErr != nil {
		pe.Message = scrub(string(resp.body), m.To)
	}
	if pe.Code == twilioQueueFull {
		return fail(fmt.Errorf("%w: %w", ErrTemporary, pe))
	}
	return fail(classifyHTTP(pe, twilioConfigCode))
}

// twilioQueueFull is Twilio's 21611, "this From number has exceeded the maximum number of
// queued messages": an HTTP 400 that clears once the queue drains.
const twilioQueueFull = 21611

// isMessagingService reports a Messaging Service SID: "MG" and 32 hex digits.
func isMessagingService(from string) bool {
	if len(from) != 34 || !strings.HasPrefix(from, "MG") {
		return false
	}
	for _, r := range from[2:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// twilioConfigCode reports Twilio error codes that blame the sender or the account, not the
// recipient, e.g. 21408 "permission to send to this region is not enabled" or 21606 "From is
// not an SMS-capable number". Codes like 21211 (invalid To), 21610 (unsubscribed) and 21614
// (not a mobile number) are the recipient's.
func twilioConfigCode(code int) bool {
	switch code {
	case 20003, 20404, 21212, 21408, 21603, 21606, 21659, 21660:
		return true
	}
	return false
}

// Close releases nothing: the HTTP client belongs to the caller.
func (t *Twilio) Close() error { return nil }

var _ SMSSender = (*Twilio)(nil)
