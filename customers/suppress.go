package customers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// The suppression list keeps the addresses of erased customers, so that an import or an
// identify that brings an erased address back does not bring back the marketing consent that
// went with it: an identify carrying a suppressed address gets consent false for its channel
// (email for an email address, sms for a phone number), unless the same identify grants that
// consent explicitly ("consent": {"email": true}) and is dated after the erasure, which also
// lifts the suppression. A replayed import of the customer's history (events dated before
// the erasure) thus never recreates the consent the customer had.
//
//	rp:suppressed  HASH  field: keyed hash of a suppressed address (suppressionHash: 16 bytes
//	                     of HMAC-SHA256 with Options.Secret, base64url, 22 characters), never
//	                     the address in clear; value: when it was erased, unix ms. Lifetime:
//	                     permanent; a field goes when an identify grants consent with its
//	                     address again.
//
// One hash rather than a key per address: erasures are rare and the hash stays small; on
// Cluster it lives in one slot, read once (HMGET) per Apply call that carries an address.
const suppressedKey = keyPrefix + "suppressed"

// suppressionHash is the stored form of an address of channel ch ("email" or "sms"). Emails
// are compared case-insensitively (the local part is case-sensitive in theory, never in
// practice, and suppressing too much is the safe side); phones in E.164.
func (s *Store) suppressionHash(ch, addr string) string {
	m := hmac.New(sha256.New, []byte(s.opts.Secret))
	m.Write([]byte(ch + "\x00" + strings.ToLower(addr)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// suppressProfile puts the addresses of a stored customer on the suppression list.
func (s *Store) suppressProfile(ctx context.Context, id string) error {
	h, err := s.rdb.HGetAll(ctx, profileKey(id)).Result()
	if err != nil {
		return fmt.Errorf("read customer %s to suppress: %w", id, err)
	}
	if len(h) == 0 {
		return nil
	}
	st, err := decodeState(id, h)
	if err != nil {
		return fmt.Errorf("read customer %s to suppress: %w", id, err)
	}
	c := st.snapshot(s.opts.DefaultRegion, s.conv.Load()).Customer
	now := s.opts.Now().UnixMilli()
	var fields []any
	if c.Email != "" {
		fields = append(fields, s.suppressionHash("email", c.Email), now)
	}
	if c.Phone != "" {
		fields = append(fields, s.suppressionHash("sms", c.Phone), now)
	}
	if len(fields) == 0 {
		return nil
	}
	if err := s.rdb.HSet(ctx, suppressedKey, fields...).Err(); err != nil {
		return fmt.Errorf("suppress the addresses of customer %s: %w", id, err)
	}
	return nil
}

// suppressedAddress is an address an identify carries, with the channel it is for.
type suppressedAddress struct {
	event   int
	channel string
	hash    string
}

// applySuppression rewrites the identifies of evs that carry a suppressed address without
// granting its channel's consent: their consent for that channel becomes false, stamped at the
// event's time like any consent. It returns the hashes that identifies granting consent with
// their address after the erasure lift from the list, to be removed once the events are
// written. A phone
// number is read in the event's own country, else in DefaultRegion: a number written without
// country code for a customer whose country came in an earlier identify may be missed.
func (s *Store) applySuppression(ctx context.Context, evs []Event) ([]string, error) {
	var found []suppressedAddress
	for i := range evs {
		ev := &evs[i]
		if ev.Type != TypeIdentify || len(ev.Traits) == 0 {
			continue
		}
		if email, ok := normEmail(ev.Traits["email"]); ok {
			found = append(found, suppressedAddress{i, "email", s.suppressionHash("email", email)})
		}
		if phone := derivePhone(ev.Traits, s.opts.DefaultRegion); phone != "" {
			found = append(found, suppressedAddress{i, "sms", s.suppressionHash("sms", phone)})
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	fields := make([]string, len(found))
	for i, f := range found {
		fields[i] = f.hash
	}
	erased, err := s.rdb.HMGet(ctx, suppressedKey, fields...).Result()
	if err != nil {
		return nil, fmt.Errorf("read the suppression list: %w", err)
	}
	var lift []string
	for i, f := range found {
		v, ok := erased[i].(string)
		if !ok {
			continue
		}
		ev := &evs[f.event]
		consent, _ := ev.Traits["consent"].(map[string]any)
		erasedAt, _ := strconv.ParseInt(v, 10, 64)
		if granted, _ := consent[f.channel].(bool); granted && ev.Timestamp.UnixMilli() > erasedAt {
			lift = append(lift, f.hash)
			continue
		}
		// The caller's maps are not changed: the event is rewritten on copies.
		consent = maps.Clone(consent)
		if consent == nil {
			consent = map[string]any{}
		}
		consent[f.channel] = false
		ev.Traits = maps.Clone(ev.Traits)
		ev.Traits["consent"] = consent
	}
	return lift, nil
}

// liftSuppression removes addresses whose consent was granted again.
func (s *Store) liftSuppression(ctx context.Context, lift []string) error {
	if len(lift) == 0 {
		return nil
	}
	if err := s.rdb.HDel(ctx, suppressedKey, lift...).Err(); err != nil {
		return fmt.Errorf("lift suppression of %d addresses: %w", len(lift), err)
	}
	return nil
}
