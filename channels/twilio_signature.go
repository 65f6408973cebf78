package channels

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// TwilioSignature returns the X-Twilio-Signature Twilio sends with a webhook: the base64
// HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio was given followed
// by the POST parameters sorted by name, each name then its value appended with no separator.
// A parameter sent several times contributes each value, in sorted order, as Twilio does.
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vals := append([]string(nil), params[name]...)
		sort.Strings(vals)
		for _, v := range vals {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyTwilioSignature reports whether signature is the one Twilio computes for this URL and
// these parameters. The comparison is constant-time; an empty token or signature never
// verifies, so a deployment without a configured auth token accepts no webhook.
func VerifyTwilioSignature(authToken, fullURL string, params url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	want := TwilioSignature(authToken, fullURL, params)
	return hmac.Equal([]byte(want), []byte(signature))
}
