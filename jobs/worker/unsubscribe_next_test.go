package worker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newsletter is sent on every order (no repeat rule), by email first, then by SMS.
var newsletter = map[string]string{
	"campaigns/news.yaml": `
id: news
trigger: {event: Order Completed}
channels: [email, sms]
variants:
  - id: v
    email: {subject: "News for {{.Customer.FirstName}}", html: news.html}
    sms: {text: "{{.Customer.FirstName}}, news!"}
`,
	"templates/news.html": `<p>News</p><a href="{{.Links.Unsubscribe}}">unsubscribe</a>`,
}

// oneClickUnsubscribe posts RFC 8058's one-click unsubscribe to the https URL of a received
// email's List-Unsubscribe header, as a mail client does, on the bundle's API.
func (b *bundle) oneClickUnsubscribe(header string) {
	b.t.Helper()
	var link string
	for part := range strings.SplitSeq(header, ",") {
		if u := strings.Trim(strings.TrimSpace(part), "<>"); strings.HasPrefix(u, "https://") {
			link = u
		}
	}
	u, err := url.Parse(link)
	if err != nil || link == "" {
		b.t.Fatalf("List-Unsubscribe %q has no https URL", header)
	}
	resp, err := http.Post(b.api.URL+u.Path, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		b.t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("one-click unsubscribe: status %d", resp.StatusCode)
	}
}

// TestOneClickUnsubscribeSendsTheNextCampaignBySMSOrNothing: after the one-click unsubscribe
// of an email, the customer's next message goes by SMS when they consented to it, and is
// skipped with the reason when they did not; no email goes out either way.
func TestOneClickUnsubscribeSendsTheNextCampaignBySMSOrNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sms    bool
		record string // prefix of the second order's delivery record
		why    string // in its reasons
	}{
		{"SMS consented: by SMS", true, "sent|sms|v|", ""},
		{"no SMS consent: skipped with the reason", false, "skipped|no_channel|", "unsubscribed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, newsletter, "")
			b.identify("una", map[string]any{"firstName": "Una", "email": "una@example.com", "phone": "+4915123456789",
				"consent": map[string]any{"email": true, "sms": tc.sms}})
			b.order("una", "o-1", 30)
			msgs := b.smtp.Wait(t, 1, 10*time.Second)
			b.settle()
			b.oneClickUnsubscribe(msgs[0].Header.Get("List-Unsubscribe"))

			b.order("una", "o-2", 30)
			b.settle()
			if n := b.smtp.Count(); n != 1 {
				t.Errorf("%d emails, want only the one before the unsubscribe", n)
			}
			got := b.outcome("una", "news", "o-2")
			if !strings.HasPrefix(got, tc.record) || !strings.Contains(got, tc.why) {
				t.Fatalf("second order's record %q, want %s... with %q", got, tc.record, tc.why)
			}
			wantSMS := 0
			if tc.sms {
				wantSMS = 1
			}
			if sms := b.twilio.Messages(); len(sms) != wantSMS || (wantSMS == 1 && !strings.Contains(sms[0].Body, "Una")) {
				t.Errorf("twilio got %+v, want %d SMS", sms, wantSMS)
			}
		})
	}
}
