package api

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
)

// SNSVerifier checks the signatures of Amazon SNS messages and confirms subscriptions. The
// signing certificate is fetched only from https://sns.<region>.amazonaws.com/ and cached.
type SNSVerifier struct {
	// Fetch returns the PEM certificate at a URL that has passed the host check; tests give
	// a local certificate. Default: an HTTPS GET with Client.
	Fetch func(ctx context.Context, url string) ([]byte, error)
	// Client confirms subscriptions (and fetches certificates by default). Default: a client
	// with a 10 s timeout.
	Client *http.Client

	mu    sync.Mutex
	certs map[string]*x509.Certificate // by URL; a handful of regions at most
}

// snsHost is the only host a signing certificate or a SubscribeURL may be on: a looser check
// (a suffix, a substring) lets anyone sign with a certificate of their own.
var snsHost = regexp.MustCompile(`^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$`)

// maxSNSCerts bounds the cache: the URLs are checked, but a bound costs nothing.
const maxSNSCerts = 64

// snsMessage is an SNS HTTP(S) message; the fields signed depend on Type.
type snsMessage struct {
	Type             string
	MessageId        string
	Token            string
	TopicArn         string
	Subject          *string
	Message          string
	Timestamp        string
	SignatureVersion string
	Signature        string
	SigningCertURL   string `json:"SigningCertURL"`
	SubscribeURL     string
}

// canonical is the string SNS signs: each field's name and value on their own lines, in
// this order, Subject only when present.
func (m *snsMessage) canonical() (string, error) {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	switch m.Type {
	case "Notification":
		add("Message", m.Message)
		add("MessageId", m.MessageId)
		if m.Subject != nil {
			add("Subject", *m.Subject)
		}
		add("Timestamp", m.Timestamp)
		add("TopicArn", m.TopicArn)
		add("Type", m.Type)
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		add("Message", m.Message)
		add("MessageId", m.MessageId)
		add("SubscribeURL", m.SubscribeURL)
		add("Timestamp", m.Timestamp)
		add("Token", m.Token)
		add("TopicArn", m.TopicArn)
		add("Type", m.Type)
	default:
		return "", fmt.Errorf("unknown message Type %q", m.Type)
	}
	return b.String(), nil
}

// checkSNSURL refuses any URL but https on an SNS host, without user, port or oddities.
func checkSNSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" || !snsHost.MatchString(u.Hostname()) {
		return fmt.Errorf("%q is not an https URL on sns.<region>.amazonaws.com", raw)
	}
	return nil
}

// Verify checks m's signature: SignatureVersion 1 (RSA SHA1) or 2 (RSA SHA256) with the
// certificate at SigningCertURL.
func (v *SNSVerifier) verify(ctx context.Context, m *snsMessage) error {
	var h crypto.Hash
	switch m.SignatureVersion {
	case "1":
		h = crypto.SHA1
	case "2":
		h = crypto.SHA256
	default:
		return fmt.Errorf("SignatureVersion %q is not 1 or 2", m.SignatureVersion)
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || len(sig) == 0 {
		return errors.New("Signature is missing or not base64")
	}
	text, err := m.canonical()
	if err != nil {
		return err
	}
	cert, err := v.cert(ctx, m.SigningCertURL)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("the signing certificate has no RSA key")
	}
	var digest []byte
	if h == crypto.SHA1 {
		d := sha1.Sum([]byte(text))
		digest = d[:]
	} else {
		d := sha256.Sum256([]byte(text))
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, h, digest, sig); err != nil {
		return errors.New("the signature does not match")
	}
	return nil
}

func (v *SNSVerifier) cert(ctx context.Context, raw string) (*x509.Certificate, error) {
	if err := checkSNSURL(raw); err != nil {
		return nil, fmt.Errorf("SigningCertURL: %w", err)
	}
	v.mu.Lock()
	c := v.certs[raw]
	v.mu.Unlock()
	if c != nil {
		return c, nil
	}
	fetch := v.Fetch
	if fetch == nil {
		fetch = v.get
	}
	pemBytes, err := fetch(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("fetch the signing certificate: %w", err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("the signing certificate is not PEM")
	}
	c, err = x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse the signing certificate: %w", err)
	}
	v.mu.Lock()
	if v.certs == nil || len(v.certs) >= maxSNSCerts {
		v.certs = map[string]*x509.Certificate{}
	}
	v.certs[raw] = c
	v.mu.Unlock()
	return c, nil
}

func (v *SNSVerifier) client() *http.Client {
	if v.Client != nil {
		return v.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// get fetches a URL with a deadline, reading at most 64 KiB.
func (v *SNSVerifier) get(ctx context.Context, raw string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", raw, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<10))
}

// sesEvent is the part of an SES notification (or event publishing record) Rapport reads.
type sesEvent struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
	Delivery struct {
		Recipients []string `json:"recipients"`
	} `json:"delivery"`
	Mail struct {
		CommonHeaders struct {
			MessageID string `json:"messageId"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

// handleSESWebhook takes SES bounce, complaint and delivery notifications through SNS. Only
// signed messages are read: anything unsigned or badly signed gets 403 and changes nothing;
// a signed SubscriptionConfirmation is confirmed by a GET of its SubscribeURL, which must be
// on an SNS host too.
func (s *Server) handleSESWebhook(w http.ResponseWriter, r *http.Request) {
	var m snsMessage
	fs, _, ok := s.feedbackJSON(w, r, &m)
	if !ok {
		return
	}
	if err := s.Webhooks.SNS.verify(r.Context(), &m); err != nil {
		s.Log.Warn("refused an SNS message", zap.String("type", m.Type), zap.Error(err))
		writeError(w, http.StatusForbidden, "Signature", "SNS signature not verified: "+err.Error())
		return
	}
	switch m.Type {
	case "SubscriptionConfirmation":
		if err := checkSNSURL(m.SubscribeURL); err != nil {
			writeError(w, http.StatusForbidden, "SubscribeURL", err.Error())
			return
		}
		if _, err := s.Webhooks.SNS.get(r.Context(), m.SubscribeURL); err != nil {
			s.Log.Error("confirm the SNS subscription", zap.String("topic", m.TopicArn), zap.Error(err))
			writeError(w, http.StatusBadGateway, "SubscribeURL", "could not confirm the subscription; SNS will retry")
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"confirmed": true})
		return
	case "UnsubscribeConfirmation":
		writeJSON(w, http.StatusOK, map[string]bool{"applied": false})
		return
	}
	var ev sesEvent
	if err := json.Unmarshal([]byte(m.Message), &ev); err != nil {
		writeError(w, http.StatusBadRequest, "Message", "not an SES notification: "+err.Error())
		return
	}
	s.applySESEvent(w, r.Context(), fs, m.MessageId, &ev)
}

type sesRecipient struct {
	kind           customers.FeedbackKind
	address, cause string
}

func (s *Server) applySESEvent(w http.ResponseWriter, ctx context.Context, fs FeedbackStore, snsID string, ev *sesEvent) {
	kind := ev.NotificationType
	if kind == "" {
		kind = ev.EventType
	}
	var rcpts []sesRecipient
	switch kind {
	case "Bounce":
		k := customers.FeedbackSoftBounce // Transient, Undetermined
		if ev.Bounce.BounceType == "Permanent" {
			k = customers.FeedbackHardBounce
		}
		for _, b := range ev.Bounce.BouncedRecipients {
			rcpts = append(rcpts, sesRecipient{k, b.EmailAddress, b.DiagnosticCode})
		}
	case "Complaint":
		for _, c := range ev.Complaint.ComplainedRecipients {
			rcpts = append(rcpts, sesRecipient{customers.FeedbackComplaint, c.EmailAddress, ""})
		}
	case "Delivery":
		for _, a := range ev.Delivery.Recipients {
			rcpts = append(rcpts, sesRecipient{customers.FeedbackDelivered, a, ""})
		}
	}
	applied := 0
	for _, rc := range rcpts {
		fb := customers.Feedback{Source: "ses", ID: snsID + "\x1f" + strings.ToLower(rc.address), Kind: rc.kind, Channel: "email", Reason: rc.cause, At: s.Now()}
		// A message to one recipient names it by our Message-ID; with several, only the
		// address tells which of them bounced.
		providerID := ""
		if len(rcpts) == 1 {
			providerID = ev.Mail.CommonHeaders.MessageID
		}
		ref, err := fs.FindSend(ctx, providerID, "email", rc.address)
		if errors.Is(err, customers.ErrNotFound) {
			continue
		}
		if err == nil {
			fb.Customer, fb.SoftBounceLimit = ref.Customer, s.Webhooks.SoftBounceLimit
			var res customers.FeedbackResult
			if res, err = fs.ApplyFeedback(ctx, fb); err == nil {
				s.countFeedback(ctx, ref, fb, res)
			}
		}
		if err != nil && !errors.Is(err, customers.ErrNotFound) {
			s.Log.Error("SES feedback", zap.Error(err))
			writeError(w, http.StatusServiceUnavailable, "", "could not record the notification; retry")
			return
		}
		applied++
	}
	writeJSON(w, http.StatusOK, map[string]int{"recipients": len(rcpts), "applied": applied})
}
