package links

import (
	"errors"
	"strings"
	"testing"
)

func TestSignedTokenRoundTrips(t *testing.T) {
	s := NewSigner("secret", "https://news.example.com/")
	want := Token{Purpose: PurposeClick, Customer: "c:1|x", Campaign: "thank-you", URL: "https://shop.example.com/?a=b"}
	got, err := s.Verify(s.Sign(want), PurposeClick)
	if err != nil || got != want {
		t.Fatalf("got %+v, %v", got, err)
	}
	if u := s.Unsubscribe("42", "c", "email"); !strings.HasPrefix(u, "https://news.example.com/u/") {
		t.Fatalf("unsubscribe url %q", u)
	}
}

func TestTamperedOrMisusedTokensAreRefused(t *testing.T) {
	s := NewSigner("secret", "https://x")
	tok := s.Sign(Token{Purpose: PurposeUnsubscribe, Customer: "42"})
	other := NewSigner("other", "https://x").Sign(Token{Purpose: PurposeUnsubscribe, Customer: "42"})
	for name, bad := range map[string]string{
		"empty":          "",
		"no signature":   strings.Split(tok, ".")[0],
		"other secret":   other,
		"flipped char":   "A" + tok[1:],
		"garbage base64": "!!!." + strings.Split(tok, ".")[1],
	} {
		if _, err := s.Verify(bad, PurposeUnsubscribe); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: want ErrBadToken, got %v", name, err)
		}
	}
	if _, err := s.Verify(tok, PurposeClick); !errors.Is(err, ErrBadToken) {
		t.Errorf("an unsubscribe token was accepted as a click token")
	}
}
