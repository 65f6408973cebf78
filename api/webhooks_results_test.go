package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/results"
)

// countBundle is setupHooks with the campaign counters and tracking wired, and customer c1
// sent campaign spring: by email as variant gold (its link hash saved, as delivery does) and
// by SMS as variant short with Twilio's SID SM-spring.
type countBundle struct {
	*hookBundle
	results *results.Store
	keyring *links.Keyring
	handler http.Handler
	send    [8]byte
	msgID   string
}

func setupCounts(t *testing.T) *countBundle {
	t.Helper()
	b := &countBundle{hookBundle: setupHooks(t)}
	rdb := b.redis.Client
	var err error
	if b.results, err = results.New(rdb, 0); err != nil {
		t.Fatal(err)
	}
	if b.keyring, err = links.NewKeyring([]string{"secret"}, publicURL); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Ingest: storeIngester{b.store}, Customers: b.store, APIKeys: []string{"k2"}, Links: b.signer,
		Results:  b.results,
		Tracking: &api.Tracking{Keyring: b.keyring, Hits: b.store, Rules: &config.Tracking{ProxyUserAgents: []string{"AppleMailProxy"}}},
		Webhooks: api.Webhooks{PublicURL: publicURL, TwilioAuthToken: twilioToken, SNS: hookSNS(b.hookBundle)}}
	b.handler = s.Handler()
	srv := httptest.NewServer(b.handler)
	t.Cleanup(srv.Close)
	b.srv = srv

	ctx := context.Background()
	now := time.Now().Add(-time.Hour) // well outside the scanner window
	b.send = [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	b.msgID = customers.MessageID(b.send, "spring", "c1", "news.example.com")
	if err := b.store.SaveLinks(ctx, customers.SentLinks{Customer: "c1", Send: b.send, Campaign: "spring", Variant: "gold",
		Channel: "email", At: now, Links: []string{"https://shop.example.com/new"}}); err != nil {
		t.Fatal(err)
	}
	for _, sd := range []decide.Send{
		{Campaign: "spring", Occurrence: "o1", Variant: "gold", Channel: "email", At: now},
		{Campaign: "spring", Occurrence: "o1", Variant: "short", Channel: "sms", At: now, ProviderID: "SM-spring"},
	} {
		if err := b.store.RecordSend(ctx, "c1", sd); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// hookSNS is the SNS verifier of a hook bundle's server (its test certificate).
func hookSNS(b *hookBundle) *api.SNSVerifier {
	return &api.SNSVerifier{Fetch: func(ctx context.Context, u string) ([]byte, error) { return b.certPEM, nil }}
}

// counted is the lifetime counter of campaign spring for metric, channel and variant.
func (b *countBundle) counted(t *testing.T, m results.Metric, channel, variant string) int64 {
	t.Helper()
	c, err := b.results.Lifetime(context.Background(), "spring")
	if err != nil {
		t.Fatal(err)
	}
	return c[results.Key{Metric: m, Arm: results.Treatment, Channel: channel, Variant: variant}]
}

func TestHardBounceFromEachWebhookCountsBouncedOnceForItsCampaign(t *testing.T) {
	for name, tc := range map[string]struct {
		channel, variant string
		send             func(t *testing.T, b *countBundle) int
	}{
		"generic, by our Message-ID (variant from the link hash)": {"email", "gold", func(t *testing.T, b *countBundle) int {
			code, _ := b.do(t, "POST", "/v1/webhooks/email", `{"type":"bounce","bounce_type":"hard","message_id":"<`+b.msgID+`>","email":"someone-else@example.org"}`, bearer)
			return code
		}},
		"ses via sns (variant from the recent sends)": {"email", "gold", func(t *testing.T, b *countBundle) int {
			// No link hash for this send: the variant comes from the customer's recent sends.
			id := customers.MessageID([8]byte{9}, "spring", "c1", "news.example.com")
			return b.sns(t, b.sesNotification("n1", "2", `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"ann@example.org"}]},"mail":{"commonHeaders":{"messageId":"<`+id+`>"}}}`))
		}},
		"twilio status, by the SID recorded with the send": {"sms", "short", func(t *testing.T, b *countBundle) int {
			return b.twilio(t, "/v1/webhooks/twilio/status", twilioToken, url.Values{"MessageSid": {"SM-spring"},
				"MessageStatus": {"undelivered"}, "ErrorCode": {"30005"}, "To": {"+19999999999"}})
		}},
	} {
		t.Run(name, func(t *testing.T) {
			b := setupCounts(t)
			for i := range 2 { // the provider retries: the same notification twice
				if code := tc.send(t, b); code != 200 {
					t.Fatalf("attempt %d answered %d", i, code)
				}
			}
			if n := b.counted(t, results.Bounced, tc.channel, tc.variant); n != 1 {
				c, _ := b.results.Lifetime(context.Background(), "spring")
				t.Fatalf("bounced %d for spring/%s/%s, want 1; counters %v", n, tc.channel, tc.variant, c)
			}
			if r := b.customer(t).Undeliverable[tc.channel]; !strings.HasPrefix(r, "hard bounce") {
				t.Fatalf("%s not stopped: %q", tc.channel, r)
			}
		})
	}
}

func TestDeliveryAndComplaintCountForTheirCampaign(t *testing.T) {
	b := setupCounts(t)
	// An ESP's open after the delivery resets bounces but is not a second delivery.
	for _, typ := range []string{"delivered", "open", "complaint", "complaint"} {
		body := `{"id":"` + typ + `","type":"` + typ + `","message_id":"` + b.msgID + `"}`
		if code, _ := b.do(t, "POST", "/v1/webhooks/email", body, bearer); code != 200 {
			t.Fatalf("%s: %d", typ, code)
		}
	}
	if d, c := b.counted(t, results.Delivered, "email", "gold"), b.counted(t, results.Complained, "email", "gold"); d != 1 || c != 1 {
		t.Fatalf("delivered %d, complained %d; want 1 and 1", d, c)
	}
	// Twilio says delivered, then read: one delivery of the SMS.
	for _, status := range []string{"delivered", "read"} {
		if code := b.twilio(t, "/v1/webhooks/twilio/status", twilioToken, url.Values{"MessageSid": {"SM-spring"}, "MessageStatus": {status}}); code != 200 {
			t.Fatalf("twilio %s: %d", status, code)
		}
	}
	if d := b.counted(t, results.Delivered, "sms", "short"); d != 1 {
		t.Fatalf("sms delivered %d, want 1", d)
	}
}

func TestOpenFromAPrivacyProxyDoesNotCountOpened(t *testing.T) {
	b := setupCounts(t)
	open := "/t/o/" + b.keyring.SignTrack(links.PurposeOpen, links.TrackToken{Customer: "c1", Send: b.send, Index: links.Pixel})
	click := "/t/c/" + b.keyring.SignTrack(links.PurposeClick, links.TrackToken{Customer: "c1", Send: b.send, Index: 0})
	get := func(path, ua, remote string) int {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("User-Agent", ua)
		if remote != "" {
			req.RemoteAddr = remote // Apple's network: the default proxy_ips
		}
		rec := httptest.NewRecorder()
		b.handler.ServeHTTP(rec, req)
		return rec.Code
	}
	steps := []struct {
		name, path, ua, remote string
		code                   int
		opened, clicked        int64
	}{
		{"Apple MPP by user agent", open, "AppleMailProxy/1.0", "", 200, 0, 0},
		{"Apple MPP by address", open, "Mozilla/5.0", "17.58.101.7:41000", 200, 0, 0},
		{"the reader's open", open, "Mozilla/5.0", "", 200, 1, 0},
		{"the reader opens again", open, "Mozilla/5.0", "", 200, 1, 0},
		{"the reader clicks", click, "Mozilla/5.0", "", 302, 1, 1},
		{"and clicks again", click, "Mozilla/5.0", "", 302, 1, 1},
	}
	for _, s := range steps {
		if s.remote != "" {
			// The default rules know Apple's network; this server's rules know its agent.
			srv := &api.Server{Customers: b.store, Links: b.signer, Results: b.results,
				Tracking: &api.Tracking{Keyring: b.keyring, Hits: b.store}}
			h := srv.Handler()
			req := httptest.NewRequest("GET", s.path, nil)
			req.RemoteAddr = s.remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != s.code {
				t.Fatalf("%s: %d, want %d", s.name, rec.Code, s.code)
			}
		} else if code := get(s.path, s.ua, ""); code != s.code {
			t.Fatalf("%s: %d, want %d", s.name, code, s.code)
		}
		if o, c := b.counted(t, results.Opened, "email", "gold"), b.counted(t, results.Clicked, "email", "gold"); o != s.opened || c != s.clicked {
			t.Fatalf("%s: opened %d clicked %d, want %d %d", s.name, o, c, s.opened, s.clicked)
		}
	}
	st, err := b.store.SendStats(context.Background(), "c1", b.send)
	if err != nil || st.FlaggedOpens != 2 {
		t.Fatalf("flagged opens %d (%v), want 2: recorded, not counted", st.FlaggedOpens, err)
	}
}

func TestOneClickUnsubscribeCountsUnsubscribedForTheCampaign(t *testing.T) {
	b := setupCounts(t)
	u, _ := url.Parse(b.signer.Unsubscribe("c1", "spring", "email"))
	for range 2 { // a second post changes nothing and counts nothing
		code, _ := b.do(t, "POST", u.Path, "List-Unsubscribe=One-Click", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if code != 200 {
			t.Fatalf("one-click: %d", code)
		}
	}
	if n := b.counted(t, results.Unsubscribed, "email", "gold"); n != 1 {
		t.Fatalf("unsubscribed %d for spring/email/gold, want 1", n)
	}
	if _, ok := b.customer(t).Unsubscribed["email"]; !ok {
		t.Fatal("not unsubscribed")
	}
}

func TestStopCountsUnsubscribedForTheLatestSMSCampaign(t *testing.T) {
	b := setupCounts(t)
	stop := url.Values{"From": {"+14155550100"}, "To": {"+15550100"}, "Body": {"STOP"}, "MessageSid": {"SMin"}}
	for range 2 {
		if code := b.twilio(t, "/v1/webhooks/twilio/sms", twilioToken, stop); code != 200 {
			t.Fatalf("STOP: %d", code)
		}
	}
	if n := b.counted(t, results.Unsubscribed, "sms", "short"); n != 1 {
		t.Fatalf("unsubscribed %d for spring/sms/short, want 1", n)
	}
}

func TestGenericBatchIsRefusedWholeWhenOneIsInvalidAndAppliedOnceWhenReplayed(t *testing.T) {
	b := setupCounts(t)
	bad := `[{"id":"s1","type":"bounce","bounce_type":"soft","message_id":"` + b.msgID + `"},{"id":"x","type":"bounced","email":"ann@example.org"}]`
	if code, out := b.do(t, "POST", "/v1/webhooks/email", bad, bearer); code != 400 || out["field"] != "[1].type" {
		t.Fatalf("invalid batch: %d %v", code, out)
	}
	if n := b.counted(t, results.Bounced, "email", "gold"); n != 0 {
		t.Fatalf("a refused batch counted %d bounces", n)
	}
	good := `[{"id":"s1","type":"bounce","bounce_type":"soft","message_id":"` + b.msgID + `"},` +
		`{"id":"d1","type":"delivered","message_id":"` + b.msgID + `"},{"type":"bounce","email":"nobody@example.org"}]`
	for range 2 {
		code, out := b.do(t, "POST", "/v1/webhooks/email", good, bearer)
		if res, _ := out["results"].([]any); code != 200 || len(res) != 3 {
			t.Fatalf("batch: %d %v", code, out)
		}
	}
	if bo, d := b.counted(t, results.Bounced, "email", "gold"), b.counted(t, results.Delivered, "email", "gold"); bo != 1 || d != 1 {
		t.Fatalf("bounced %d delivered %d, want 1 and 1", bo, d)
	}
}
