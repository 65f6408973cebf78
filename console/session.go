package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Cookies of the console. Both are HttpOnly, SameSite=Strict, Path=/console/, and Secure
// when public_url is https.
const (
	// sessionCookie holds a signed session: "NAME|EXPIRY_UNIX|NONCE|SIG" in base64url.
	sessionCookie = "rapport_console"
	// loginCookie holds a random value that the login form's CSRF token is derived from
	// (nobody is logged in yet, so there is no session to bind it to).
	loginCookie = "rapport_console_login"
	csrfField   = "csrf"
)

// sessionTTL is how long a login lasts: a working day, so that a forgotten browser on a
// shared desk does not stay logged in for a week.
const sessionTTL = 12 * time.Hour

// keys signs sessions and CSRF tokens. Its keys are derived from the configuration's secrets
// (Config.Signing: the first signs, every one verifies), with a label of their own, so that
// no console token can pass for a tracking link or a coupon code signed with the same secret.
type keys struct {
	sign   []byte
	verify [][]byte
}

func newKeys(secrets []string) (*keys, error) {
	if len(secrets) == 0 {
		return nil, errors.New("console: no secret to sign sessions with: set secret (or secrets) in rapport.yaml")
	}
	k := &keys{}
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte("rapport console session v1"))
		k.verify = append(k.verify, m.Sum(nil))
	}
	k.sign = k.verify[0]
	return k, nil
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// session is a logged-in user.
type session struct {
	User    config.ConsoleUser
	Expires time.Time
	// Nonce is random per login; CSRF tokens are bound to it.
	Nonce string
}

// userBinding ties a session to the user's current password hash and role: changing either
// in rapport.yaml logs that user out everywhere, without a session store.
func userBinding(u config.ConsoleUser) string {
	sum := sha256.Sum256([]byte(u.PasswordHash + "\x00" + u.Role))
	return hex.EncodeToString(sum[:8])
}

// encode returns the cookie value of a session.
func (k *keys) encode(s session) string {
	exp := strconv.FormatInt(s.Expires.Unix(), 10)
	sig := mac(k.sign, s.User.Name, exp, s.Nonce, userBinding(s.User))
	raw := strings.Join([]string{s.User.Name, exp, s.Nonce, base64.RawURLEncoding.EncodeToString(sig)}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decode verifies a cookie value against the users of the configuration, at now.
func (k *keys) decode(value string, users func(string) (config.ConsoleUser, bool), now time.Time) (session, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return session{}, false
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 4 {
		return session{}, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(f[3])
	if err != nil {
		return session{}, false
	}
	u, ok := users(f[0])
	if !ok || u.Name != f[0] {
		return session{}, false
	}
	valid := false
	for _, key := range k.verify {
		valid = hmac.Equal(sig, mac(key, f[0], f[1], f[2], userBinding(u))) || valid
	}
	exp, err := strconv.ParseInt(f[1], 10, 64)
	if !valid || err != nil || !now.Before(time.Unix(exp, 0)) {
		return session{}, false
	}
	return session{User: u, Expires: time.Unix(exp, 0), Nonce: f[2]}, true
}

// csrf returns the CSRF token of a session (or of a login cookie's value): an HMAC of it,
// which a page from another origin can neither read nor compute.
func (k *keys) csrf(kind, nonce string) string {
	return base64.RawURLEncoding.EncodeToString(mac(k.sign, "csrf", kind, nonce))
}

// checkCSRF compares a submitted token with the expected one of every verifying key.
func (k *keys) checkCSRF(kind, nonce, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || nonce == "" {
		return false
	}
	ok := false
	for _, key := range k.verify {
		ok = hmac.Equal(got, mac(key, "csrf", kind, nonce)) || ok
	}
	return ok
}

func randomToken() string {
	b := make([]byte, 18)
	rand.Read(b) // never fails (crypto/rand.Read panics on failure since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookie returns a console cookie with the attributes every console cookie has.
func (h *handler) cookie(name, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/console/", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteStrictMode}
	if value == "" {
		c.MaxAge = -1
	} else if !expires.IsZero() {
		// Max-Age, which browsers prefer to Expires, is counted on the console's clock, the
		// one the session's expiry is checked against.
		c.Expires = expires
		c.MaxAge = int(expires.Sub(h.cfg.Now()).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = 1
		}
	}
	return c
}
