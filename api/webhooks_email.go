package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapporthq/rapport/customers"
)

// genericFeedback is one notification of POST /v1/webhooks/email.
type genericFeedback struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Email      string    `json:"email"`
	BounceType string    `json:"bounce_type"`
	MessageID  string    `json:"message_id"`
	Timestamp  time.Time `json:"timestamp"`
	Reason     string    `json:"reason"`
}

// maxFeedbackBatch bounds the notifications of one request: a relay that batches sends a
// few hundred at most, and a larger body would hold a handler for long.
const maxFeedbackBatch = 1000

// feedbackParallel is how many notifications of a batch are applied at once: each costs
// four to five Redis round trips (find the send, remember the notification, apply, count),
// so a batch applied one by one would be latency-bound.
const feedbackParallel = 8

// handleEmailWebhook takes bounces, complaints and deliveries in Rapport's own JSON form,
// for relays and ESPs that can post one: a notification, or a JSON array of up to
// maxFeedbackBatch of them, answered with one result each in order ({"results": [...]}).
// A batch with an invalid notification is refused whole (400 naming "[i].field"), before
// anything is applied; one that Redis failed on gets 503, and its retry applies what was not
// applied yet (each notification is applied once). Without an id, a notification is
// identified by a digest of its JSON, so a resent one is applied once.
func (s *Server) handleEmailWebhook(w http.ResponseWriter, r *http.Request) {
	fs, ok := s.feedbackStore(w)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var raws []json.RawMessage
	batch := bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("["))
	if !batch {
		raws = []json.RawMessage{body}
	} else if err := json.Unmarshal(body, &raws); err != nil {
		writeError(w, http.StatusBadRequest, "", "invalid JSON: "+err.Error())
		return
	}
	if len(raws) > maxFeedbackBatch {
		writeError(w, http.StatusRequestEntityTooLarge, "", "at most "+strconv.Itoa(maxFeedbackBatch)+" notifications per request")
		return
	}
	type item struct {
		fb                  customers.Feedback
		providerID, address string
		counted             bool
	}
	items := make([]item, len(raws))
	for i, raw := range raws {
		prefix := ""
		if batch {
			prefix = "[" + strconv.Itoa(i) + "]."
		}
		var in genericFeedback
		if err := json.Unmarshal(raw, &in); err != nil {
			writeError(w, http.StatusBadRequest, strings.TrimSuffix(prefix, "."), "invalid JSON: "+err.Error())
			return
		}
		fb, field, msg := in.feedback(raw)
		if field != "" {
			writeError(w, http.StatusBadRequest, prefix+field, msg)
			return
		}
		// An ESP's open or click resets soft bounces as a delivery does, but the message was
		// counted delivered by its delivery notification already.
		items[i] = item{fb, in.MessageID, in.Email, in.Type != "open" && in.Type != "click"}
	}
	if !batch {
		s.applyFeedback(w, r.Context(), fs, items[0].fb, items[0].providerID, items[0].address, items[0].counted)
		return
	}
	answers := make([]feedbackAnswer, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	sem := make(chan struct{}, feedbackParallel)
	for i := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			answers[i], errs[i] = s.applyOne(r.Context(), fs, items[i].fb, items[i].providerID, items[i].address, items[i].counted)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "", "could not record every notification; retry")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": answers})
}

// feedback validates a notification; field and msg name what is wrong, field "" when
// nothing is.
func (in *genericFeedback) feedback(raw []byte) (fb customers.Feedback, field, msg string) {
	var kind customers.FeedbackKind
	switch in.Type {
	case "bounce":
		switch in.BounceType {
		case "hard", "":
			kind = customers.FeedbackHardBounce
		case "soft":
			kind = customers.FeedbackSoftBounce
		default:
			return fb, "bounce_type", "must be hard or soft"
		}
	case "complaint":
		kind = customers.FeedbackComplaint
	case "delivered", "open", "click":
		kind = customers.FeedbackDelivered
	default:
		return fb, "type", "must be bounce, complaint or delivered"
	}
	if in.Email == "" && in.MessageID == "" {
		return fb, "email", "email or message_id is required"
	}
	if in.ID == "" {
		d := sha256.Sum256(raw)
		in.ID = hex.EncodeToString(d[:16])
	}
	return customers.Feedback{Source: "email", ID: in.ID, Kind: kind, Channel: "email", Reason: in.Reason, At: in.Timestamp}, "", ""
}
