package channels

import (
	"context"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

func TestInternationalisedDomainGoesOutAsPunycodeOnEveryTransport(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			b := setupTransport(t, tr.noPipelining, tr.noChunking)
			m := testEmail(1)
			m.To = "anna@bücher.de"
			if _, err := b.pool.SendEmail(context.Background(), m); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := b.sink.Wait(t, 1, 2*time.Second)[0]
			if len(got.To) != 1 || got.To[0] != "anna@xn--bcher-kva.de" {
				t.Errorf("envelope recipient %q, want anna@xn--bcher-kva.de", got.To)
			}
			to, err := netmail.ParseAddress(got.Header.Get("To"))
			if err != nil || to.Address != "anna@xn--bcher-kva.de" {
				t.Errorf("To header %q (%v), want the address anna@xn--bcher-kva.de", got.Header.Get("To"), err)
			}
		})
	}
}

func TestRefusedInternationalisedAddressIsMaskedInBothForms(t *testing.T) {
	t.Parallel()
	b := setupSMTP(t, nil)
	b.sink.RespondEnvelope(nil, func(to string) error { return testenv.Reject(550, "no such user <"+to+">") })
	m := testEmail(1)
	m.To = "anna@bücher.de"
	_, err := b.pool.SendEmail(context.Background(), m)
	if !IsPermanent(err) || strings.Contains(err.Error(), "anna@") || !strings.Contains(err.Error(), "550") {
		t.Fatalf("err = %v, want a permanent failure with the address masked", err)
	}
}
