package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/customers"
)

// FeedbackStore is what the provider webhooks need of the customer store (customers.Store):
// find the customer of a notification, apply it once, change consent. When the Server's
// Customers does not implement it, the webhooks answer 501.
type FeedbackStore interface {
	ConsentChanger
	FindCustomer(ctx context.Context, providerID, channel, address string) (string, error)
	// FindSend is FindCustomer with the campaign and variant of the message when the
	// notification names it (customers.MessageID, a remembered SID).
	FindSend(ctx context.Context, providerID, channel, address string) (customers.SendRef, error)
	ApplyFeedback(ctx context.Context, fb customers.Feedback) (customers.FeedbackResult, error)
}

// Webhooks configures the provider webhooks. Zero values take the documented defaults.
type Webhooks struct {
	// PublicURL is the base URL providers were given (config public_url): Twilio signs the
	// full URL it called, which behind a proxy is not the one the server sees.
	PublicURL string
	// TwilioAuthToken verifies X-Twilio-Signature (config sms.twilio.auth_token). Empty: every
	// Twilio webhook is refused with 403.
	TwilioAuthToken string
	// StopWords and StartWords are keywords besides Twilio's standard ones (config
	// sms.stop_words, sms.start_words), matched case-insensitively on the trimmed body.
	StopWords, StartWords []string
	// SoftBounceLimit is email.soft_bounce_limit; default customers.DefaultSoftBounceLimit.
	SoftBounceLimit int
	// SNS verifies SES notifications delivered through SNS; nil uses a default SNSVerifier.
	SNS *SNSVerifier
}

// The keywords Twilio itself honours for opt-out and opt-in on long codes.
var (
	standardStopWords  = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
	standardStartWords = []string{"START", "UNSTOP"}
)

func (s *Server) feedbackStore(w http.ResponseWriter) (FeedbackStore, bool) {
	fs, ok := s.Customers.(FeedbackStore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "", "this server keeps no delivery feedback")
	}
	return fs, ok
}

// feedbackJSON reads a provider's JSON notification into v, with the store that applies
// feedback; it has answered the request when ok is false.
func (s *Server) feedbackJSON(w http.ResponseWriter, r *http.Request, v any) (fs FeedbackStore, body []byte, ok bool) {
	if fs, ok = s.feedbackStore(w); !ok {
		return nil, nil, false
	}
	if body, ok = s.readBody(w, r); !ok {
		return nil, nil, false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeError(w, http.StatusBadRequest, "", "invalid JSON: "+err.Error())
		return nil, nil, false
	}
	return fs, body, true
}

// applyFeedback finds the customer of a notification and applies it, answering the
// provider: 200 when applied, ignored as a duplicate, or for nobody we know (a provider must
// not retry those for days); 503 when Redis failed, so that it retries.
func (s *Server) applyFeedback(w http.ResponseWriter, ctx context.Context, fs FeedbackStore, fb customers.Feedback, providerID, address string, counted bool) {
	ans, err := s.applyOne(ctx, fs, fb, providerID, address, counted)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "", "could not record the notification; retry")
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// feedbackAnswer is what a webhook answers for one notification.
type feedbackAnswer struct {
	Applied   bool   `json:"applied"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Stopped   bool   `json:"stopped,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// applyOne finds the send of a notification, applies it and, when counted, counts it; an
// error (logged) means Redis failed and the provider should retry. A notification that
// repeats what another said of the same message (an ESP's open after its delivery, Twilio's
// "read" after "delivered") is applied but not counted, or the message would count as
// delivered twice.
func (s *Server) applyOne(ctx context.Context, fs FeedbackStore, fb customers.Feedback, providerID, address string, counted bool) (feedbackAnswer, error) {
	ref, err := fs.FindSend(ctx, providerID, fb.Channel, address)
	if errors.Is(err, customers.ErrNotFound) {
		return feedbackAnswer{Reason: "unknown recipient"}, nil
	}
	if err == nil {
		fb.Customer = ref.Customer
		if fb.Kind == customers.FeedbackSoftBounce {
			fb.SoftBounceLimit = s.Webhooks.SoftBounceLimit
		}
		var res customers.FeedbackResult
		res, err = fs.ApplyFeedback(ctx, fb)
		if err == nil && counted {
			s.countFeedback(ctx, ref, fb, res)
		}
		if err == nil || errors.Is(err, customers.ErrNotFound) {
			return feedbackAnswer{Applied: err == nil && !res.Duplicate, Duplicate: res.Duplicate, Stopped: res.Stopped}, nil
		}
	}
	s.Log.Error("delivery feedback", zap.String("source", fb.Source), zap.Error(err))
	return feedbackAnswer{}, err
}

// twilioForm reads and verifies a Twilio webhook: 403, and nothing read further, unless
// X-Twilio-Signature is the HMAC of PublicURL + the request's path and query and the form.
func (s *Server) twilioForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, s.BodyLimit)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "", "unreadable form")
		return false
	}
	full := strings.TrimRight(s.Webhooks.PublicURL, "/") + r.URL.RequestURI()
	if !channels.VerifyTwilioSignature(s.Webhooks.TwilioAuthToken, full, r.PostForm, r.Header.Get("X-Twilio-Signature")) {
		writeError(w, http.StatusForbidden, "X-Twilio-Signature", "missing or invalid Twilio signature")
		return false
	}
	return true
}

// emptyTwiML answers Twilio without a reply message: Twilio itself confirms STOP and START on
// long codes, and a second confirmation from us would be a message the customer did not want.
func emptyTwiML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`))
}

// handleTwilioSMS takes inbound messages: a stop keyword opts the sender's customer out of
// SMS, a start keyword back in, anything else is ignored.
func (s *Server) handleTwilioSMS(w http.ResponseWriter, r *http.Request) {
	fs, ok := s.feedbackStore(w)
	if !ok || !s.twilioForm(w, r) {
		return
	}
	body := strings.TrimSpace(r.PostForm.Get("Body"))
	action := customers.ConsentAction("")
	switch {
	case matchesWord(body, standardStopWords, s.Webhooks.StopWords):
		action = customers.ConsentOptOut
	case matchesWord(body, standardStartWords, s.Webhooks.StartWords):
		action = customers.ConsentOptIn
	default:
		emptyTwiML(w)
		return
	}
	id, err := fs.FindCustomer(r.Context(), "", "sms", r.PostForm.Get("From"))
	if errors.Is(err, customers.ErrNotFound) {
		emptyTwiML(w)
		return
	}
	if err == nil {
		var changed bool
		changed, err = fs.ChangeConsent(r.Context(), id, customers.ConsentChange{At: s.Now(), Channel: "sms", Action: action, Source: customers.SourceSMSKeyword})
		if err == nil && changed && action == customers.ConsentOptOut {
			s.countUnsubscribe(r.Context(), id, "", "sms")
		}
	}
	if err != nil && !errors.Is(err, customers.ErrNotFound) {
		s.Log.Error("inbound sms keyword", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not record the keyword; retry")
		return
	}
	emptyTwiML(w)
}

func matchesWord(body string, lists ...[]string) bool {
	for _, l := range lists {
		if slices.ContainsFunc(l, func(word string) bool { return strings.EqualFold(strings.TrimSpace(word), body) }) {
			return true
		}
	}
	return false
}

// permanentTwilioErrors are the status-callback error codes that mean the number cannot
// receive: 30003 unreachable handset, 30004 blocked, 30005 unknown destination, 30006
// landline or unreachable carrier.
var permanentTwilioErrors = []string{"30003", "30004", "30005", "30006"}

// handleTwilioStatus takes message status callbacks: delivered ends a run of soft failures; a
// failed or undelivered message with a permanent error code stops the number, any other
// failure counts as a soft bounce.
func (s *Server) handleTwilioStatus(w http.ResponseWriter, r *http.Request) {
	fs, ok := s.feedbackStore(w)
	if !ok || !s.twilioForm(w, r) {
		return
	}
	sid, status := r.PostForm.Get("MessageSid"), r.PostForm.Get("MessageStatus")
	if sid == "" {
		writeError(w, http.StatusBadRequest, "MessageSid", "is required")
		return
	}
	var kind customers.FeedbackKind
	code := r.PostForm.Get("ErrorCode")
	switch status {
	case "delivered", "read":
		kind = customers.FeedbackDelivered
	case "failed", "undelivered":
		kind = customers.FeedbackSoftBounce
		if slices.Contains(permanentTwilioErrors, code) {
			kind = customers.FeedbackHardBounce
		}
	default: // queued, sending, sent...: nothing to learn
		writeJSON(w, http.StatusOK, map[string]any{"applied": false})
		return
	}
	s.applyFeedback(w, r.Context(), fs, customers.Feedback{Source: "twilio", ID: sid + ":" + status, Kind: kind,
		Channel: "sms", Reason: "twilio error " + code, At: s.Now()}, sid, r.PostForm.Get("To"), status != "read")
}
