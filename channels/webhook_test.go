package channels

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// webhookSink records requests and answers with status and body.
type webhookSink struct {
	mu     sync.Mutex
	reqs   []webhookSeen
	status int
	body   string
}

type webhookSeen struct {
	Body                      webhookRequest
	Auth, Idempotency, CTType string
}

func newWebhookSink(t *testing.T) (*webhookSink, *httptest.Server) {
	s := &webhookSink{status: http.StatusOK, body: `{"id":"msg-42"}`}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req webhookRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.mu.Lock()
		s.reqs = append(s.reqs, webhookSeen{Body: req, Auth: r.Header.Get("Authorization"),
			Idempotency: r.Header.Get("Idempotency-Key"), CTType: r.Header.Get("Content-Type")})
		status, body := s.status, s.body
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *webhookSink) answer(status int, body string) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

func TestWebhookPostsJSONWithTokenAndKey(t *testing.T) {
	t.Parallel()
	sink, srv := newWebhookSink(t)
	w := NewWebhook(WebhookConfig{URL: srv.URL + "/send", Token: "tok"}, nil)
	r, err := w.SendSMS(context.Background(), testSMS())
	if err != nil {
		t.Fatal(err)
	}
	if r.ProviderID != "msg-42" {
		t.Fatalf("ProviderID = %q", r.ProviderID)
	}
	got := sink.reqs[0]
	want := webhookSeen{Body: webhookRequest{To: "+491512345689", Text: testSMS().Text, Key: "k-123"},
		Auth: "Bearer tok", Idempotency: "k-123", CTType: "application/json"}
	if got != want {
		t.Fatalf("received %+v, want %+v", got, want)
	}
}

func TestWebhookAnswersAreClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		status          int
		body            string
		permanent, conf bool
		wantID          string
		wantErr         bool
	}{
		{name: "202 without a body is success", status: 202, body: ""},
		{name: "200 with an id", status: 200, body: `{"id":"x1"}`, wantID: "x1"},
		{name: "400 is permanent", status: 400, body: `{"error":"number +491512345689 is invalid"}`, permanent: true, wantErr: true},
		{name: "422 is permanent", status: 422, body: "unprocessable", permanent: true, wantErr: true},
		{name: "401 blames the token", status: 401, permanent: true, conf: true, wantErr: true},
		{name: "408 is temporary", status: 408, wantErr: true},
		{name: "429 is temporary", status: 429, wantErr: true},
		{name: "500 is temporary", status: 500, body: "<html>oops</html>", wantErr: true},
		{name: "503 is temporary", status: 503, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sink, srv := newWebhookSink(t)
			sink.answer(c.status, c.body)
			r, err := NewWebhook(WebhookConfig{URL: srv.URL}, nil).SendSMS(context.Background(), testSMS())
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if !c.wantErr {
				if r.ProviderID != c.wantID {
					t.Fatalf("ProviderID = %q, want %q", r.ProviderID, c.wantID)
				}
				return
			}
			if IsPermanent(err) != c.permanent || errors.Is(err, ErrTemporary) == c.permanent || IsConfig(err) != c.conf {
				t.Fatalf("err = %v; want permanent=%v config=%v", err, c.permanent, c.conf)
			}
			if strings.Contains(err.Error(), "491512345689") {
				t.Fatalf("err leaks the number: %v", err)
			}
		})
	}
}

func TestWebhookTimeoutIsTemporary(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body first lets the server notice the client hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	_, err := NewWebhook(WebhookConfig{URL: srv.URL, Timeout: 100 * time.Millisecond}, nil).SendSMS(context.Background(), testSMS())
	if !errors.Is(err, ErrTemporary) || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %s; want temporary within the timeout", err, time.Since(start))
	}
}

func TestWebhookWithoutURLIsAConfigError(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "ftp://x.test/send", "://bad"} {
		_, err := NewWebhook(WebhookConfig{URL: u}, nil).SendSMS(context.Background(), testSMS())
		if !IsConfig(err) {
			t.Errorf("url %q: err = %v, want a configuration error", u, err)
		}
	}
}
