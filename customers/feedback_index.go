package customers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Delivery feedback arrives with an address or a provider's message id, not a customer id:
// a bounce names the email address or our Message-ID, an inbound STOP the phone number, a
// Twilio status callback its message SID. These keys find the customer.
//
//	rp:addr:<b>   HASH  the address index, bucket b (0 to 16383: the first two bytes of the
//	                    digest): field = addrDigest of "e:<lower-case email>" or
//	                    "p:<E.164 phone>" (12 raw bytes), value = customer id. Lifetime:
//	                    permanent; written by Apply when an identify gives a customer a new
//	                    email or phone (before the profile, so a crash never leaves a profile
//	                    unindexed), the entry of the old address removed once the profile is
//	                    written, and both removed by Delete. A stale entry (two customers
//	                    sharing a phone, a crash between the two) is harmless: every lookup
//	                    reads the profile and answers only if it still has that address.
//	                    Digests rather than addresses, so the index holds no address in clear
//	                    and every field is 12 bytes: a bucket stays a listpack (at most 128
//	                    fields of at most 64 bytes) up to about a million customers with both
//	                    an email and a phone, ~30 bytes an entry (estimated from the listpack layout, not measured).
//	rp:msg:<d>    STRING the customer id of a message we sent: d = addrDigest of the provider's
//	                    id (Twilio's SID; an email's Message-ID names its send itself and needs
//	                    no key, feedback_send.go), base64. Lifetime: MessageTTL, after which
//	                    feedback finds the customer by address instead. Written with the send
//	                    record of an SMS (RecordSends, RecordSend: rememberSent).
//	rp:{c:<id>}:b HASH  soft bounces in a row per channel (field = channel). Lifetime: TTL
//	                    softBounceTTL, renewed on each bounce; deleted by a delivery and by
//	                    Delete.
//	rp:fb:<d>     STRING "1": a feedback notification already applied, d = digest of its
//	                    source and id. Lifetime: feedbackDedupeTTL (providers retry for hours,
//	                    not weeks).
const (
	addrIndexPrefix = keyPrefix + "addr:"
	addrBuckets     = 16384
	messagePrefix   = keyPrefix + "msg:"
	feedbackPrefix  = keyPrefix + "fb:"
)

// MessageTTL is how long RememberMessage keeps a message's customer: bounces come within
// minutes to a few days and complaints within days; later ones are found by address. Each
// key costs ~95 bytes of Redis (measured on Redis 7 with 1,000 keys, expiry included), so a
// week of a million messages a day holds ~650 MB: a month would hold four times that.
const MessageTTL = 7 * 24 * time.Hour

const (
	softBounceTTL     = 30 * 24 * time.Hour
	feedbackDedupeTTL = 7 * 24 * time.Hour
)

// addrDigest is the first 12 bytes of SHA-256: 96 bits, so a collision among even billions
// of addresses is out of reach, in a field short enough for a listpack.
func addrDigest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:12]
}

func emailAddr(email string) string { return "e:" + strings.ToLower(strings.TrimSpace(email)) }
func phoneAddr(phone string) string { return "p:" + phone }

// addrSlot returns the bucket key and field of an address.
func addrSlot(addr string) (string, string) {
	d := addrDigest(addr)
	b := int(binary.BigEndian.Uint16(d)) % addrBuckets
	return addrIndexPrefix + fmt.Sprint(b), string(d)
}

// MessageKey is the key RememberMessage writes for a message, for a caller that writes it
// in its own pipeline: SET MessageKey(id) customerID PX MessageTTL.
func MessageKey(providerID string) string {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(providerID), "<"), ">")
	return messagePrefix + base64.RawURLEncoding.EncodeToString(addrDigest(id))
}

func softBounceKey(id string) string { return keyPrefix + HashTag(id) + ":b" }

func feedbackKey(source, notification string) string {
	return feedbackPrefix + base64.RawURLEncoding.EncodeToString(addrDigest(source+"\x1f"+notification))
}

// addresses are a customer's email and phone as the index keeps them ("" when none).
type addresses struct{ email, phone string }

func (st *state) addresses(region string) addresses {
	e, _ := normEmail(st.traits["email"])
	return addresses{email: e, phone: st.derivedPhone(region)}
}

// addrChange is a write that gives a customer new addresses.
type addrChange struct{ old, new addresses }

// indexNew queues in pipe the index entries of the addresses a write adds.
func indexNew(ctx context.Context, pipe redis.Pipeliner, id string, c *addrChange) {
	if c.new.email != "" && !strings.EqualFold(c.new.email, c.old.email) {
		k, f := addrSlot(emailAddr(c.new.email))
		pipe.HSet(ctx, k, f, id)
	}
	if c.new.phone != "" && c.new.phone != c.old.phone {
		k, f := addrSlot(phoneAddr(c.new.phone))
		pipe.HSet(ctx, k, f, id)
	}
}

// unindexScript removes an index entry only while it still names the customer: another
// customer may have taken the address since.
//
// KEYS[1] -> rp:addr:<b>
// ARGV[1] -> the field (address digest)
// ARGV[2] -> the customer id
// Returns 1 when the entry was removed, 0 otherwise.
var unindexScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`)

// unindex removes the entries of addrs that still name id.
func (s *Store) unindex(ctx context.Context, id string, addrs ...string) error {
	for _, a := range addrs {
		k, f := addrSlot(a)
		if err := unindexScript.Run(ctx, s.rdb, []string{k}, f, id).Err(); err != nil {
			return fmt.Errorf("remove an address of customer %s from the index: %w", id, err)
		}
	}
	return nil
}

// unindexOld removes the entries of the addresses that written changes replaced. A failure
// leaves a stale entry, which lookups ignore, so it is not worth failing the write for.
func (s *Store) unindexOld(ctx context.Context, id string, c *addrChange) {
	var old []string
	if c.old.email != "" && !strings.EqualFold(c.old.email, c.new.email) {
		old = append(old, emailAddr(c.old.email))
	}
	if c.old.phone != "" && c.old.phone != c.new.phone {
		old = append(old, phoneAddr(c.old.phone))
	}
	_ = s.unindex(ctx, id, old...)
}

// forgetAddresses removes the customer's index entries, for Delete.
func (s *Store) forgetAddresses(ctx context.Context, id string) error {
	p, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var addrs []string
	if p.Email != "" {
		addrs = append(addrs, emailAddr(p.Email))
	}
	if p.Phone != "" {
		addrs = append(addrs, phoneAddr(p.Phone))
	}
	return s.unindex(ctx, id, addrs...)
}

// CustomerByPhone returns the customer whose phone is the E.164 number phone, or ErrNotFound.
func (s *Store) CustomerByPhone(ctx context.Context, phone string) (*Profile, error) {
	return s.byAddress(ctx, phoneAddr(phone), func(p *Profile) bool { return p.Phone == phone })
}

// CustomerByEmail returns the customer whose email is email (compared case-insensitively),
// or ErrNotFound.
func (s *Store) CustomerByEmail(ctx context.Context, email string) (*Profile, error) {
	return s.byAddress(ctx, emailAddr(email), func(p *Profile) bool {
		return p.Email != "" && emailAddr(p.Email) == emailAddr(email)
	})
}

func (s *Store) byAddress(ctx context.Context, addr string, still func(*Profile) bool) (*Profile, error) {
	k, f := addrSlot(addr)
	id, err := s.rdb.HGet(ctx, k, f).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("find customer by address: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("find customer by address: %w", err)
	}
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !still(p) {
		return nil, fmt.Errorf("find customer by address: the entry is stale: %w", ErrNotFound)
	}
	return p, nil
}

// RememberMessage records which customer a message went to, under the provider's id of the
// message (our Message-ID for email, the provider's SID for SMS), for MessageTTL, so that
// its bounce, complaint or status callback finds the customer. Delivery calls it when a
// message is accepted.
func (s *Store) RememberMessage(ctx context.Context, providerID, customerID string) error {
	if strings.TrimSpace(providerID) == "" || customerID == "" {
		return nil
	}
	if err := s.rdb.Set(ctx, MessageKey(providerID), customerID, MessageTTL).Err(); err != nil {
		return fmt.Errorf("remember message of customer %s: %w", customerID, err)
	}
	return nil
}

// CustomerByMessage returns the id of the customer a remembered message went to, or
// ErrNotFound.
func (s *Store) CustomerByMessage(ctx context.Context, providerID string) (string, error) {
	id, err := s.rdb.Get(ctx, MessageKey(providerID)).Result()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("find customer by message: %w", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("find customer by message: %w", err)
	}
	return id, nil
}
