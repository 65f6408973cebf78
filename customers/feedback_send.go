package customers

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/decide"
)

// A provider's notification must name the send it is about, so that it counts for the right
// campaign, variant and channel (package results). The cheapest layout costs no Redis byte
// for email: the Message-ID Rapport sets carries the send itself,
//
//	rapport.<send>.<campaign>.<customer>@<domain>
//
// send is the send id (16 hex digits, the key of the message's link hash
// rp:{c:<id>}:l:<send>, which holds its variant), campaign the campaign id ([a-z0-9-]+, which
// X-Rapport-Campaign already shows) and customer the customer id in base64url (no padding),
// all characters a Message-ID may carry unquoted. The customer id is no secret: every
// tracking link of the message carries it too. A customer id longer than
// maxMessageIDCustomer keeps the old form rapport.<send>@<domain>, whose bounces are found by
// address. An SMS provider's id (Twilio's SID) is chosen by the provider, so it is mapped
// after the send: rp:msg:<d> -> customer id (feedback_index.go, ~95 bytes for MessageTTL, SMS
// only), and the campaign and variant come from the customer's recent sends, which record
// the SID as ProviderID; nothing else is stored.

// maxMessageIDCustomer bounds the customer ids a Message-ID carries: with it, the header
// stays well under the 998-character line limit of RFC 5322 (a msg-id cannot be folded).
const maxMessageIDCustomer = 128

// MessageID is the Message-ID (without angle brackets) of the email sent as send of campaign
// to customer.
func MessageID(send [8]byte, campaign, customer, domain string) string {
	if len(customer) > maxMessageIDCustomer || campaign == "" || strings.ContainsAny(campaign, ".@<> ") {
		return "rapport." + hex.EncodeToString(send[:]) + "@" + domain
	}
	return "rapport." + hex.EncodeToString(send[:]) + "." + campaign + "." +
		base64.RawURLEncoding.EncodeToString([]byte(customer)) + "@" + domain
}

// parseMessageID reads what MessageID wrote; false for any other id.
func parseMessageID(id string) (send [8]byte, campaign, customer string, ok bool) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	at := strings.LastIndexByte(id, '@')
	if at < 0 {
		return send, "", "", false
	}
	parts := strings.Split(id[:at], ".")
	if len(parts) != 4 || parts[0] != "rapport" || len(parts[1]) != 2*len(send) || parts[2] == "" {
		return send, "", "", false
	}
	if _, err := hex.Decode(send[:], []byte(parts[1])); err != nil {
		return send, "", "", false
	}
	c, err := base64.RawURLEncoding.Strict().DecodeString(parts[3])
	if err != nil || len(c) == 0 || len(c) > maxMessageIDCustomer {
		return send, "", "", false
	}
	return send, parts[2], string(c), true
}

// SendRef is the send a notification is about, as far as it is known: Customer always;
// Campaign and Variant when the notification named the message (empty when found by address
// only, or when the message has left the customer's recent sends).
type SendRef struct {
	Customer string
	Campaign string
	Variant  string
	Channel  string
}

// FindSend resolves the send of a notification: by our Message-ID (email), by the provider's
// id remembered at send time (Twilio's SID), else by the address (the customer only).
// ErrNotFound when nobody is known.
func (s *Store) FindSend(ctx context.Context, providerID, channel, address string) (SendRef, error) {
	ref := SendRef{Channel: channel}
	if send, camp, cust, ok := parseMessageID(providerID); ok && channel == "email" {
		ref.Customer, ref.Campaign = cust, camp
		v, err := s.rdb.HMGet(ctx, linkKey(cust, send), "a", "v").Result()
		if err != nil {
			return ref, fmt.Errorf("find the send of a notification: %w", err)
		}
		if a, _ := v[0].(string); a == camp {
			ref.Variant, _ = v[1].(string)
		}
		if ref.Variant == "" {
			ref.Variant = s.sentVariant(ctx, cust, camp, channel)
		}
		return ref, nil
	}
	if strings.TrimSpace(providerID) != "" {
		id, err := s.CustomerByMessage(ctx, providerID)
		if err == nil {
			ref.Customer = id
			p, err := s.Get(ctx, id)
			if err != nil {
				return ref, err
			}
			pid := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(providerID), "<"), ">")
			for _, sd := range p.Sends {
				if sd.ProviderID == pid {
					ref.Campaign, ref.Variant = sd.Campaign, sd.Variant
					break
				}
			}
			return ref, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return ref, err
		}
	}
	id, err := s.FindCustomer(ctx, "", channel, address)
	ref.Customer = id
	return ref, err
}

// sentVariant is the variant of the customer's newest recent send of campaign on channel, ""
// when none (or the customer is gone).
func (s *Store) sentVariant(ctx context.Context, id, campaign, channel string) string {
	sd, _, _ := s.RecentSend(ctx, id, campaign, channel)
	return sd.Variant
}

// RecentSend is the customer's newest recent send of campaign on channel ("" for any
// campaign), for a notification that names no message (an unsubscribe link names the
// campaign, an inbound STOP nothing); false when there is none or the customer is gone.
func (s *Store) RecentSend(ctx context.Context, id, campaign, channel string) (decide.Send, bool, error) {
	p, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return decide.Send{}, false, nil
	}
	if err != nil {
		return decide.Send{}, false, err
	}
	for _, sd := range p.Sends { // newest first
		if sd.Channel == channel && (campaign == "" || sd.Campaign == campaign) {
			return sd, true, nil
		}
	}
	return decide.Send{}, false, nil
}

// rememberSent queues in pipe the message key of a send whose provider chose its id (an SMS
// SID): email needs none, its Message-ID names the send (see above).
func rememberSent(ctx context.Context, pipe redis.Pipeliner, id string, send decide.Send) {
	if send.Channel == "sms" && strings.TrimSpace(send.ProviderID) != "" {
		pipe.Set(ctx, MessageKey(send.ProviderID), id, MessageTTL)
	}
}
