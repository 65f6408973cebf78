package worker_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/results"
)

// TestBounceOfAReceivedEmailCountsForItsCampaignOnceByItsMessageID sends an email through the
// whole path (API, worker, SMTP), then posts a hard bounce naming only the Message-ID the
// SMTP server received, twice: the address is stopped and the campaign's variant counts one
// bounce, found from the Message-ID alone (no key was written for it at send time).
func TestBounceOfAReceivedEmailCountsForItsCampaignOnceByItsMessageID(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	b := setupWith(t, rdb, tracked, "", []string{"secret"})
	clicks, _, msg := receivedTokens(t, b)
	msgID := msg.Header.Get("Message-Id")
	if !strings.HasPrefix(msgID, "<rapport.") {
		t.Fatalf("Message-ID %q", msgID)
	}
	counts, err := results.New(rdb, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&api.Server{Customers: b.store, APIKeys: []string{apiKey}, Results: counts,
		Tracking: &api.Tracking{Keyring: b.keyring, Hits: b.store}, Now: b.clock.Now}).Handler())
	t.Cleanup(srv.Close)
	body := `{"type":"bounce","bounce_type":"hard","message_id":"` + msgID + `","email":"not-anna@example.org"}`
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/webhooks/email", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("bounce answered %d", resp.StatusCode)
		}
	}
	if resp := get(t, srv.URL+"/t/c/"+clicks[0]); resp.StatusCode != http.StatusFound {
		t.Fatalf("click: %d", resp.StatusCode)
	}
	c, err := counts.Lifetime(context.Background(), "thank-you")
	if err != nil {
		t.Fatal(err)
	}
	for m, want := range map[results.Metric]int64{results.Bounced: 1, results.Clicked: 1} {
		if got := c[results.Key{Metric: m, Arm: results.Treatment, Channel: "email", Variant: "standard"}]; got != want {
			t.Errorf("%s = %d for thank-you/email/standard, want %d; counters %v", m, got, want, c)
		}
	}
	p, err := b.store.Get(context.Background(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Undeliverable["email"], "hard bounce") {
		t.Fatalf("email not stopped: %v", p.Undeliverable)
	}
}
