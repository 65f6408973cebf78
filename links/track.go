package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// A tracking token names one link of one sent message: the customer, the send (SendID, 8
// bytes derived from the delivery key) and the index of the link in the message's link list
// (Pixel for the open pixel). It carries no URL: the click handler redirects only to the URL
// stored under the send when the message was rendered, so a token, even a validly signed one,
// can never point anywhere else (no open redirect).
//
// Layout, base64url without padding:
//
//	kid (1 byte) | index (uvarint) | send id (8 bytes) | customer id (rest) | MAC (10 bytes)
//
// kid is the first byte of SHA-256 of the secret that signed, not its position in the list, so
// that a token keeps naming its secret when a new one is put in front (secrets: [new, old]).
// MAC = HMAC-SHA256(that secret, purpose | everything before the MAC)[:10]. 80 bits: a
// forger must get a guess past the HTTP handler for every try, so 2^80 tries are out of reach;
// 16 bytes cost 8 more characters in every link of every message. The key id lets the secret
// be rotated: links are signed with the first secret (kid 0) and verified with the secret
// their kid names, so links already in inboxes keep working while the old secret is listed.
// With a 36-character UUID customer id a click token is 78 characters, a short id ~40.

// SendIDLen is the length of a send id.
const SendIDLen = 8

// Pixel is the link index of the open pixel.
const Pixel = 0xffff

// macLen is how many bytes of HMAC a tracking token carries.
const macLen = 10

// maxLinks bounds the index of a link; a message with more links keeps the rest untracked.
const maxLinks = 1000

// TrackToken is what a tracking token says.
type TrackToken struct {
	Customer string
	Send     [SendIDLen]byte
	// Index is the link's position in the message's link list, or Pixel.
	Index int
}

// Keyring signs tracking tokens with its first secret and verifies them with any of its
// secrets (rotation: secrets: [new, old]).
type Keyring struct {
	// byID is the secret of each key id; signer is the key id of the first secret.
	byID   map[byte][]byte
	signer byte
	base   string
}

// NewKeyring returns a keyring; secrets[0] signs. base is the public URL (no trailing slash
// needed). At most 256 secrets (the key id is one byte).
func NewKeyring(secrets []string, publicURL string) (*Keyring, error) {
	if len(secrets) == 0 || len(secrets) > 256 {
		return nil, fmt.Errorf("links: want 1 to 256 secrets, got %d", len(secrets))
	}
	k := &Keyring{base: strings.TrimRight(publicURL, "/"), byID: map[byte][]byte{}}
	for i, s := range secrets {
		if s == "" {
			return nil, fmt.Errorf("links: secrets[%d] is empty", i)
		}
		id := keyID(s)
		if _, dup := k.byID[id]; dup {
			return nil, fmt.Errorf("links: secrets[%d] has the key id of an earlier secret (1 chance in 256, or the same secret twice): choose another", i)
		}
		k.byID[id] = []byte(s)
		if i == 0 {
			k.signer = id
		}
	}
	return k, nil
}

// SignTrack returns the token of t for purpose (PurposeClick or PurposeOpen), signed with the
// first secret.
func (k *Keyring) SignTrack(purpose string, t TrackToken) string {
	b := make([]byte, 0, 1+binary.MaxVarintLen16+SendIDLen+len(t.Customer)+macLen)
	b = append(b, k.signer)
	b = binary.AppendUvarint(b, uint64(t.Index))
	b = append(b, t.Send[:]...)
	b = append(b, t.Customer...)
	b = append(b, mac(k.byID[k.signer], purpose, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrUnknownKey is returned (wrapped in ErrBadToken) for a token signed with a key id that is
// no longer listed in secrets.
var ErrUnknownKey = errors.New("signed with a secret no longer listed")

// VerifyTrack checks a tracking token for purpose and returns what it says. Anything altered,
// truncated, signed with another secret or for another purpose is ErrBadToken.
func (k *Keyring) VerifyTrack(purpose, token string) (TrackToken, error) {
	if len(token) > 512 {
		return TrackToken{}, ErrBadToken
	}
	// Strict: a token whose unused trailing bits were changed is another token, refused.
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) < 2+SendIDLen+macLen {
		return TrackToken{}, ErrBadToken
	}
	body, sig := b[:len(b)-macLen], b[len(b)-macLen:]
	key, ok := k.byID[body[0]]
	if !ok {
		return TrackToken{}, fmt.Errorf("%w: %w", ErrBadToken, ErrUnknownKey)
	}
	if !hmac.Equal(sig, mac(key, purpose, body)) {
		return TrackToken{}, ErrBadToken
	}
	idx, n := binary.Uvarint(body[1:])
	if n <= 0 || (idx >= maxLinks && idx != Pixel) || len(body) < 1+n+SendIDLen {
		return TrackToken{}, ErrBadToken
	}
	t := TrackToken{Index: int(idx)}
	copy(t.Send[:], body[1+n:])
	t.Customer = string(body[1+n+SendIDLen:])
	if t.Customer == "" {
		return TrackToken{}, ErrBadToken
	}
	return t, nil
}

// keyID is the key id of a secret.
func keyID(secret string) byte {
	h := sha256.Sum256([]byte(secret))
	return h[0]
}

func mac(key []byte, purpose string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write(body)
	return m.Sum(nil)[:macLen]
}

// ClickURL is the tracked URL of link index of a send.
func (k *Keyring) ClickURL(customer string, send [SendIDLen]byte, index int) string {
	return k.base + "/t/c/" + k.SignTrack(PurposeClick, TrackToken{Customer: customer, Send: send, Index: index})
}

// OpenURL is the open pixel's URL of a send.
func (k *Keyring) OpenURL(customer string, send [SendIDLen]byte) string {
	return k.base + "/t/o/" + k.SignTrack(PurposeOpen, TrackToken{Customer: customer, Send: send, Index: Pixel})
}

// MaxLinks is how many links of a message are tracked at most.
func MaxLinks() int { return maxLinks }

// MaxLinks is MaxLinks, for users that know the keyring through an interface.
func (k *Keyring) MaxLinks() int { return maxLinks }
