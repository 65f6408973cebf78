package delivery

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/templates"
)

// LinkStore keeps the links of sent messages (customers.Store).
type LinkStore interface {
	SaveLinks(ctx context.Context, l customers.SentLinks) error
}

// Tracking rewrites the links of HTML emails through signed click URLs, adds the open pixel,
// and stores each message's links before it goes out, so that a click redirects only where
// the message pointed. Config.Tracking; nil tracks nothing.
type Tracking struct {
	// Keyring signs the tracking URLs (links.Keyring). Required.
	Keyring URLSigner
	// Store keeps the links and counts the message received. Required.
	Store LinkStore
	// TTL is how long links redirect (tracking.link_ttl). Default 90 days.
	TTL time.Duration
}

// sendIDLen is links.SendIDLen (a test checks that links.Keyring is a URLSigner).
const sendIDLen = 8

// URLSigner signs the click and open URLs of a message (links.Keyring).
type URLSigner interface {
	ClickURL(customer string, send [sendIDLen]byte, index int) string
	OpenURL(customer string, send [sendIDLen]byte) string
	// MaxLinks is how many links of a message get a tracking URL.
	MaxLinks() int
}

// SendID is the id of the message sent under a delivery key: a retry of the same delivery
// has the same id, so it rewrites the same links instead of leaving a second set.
func SendID(key string) [sendIDLen]byte {
	h := sha256.Sum256([]byte(key))
	var id [sendIDLen]byte
	copy(id[:], h[:])
	return id
}

// track rewrites a rendered message for tracking and stores its links: the HTML of an
// email (unchanged for SMS and for a campaign with tracking turned off), which the
// customer's channel engagement counts as received. It costs one Redis round trip per
// message before the provider call (~0.1 ms on loopback against milliseconds of SMTP);
// writing the links after the send with the delivery record would save it, but a link
// scanner that clicks on arrival would then find no link, and a failed record would leave
// every link of the message dead.
func (t *Tracking) track(ctx context.Context, in decide.Input, dec decide.Decision, key, html, unsubscribe string) (string, error) {
	if t == nil {
		return html, nil
	}
	camp, cust := in.Campaign, in.Customer
	send := SendID(key)
	var list []string
	if dec.Channel == "email" && html != "" {
		html, list = templates.TrackLinks(html, templates.Tracking{
			Clicks: camp.TrackClicks(), Opens: camp.TrackOpens(), Keep: []string{unsubscribe},
			ClickURL: func(i int) string { return t.Keyring.ClickURL(cust.ID, send, i) },
			OpenURL:  t.Keyring.OpenURL(cust.ID, send), MaxLinks: t.Keyring.MaxLinks(),
		})
	}
	loc := dec.Location
	if loc == nil {
		loc = time.UTC
	}
	_, offset := in.Now.In(loc).Zone()
	variant := ""
	if dec.Variant != nil {
		variant = dec.Variant.ID
	}
	err := t.Store.SaveLinks(ctx, customers.SentLinks{Customer: cust.ID, Send: send, Campaign: camp.ID, Variant: variant,
		Channel: dec.Channel, At: in.Now, UTCOffset: offset, Links: list, TTL: t.TTL})
	if err != nil {
		// Temporary: nothing went out, and the task retries.
		return "", fmt.Errorf("track %s for customer %s: %w", camp.ID, cust.ID, err)
	}
	return html, nil
}

// checkTracking validates Config.Tracking.
func checkTracking(t *Tracking) error {
	if t == nil {
		return nil
	}
	if t.Keyring == nil || t.Store == nil {
		return errors.New("delivery: Tracking needs Keyring and Store")
	}
	return nil
}
