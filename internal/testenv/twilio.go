package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TwilioMessage is one message the fake Twilio accepted.
type TwilioMessage struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSid string
	Body                string
	IdempotencyToken    string // I-Twilio-Idempotency-Token header
}

// Twilio is an httptest server speaking the Twilio Messages API
// (POST /2010-04-01/Accounts/{sid}/Messages.json): it checks Basic auth and the form, answers
// 201 with a "SM..." sid, records what it accepted, and honours the idempotency token as
// Twilio does (a repeated token gets the first answer and sends nothing).
type Twilio struct {
	URL        string // base URL, for TwilioConfig.BaseURL
	AccountSID string
	AuthToken  string

	srv      *httptest.Server
	mu       sync.Mutex
	msgs     []TwilioMessage
	byToken  map[string]string // idempotency token -> sid
	requests int
	respond  func(TwilioMessage) (status, code int)
}

// NewTwilio starts the fake on a free port; it stops when the test ends.
func NewTwilio(t testing.TB) *Twilio {
	t.Helper()
	tw := &Twilio{AccountSID: "AC" + twilioHex(16), AuthToken: twilioHex(16), byToken: map[string]string{}}
	tw.srv = httptest.NewServer(http.HandlerFunc(tw.serve))
	tw.URL = tw.srv.URL
	t.Cleanup(tw.srv.Close)
	return tw
}

// Respond sets a function deciding each answer: return status 0 (or 201) to accept, or an
// HTTP status with a Twilio error code, e.g. (400, 21211) or (503, 0). nil restores accepting.
func (tw *Twilio) Respond(f func(TwilioMessage) (status, code int)) {
	tw.mu.Lock()
	tw.respond = f
	tw.mu.Unlock()
}

// Fail answers every following request with status and Twilio code (Fail(0, 0) accepts again).
func (tw *Twilio) Fail(status, twilioCode int) {
	if status == 0 {
		tw.Respond(nil)
		return
	}
	tw.Respond(func(TwilioMessage) (int, int) { return status, twilioCode })
}

// Messages returns a copy of what was accepted so far.
func (tw *Twilio) Messages() []TwilioMessage {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return append([]TwilioMessage(nil), tw.msgs...)
}

// Requests returns how many requests arrived, accepted or not.
func (tw *Twilio) Requests() int {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return tw.requests
}

// Wait blocks until at least n messages were accepted or the timeout passes, and returns them.
func (tw *Twilio) Wait(t testing.TB, n int, timeout time.Duration) []TwilioMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if msgs := tw.Messages(); len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("fake twilio: %d messages after %s, want %d", len(tw.Messages()), timeout, n)
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (tw *Twilio) serve(w http.ResponseWriter, r *http.Request) {
	tw.mu.Lock()
	tw.requests++
	tw.mu.Unlock()
	want := "/2010-04-01/Accounts/" + tw.AccountSID + "/Messages.json"
	if r.Method != http.MethodPost || r.URL.Path != want {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != tw.AccountSID || pass != tw.AuthToken {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		twilioError(w, http.StatusBadRequest, 20001, "form body expected")
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, err.Error())
		return
	}
	m := TwilioMessage{
		To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"),
		MessagingServiceSid: r.PostForm.Get("MessagingServiceSid"),
		IdempotencyToken:    r.Header.Get("I-Twilio-Idempotency-Token"),
	}
	switch {
	case m.To == "":
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case m.From == "" && m.MessagingServiceSid == "":
		twilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case m.Body == "":
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}
	tw.mu.Lock()
	respond := tw.respond
	tw.mu.Unlock()
	if respond != nil {
		if status, code := respond(m); status != 0 && status != http.StatusCreated {
			twilioError(w, status, code, fmt.Sprintf("The 'To' number %s is not accepted (fake error %d).", m.To, code))
			return
		}
	}
	tw.mu.Lock()
	sid, seen := tw.byToken[m.IdempotencyToken]
	if !seen || m.IdempotencyToken == "" {
		sid = "SM" + twilioHex(16)
		m.SID = sid
		tw.msgs = append(tw.msgs, m)
		if m.IdempotencyToken != "" {
			tw.byToken[m.IdempotencyToken] = sid
		}
	}
	tw.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sid": sid, "account_sid": tw.AccountSID, "to": m.To, "from": m.From,
		"body": m.Body, "status": "queued", "num_segments": "1",
	})
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}

func twilioHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
