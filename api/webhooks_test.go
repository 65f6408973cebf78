package api_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/links"
)

const (
	publicURL   = "https://news.example.com"
	twilioToken = "twilio-auth-token"
	certURL     = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
)

type hookBundle struct {
	*testBundle
	key       *rsa.PrivateKey
	certPEM   []byte
	fetches   atomic.Int32
	confirmed atomic.Value // the SubscribeURL GET, as a string
	redis     *testenv.Redis
}

// setupHooks is a server with the webhooks configured: Twilio signs with twilioToken, SNS
// certificates come from a certificate generated here, never from the network.
func setupHooks(t *testing.T) *hookBundle {
	t.Helper()
	r := testenv.NewRedis(t)
	store := customers.NewStore(r.Client, customers.Options{})
	signer := links.NewSigner("secret", publicURL)
	b := &hookBundle{redis: r}
	b.key, b.certPEM = testCertificate(t)
	sns := &api.SNSVerifier{
		Fetch: func(ctx context.Context, u string) ([]byte, error) { b.fetches.Add(1); return b.certPEM, nil },
		Client: &http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
			b.confirmed.Store(req.URL.String())
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("<ok/>")), Request: req}, nil
		})},
	}
	s := &api.Server{Ingest: storeIngester{store}, Customers: store, APIKeys: []string{"k2"}, Links: signer,
		Webhooks: api.Webhooks{PublicURL: publicURL, TwilioAuthToken: twilioToken, StopWords: []string{"стоп"}, SNS: sns}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b.testBundle = &testBundle{srv: srv, store: store, signer: signer}
	ctx := context.Background()
	if _, err := store.Apply(ctx, []customers.Event{{Type: customers.TypeIdentify, UserID: "c1", MessageID: "i1", Timestamp: time.Now(),
		Traits: map[string]any{"email": "ann@example.org", "phone": "+14155550100", "locale": "ru-RU",
			"consent": map[string]any{"email": true, "sms": true}}}}); err != nil {
		t.Fatal(err)
	}
	return b
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func testCertificate(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func (b *hookBundle) customer(t *testing.T) *customers.Profile {
	t.Helper()
	p, err := b.store.Get(context.Background(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// twilio posts a form to a Twilio webhook, signed with token ("" leaves it unsigned).
func (b *hookBundle) twilio(t *testing.T, path, token string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-Twilio-Signature", channels.TwilioSignature(token, publicURL+path, form))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestInboundStopOptsOutOfSMSAndStartOptsBackIn(t *testing.T) {
	b := setupHooks(t)
	inbound := func(body string) url.Values {
		return url.Values{"From": {"+14155550100"}, "To": {"+15550100"}, "Body": {body}, "MessageSid": {"SM" + body}}
	}
	steps := []struct {
		name, token, body string
		code              int
		unsubscribed      bool
	}{
		{"unsigned STOP", "", "STOP", 403, false},
		{"STOP signed with another token", "wrong", "STOP", 403, false},
		{"signed chatter", twilioToken, "thanks!", 200, false},
		{"signed stop, lower case, spaces", twilioToken, "  stop ", 200, true},
		{"START", twilioToken, "START", 200, false},
		{"configured word in Russian", twilioToken, "СТОП", 200, true},
		{"UNSTOP", twilioToken, "unstop", 200, false},
	}
	for _, s := range steps {
		if code := b.twilio(t, "/v1/webhooks/twilio/sms", s.token, inbound(s.body)); code != s.code {
			t.Fatalf("%s: %d, want %d", s.name, code, s.code)
		}
		if _, got := b.customer(t).Unsubscribed["sms"]; got != s.unsubscribed {
			t.Fatalf("%s: sms unsubscribed %v, want %v", s.name, got, s.unsubscribed)
		}
	}
	h := b.customer(t).ConsentHistory
	if len(h) != 4+2 || h[0].Source != customers.SourceSMSKeyword || h[0].Action != customers.ConsentOptIn {
		t.Fatalf("history %+v", h)
	}
}

func TestHardBounceFromEachWebhookStopsTheAddress(t *testing.T) {
	for name, send := range map[string]func(t *testing.T, b *hookBundle) int{
		"generic": func(t *testing.T, b *hookBundle) int {
			code, _ := b.do(t, "POST", "/v1/webhooks/email", `{"type":"bounce","bounce_type":"hard","email":"ANN@example.org"}`, bearer)
			return code
		},
		"generic by message id": func(t *testing.T, b *hookBundle) int {
			if err := b.store.RememberMessage(context.Background(), "rapport.abc@news.example.com", "c1"); err != nil {
				t.Fatal(err)
			}
			code, _ := b.do(t, "POST", "/v1/webhooks/email", `{"type":"bounce","message_id":"<rapport.abc@news.example.com>","email":"other@x.org"}`, bearer)
			return code
		},
		"ses via sns, signature v1": func(t *testing.T, b *hookBundle) int {
			return b.sns(t, b.sesNotification("n1", "1", `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"ann@example.org","diagnosticCode":"550 5.1.1 unknown"}]},"mail":{"commonHeaders":{"messageId":"<rapport.x@d>"}}}`))
		},
		"ses via sns, signature v2": func(t *testing.T, b *hookBundle) int {
			return b.sns(t, b.sesNotification("n2", "2", `{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"ann@example.org"}]}}`))
		},
		"twilio status": func(t *testing.T, b *hookBundle) int {
			if err := b.store.RememberMessage(context.Background(), "SM123", "c1"); err != nil {
				t.Fatal(err)
			}
			return b.twilio(t, "/v1/webhooks/twilio/status", twilioToken, url.Values{"MessageSid": {"SM123"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30005"}, "To": {"+14155550100"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := setupHooks(t)
			if code := send(t, b); code != 200 {
				t.Fatalf("answered %d", code)
			}
			ch := "email"
			if strings.HasPrefix(name, "twilio") {
				ch = "sms"
			}
			if r := b.customer(t).Undeliverable[ch]; !strings.HasPrefix(r, "hard bounce") {
				t.Fatalf("%s undeliverable %q", ch, r)
			}
		})
	}
}

func TestTheSameNotificationTwiceCountsOnceAndADeliveryResets(t *testing.T) {
	b := setupHooks(t)
	soft := func(id string) {
		t.Helper()
		if code, _ := b.do(t, "POST", "/v1/webhooks/email", `{"id":"`+id+`","type":"bounce","bounce_type":"soft","email":"ann@example.org"}`, bearer); code != 200 {
			t.Fatalf("soft bounce %s: %d", id, code)
		}
	}
	stopped := func() bool { _, ok := b.customer(t).Undeliverable["email"]; return ok }
	soft("a")
	soft("b")
	soft("b") // the same notification again: not a third bounce
	if stopped() {
		t.Fatal("a replayed notification counted")
	}
	// An SNS delivery, signed, in between resets the run; replayed, it changes nothing.
	delivery := b.sesNotification("d1", "2", `{"notificationType":"Delivery","delivery":{"recipients":["ann@example.org"]}}`)
	for range 2 {
		if code := b.sns(t, delivery); code != 200 {
			t.Fatalf("delivery: %d", code)
		}
	}
	soft("c")
	soft("d")
	if stopped() {
		t.Fatal("the delivery did not reset the run of soft bounces")
	}
	soft("e")
	if !stopped() {
		t.Fatal("three soft bounces in a row did not stop the address")
	}
}

func TestSESWebhookRefusesAnythingNotSignedByAnSNSCertificate(t *testing.T) {
	b := setupHooks(t)
	bounce := `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"ann@example.org"}]}}`
	for name, mutate := range map[string]func(m map[string]string){
		"unsigned":         func(m map[string]string) { delete(m, "Signature") },
		"tampered message": func(m map[string]string) { m["Message"] = strings.Replace(m["Message"], "ann", "bob", 1) },
		"unknown version":  func(m map[string]string) { m["SignatureVersion"] = "3" },
		"certificate elsewhere": func(m map[string]string) {
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/c.pem"
		},
		"certificate over http": func(m map[string]string) { m["SigningCertURL"] = "http://sns.us-east-1.amazonaws.com/c.pem" },
	} {
		m := b.sesNotification("x-"+name, "1", bounce)
		mutate(m)
		if code := b.sns(t, m); code != 403 {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	if p := b.customer(t); len(p.Unsubscribed) != 0 {
		t.Fatalf("a refused notification changed the customer: %v", p.Unsubscribed)
	}
	// Signed, the complaint unsubscribes, recorded as such; the certificate was fetched once.
	if code := b.sns(t, b.sesNotification("ok", "1", bounce)); code != 200 {
		t.Fatalf("signed complaint: %d", code)
	}
	if p := b.customer(t); p.Unsubscribed["email"].IsZero() || p.ConsentHistory[0].Source != customers.SourceComplaint {
		t.Fatalf("complaint not applied: %v %+v", p.Unsubscribed, p.ConsentHistory)
	}
	if n := b.fetches.Load(); n != 1 {
		t.Errorf("certificate fetched %d times, want 1 (cached)", n)
	}
}

func TestSESSubscriptionIsConfirmedOnlyWhenSignedAndOnAnSNSHost(t *testing.T) {
	b := setupHooks(t)
	sub := func(subscribeURL string) map[string]string {
		m := map[string]string{"Type": "SubscriptionConfirmation", "MessageId": "s1", "Token": "tok",
			"TopicArn": "arn:aws:sns:us-east-1:123:ses", "Message": "confirm", "Timestamp": "2026-01-01T00:00:00.000Z",
			"SignatureVersion": "2", "SigningCertURL": certURL, "SubscribeURL": subscribeURL}
		b.sign(m)
		return m
	}
	if code := b.sns(t, sub("https://attacker.example/confirm")); code != 403 {
		t.Fatalf("SubscribeURL off SNS: %d", code)
	}
	if b.confirmed.Load() != nil {
		t.Fatal("fetched a SubscribeURL off SNS")
	}
	unsigned := sub("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok")
	unsigned["Signature"] = ""
	if code := b.sns(t, unsigned); code != 403 || b.confirmed.Load() != nil {
		t.Fatalf("unsigned confirmation: %d", code)
	}
	good := "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=tok"
	if code := b.sns(t, sub(good)); code != 200 || b.confirmed.Load() != good {
		t.Fatalf("confirmation: %d, fetched %v", code, b.confirmed.Load())
	}
}

// sesNotification is an SNS Notification carrying an SES event, signed with version v.
func (b *hookBundle) sesNotification(id, v, message string) map[string]string {
	m := map[string]string{"Type": "Notification", "MessageId": id, "TopicArn": "arn:aws:sns:us-east-1:123:ses",
		"Message": message, "Timestamp": "2026-01-01T00:00:00.000Z", "SignatureVersion": v, "SigningCertURL": certURL}
	b.sign(m)
	return m
}

// sign signs an SNS message as SNS does: the canonical fields of its type, name and value
// each on a line, with SHA1 (version 1) or SHA256 (version 2).
func (b *hookBundle) sign(m map[string]string) {
	fields := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if m["Type"] != "Notification" {
		fields = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var s strings.Builder
	for _, f := range fields {
		if v, ok := m[f]; ok {
			s.WriteString(f + "\n" + v + "\n")
		}
	}
	var sig []byte
	if m["SignatureVersion"] == "1" {
		d := sha1.Sum([]byte(s.String()))
		sig, _ = rsa.SignPKCS1v15(rand.Reader, b.key, crypto.SHA1, d[:])
	} else {
		d := sha256.Sum256([]byte(s.String()))
		sig, _ = rsa.SignPKCS1v15(rand.Reader, b.key, crypto.SHA256, d[:])
	}
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
}

func (b *hookBundle) sns(t *testing.T, m map[string]string) int {
	t.Helper()
	body, _ := json.Marshal(m)
	code, _ := b.do(t, "POST", "/v1/webhooks/ses", string(body), map[string]string{"Content-Type": "text/plain; charset=UTF-8"})
	return code
}
