package channels_test

import (
	"net/url"
	"testing"

	"github.com/rapporthq/rapport/channels"
)

// The example of Twilio's security documentation: this token, URL and parameters sign to
// this value.
func TestTwilioSignatureMatchesTwilioDocumentedExample(t *testing.T) {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
		"From": {"+14158675310"}, "To": {"+18005551212"},
	}
	const token, u = "12345", "https://mycompany.com/myapp.php?foo=1&bar=2"
	got := channels.TwilioSignature(token, u, params)
	const want = "GvWf1cFY/Q7PnoempGyD5oXAezc="
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	for name, tc := range map[string]struct {
		token, url, sig string
		params          url.Values
		ok              bool
	}{
		"valid":          {token, u, want, params, true},
		"other token":    {"54321", u, want, params, false},
		"other url":      {token, u + "&x=1", want, params, false},
		"changed params": {token, u, want, url.Values{"Digits": {"9"}}, false},
		"empty token":    {"", u, channels.TwilioSignature("", u, params), params, false},
		"no signature":   {token, u, "", params, false},
	} {
		if got := channels.VerifyTwilioSignature(tc.token, tc.url, tc.params, tc.sig); got != tc.ok {
			t.Errorf("%s: verified %v, want %v", name, got, tc.ok)
		}
	}
}
