package channels

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

type twilioBundle struct {
	fake   *testenv.Twilio
	sender *Twilio
}

func setupTwilio(t *testing.T) *twilioBundle {
	t.Helper()
	fake := testenv.NewTwilio(t)
	sender := NewTwilio(TwilioConfig{
		AccountSID: fake.AccountSID, AuthToken: fake.AuthToken, From: "+15550100",
		BaseURL: fake.URL, Timeout: 2 * time.Second,
	}, nil)
	return &twilioBundle{fake: fake, sender: sender}
}

func testSMS() *SMS {
	return &SMS{To: "+491512345689", Text: "Anna, спасибо! -10% with THANKS10", Key: "k-123"}
}

func TestTwilioSendReturnsSidAndPostsTheForm(t *testing.T) {
	t.Parallel()
	b := setupTwilio(t)
	r, err := b.sender.SendSMS(context.Background(), testSMS())
	if err != nil {
		t.Fatal(err)
	}
	got := b.fake.Wait(t, 1, time.Second)[0]
	if r.ProviderID != got.SID || !strings.HasPrefix(r.ProviderID, "SM") {
		t.Fatalf("ProviderID = %q, fake recorded sid %q", r.ProviderID, got.SID)
	}
	if got.To != "+491512345689" || got.From != "+15550100" || got.Body != testSMS().Text || got.IdempotencyToken != "k-123" {
		t.Fatalf("fake received %+v", got)
	}
}

func TestTwilioRetryWithSameKeySendsOnce(t *testing.T) {
	t.Parallel()
	b := setupTwilio(t)
	first, err := b.sender.SendSMS(context.Background(), testSMS())
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.sender.SendSMS(context.Background(), testSMS())
	if err != nil {
		t.Fatal(err)
	}
	if first.ProviderID != second.ProviderID || len(b.fake.Messages()) != 1 {
		t.Fatalf("sids %q, %q and %d messages; want one message under one sid", first.ProviderID, second.ProviderID, len(b.fake.Messages()))
	}
}

func TestTwilioMessagingServiceSidIsSentAsSuch(t *testing.T) {
	t.Parallel()
	fake := testenv.NewTwilio(t)
	mg := "MG" + strings.Repeat("0a", 16)
	s := NewTwilio(TwilioConfig{AccountSID: fake.AccountSID, AuthToken: fake.AuthToken, From: mg, BaseURL: fake.URL}, nil)
	if _, err := s.SendSMS(context.Background(), testSMS()); err != nil {
		t.Fatal(err)
	}
	if got := fake.Messages()[0]; got.MessagingServiceSid != mg || got.From != "" {
		t.Fatalf("fake received %+v", got)
	}
}

func TestTwilioErrorsAreClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		status, code     int
		permanent, conf  bool
		wantInMessage    string
		wantRetryAfter   bool
		setRetryAfterHdr bool
	}{
		{name: "21211 invalid To is permanent", status: 400, code: 21211, permanent: true, wantInMessage: "code 21211"},
		{name: "21610 unsubscribed is permanent", status: 400, code: 21610, permanent: true, wantInMessage: "code 21610"},
		{name: "21614 not a mobile is permanent", status: 400, code: 21614, permanent: true, wantInMessage: "code 21614"},
		{name: "21408 region not enabled blames the account", status: 400, code: 21408, permanent: true, conf: true},
		{name: "21611 queue full is temporary", status: 400, code: 21611},
		{name: "401 asks to check credentials", status: 401, code: 20003, permanent: true, conf: true, wantInMessage: "credentials"},
		{name: "404 asks to check the account", status: 404, code: 20404, permanent: true, conf: true},
		{name: "429 is temporary", status: 429, code: 20429},
		{name: "503 is temporary", status: 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupTwilio(t)
			b.fake.Fail(c.status, c.code)
			_, err := b.sender.SendSMS(context.Background(), testSMS())
			if IsPermanent(err) != c.permanent || errors.Is(err, ErrTemporary) == c.permanent || IsConfig(err) != c.conf {
				t.Fatalf("err = %v; want permanent=%v config=%v", err, c.permanent, c.conf)
			}
			var pe *ProviderError
			if !errors.As(err, &pe) || pe.Status != c.status || pe.Code != c.code {
				t.Fatalf("err = %v; want a ProviderError with HTTP %d code %d", err, c.status, c.code)
			}
			if !strings.Contains(err.Error(), c.wantInMessage) {
				t.Fatalf("err = %v; want it to mention %q", err, c.wantInMessage)
			}
			if strings.Contains(err.Error(), "491512345689") || !strings.Contains(err.Error(), "+4915******89") {
				t.Fatalf("err = %v; want the number masked everywhere, provider text included", err)
			}
		})
	}
}

func TestTwilioWrongCredentialsAreAConfigError(t *testing.T) {
	t.Parallel()
	fake := testenv.NewTwilio(t)
	s := NewTwilio(TwilioConfig{AccountSID: fake.AccountSID, AuthToken: "wrong", From: "+15550100", BaseURL: fake.URL}, nil)
	_, err := s.SendSMS(context.Background(), testSMS())
	if !IsConfig(err) || !strings.Contains(err.Error(), "20003") {
		t.Fatalf("err = %v; want a configuration error with Twilio code 20003", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("err leaks the token: %v", err)
	}
}

func TestTwilioNetworkFailureAndTimeoutAreTemporary(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body first lets the server notice the client hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for name, base := range map[string]string{"timeout": hang.URL, "refused": down.URL} {
		t.Run(name, func(t *testing.T) {
			s := NewTwilio(TwilioConfig{AccountSID: "AC1", AuthToken: "t", From: "+15550100", BaseURL: base, Timeout: 200 * time.Millisecond}, nil)
			start := time.Now()
			_, err := s.SendSMS(context.Background(), testSMS())
			if !errors.Is(err, ErrTemporary) {
				t.Fatalf("err = %v, want temporary", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("took %s with a 200ms timeout", took)
			}
		})
	}
}

func TestTwilioRejectsBadInputWithoutARequest(t *testing.T) {
	t.Parallel()
	b := setupTwilio(t)
	cases := []struct {
		name string
		sms  *SMS
		conf bool
	}{
		{"national number blames the address", &SMS{To: "01512345689", Text: "hi"}, false},
		{"number with spaces blames the address", &SMS{To: "+49 151 2345689", Text: "hi"}, false},
		{"empty text blames the caller", &SMS{To: "+491512345689", Text: "  "}, true},
		{"nil message blames the caller", nil, true},
	}
	for _, c := range cases {
		_, err := b.sender.SendSMS(context.Background(), c.sms)
		if !IsPermanent(err) || IsConfig(err) != c.conf {
			t.Errorf("%s: err = %v, want permanent with config=%v", c.name, err, c.conf)
		}
	}
	bad := NewTwilio(TwilioConfig{From: "+15550100", BaseURL: b.fake.URL}, nil)
	if _, err := bad.SendSMS(context.Background(), testSMS()); !IsConfig(err) || !strings.Contains(err.Error(), "account_sid") {
		t.Errorf("missing account: err = %v", err)
	}
	if n := b.fake.Requests(); n != 0 {
		t.Fatalf("%d requests reached the provider", n)
	}
}
