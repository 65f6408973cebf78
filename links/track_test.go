package links

import (
	"errors"
	"strings"
	"testing"
)

func testSend() [SendIDLen]byte { return [SendIDLen]byte{1, 2, 3, 4, 5, 6, 7, 8} }

func TestTrackTokenRoundTripsAndIsCompact(t *testing.T) {
	k, err := NewKeyring([]string{"new"}, "https://news.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	want := TrackToken{Customer: "0f8fad5b-d9cb-469f-a165-70867728950e", Send: testSend(), Index: 7}
	tok := k.SignTrack(PurposeClick, want)
	if len(tok) >= 100 {
		t.Errorf("token of a UUID customer is %d characters, want well under 100", len(tok))
	}
	got, err := k.VerifyTrack(PurposeClick, tok)
	if err != nil || got != want {
		t.Fatalf("got %+v, %v", got, err)
	}
	if u := k.OpenURL("u1", testSend()); !strings.HasPrefix(u, "https://news.example.com/t/o/") {
		t.Errorf("open url %q", u)
	}
}

func TestRotatedSecretStillVerifiesOldLinks(t *testing.T) {
	old, _ := NewKeyring([]string{"old"}, "https://x")
	rotated, _ := NewKeyring([]string{"new", "old"}, "https://x")
	tok := TrackToken{Customer: "42", Send: testSend(), Index: 1}
	if _, err := rotated.VerifyTrack(PurposeClick, old.SignTrack(PurposeClick, tok)); err != nil {
		t.Fatalf("a link signed with the old secret is refused after rotation: %v", err)
	}
	if _, err := rotated.VerifyTrack(PurposeClick, rotated.SignTrack(PurposeClick, tok)); err != nil {
		t.Fatalf("a link signed with the new secret: %v", err)
	}
	dropped, _ := NewKeyring([]string{"new"}, "https://x")
	if _, err := dropped.VerifyTrack(PurposeClick, old.SignTrack(PurposeClick, tok)); !errors.Is(err, ErrBadToken) {
		t.Fatalf("a link signed with a secret no longer listed: want ErrBadToken, got %v", err)
	}
}

func TestAlteredTrackTokensAreRefused(t *testing.T) {
	k, _ := NewKeyring([]string{"s"}, "https://x")
	tok := k.SignTrack(PurposeClick, TrackToken{Customer: "42", Send: testSend(), Index: 3})
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cases := map[string]string{
		"empty":       "",
		"truncated":   tok[:len(tok)-1],
		"half":        tok[:len(tok)/2],
		"first char":  flip(0),
		"middle char": flip(len(tok) / 2),
		"last char":   flip(len(tok) - 1),
		"extended":    tok + "AA",
		"not base64":  "!!" + tok[2:],
		"other kid":   "Aw" + tok[2:],
		"kid zeroed":  "AA" + tok[2:],
	}
	for name, bad := range cases {
		if _, err := k.VerifyTrack(PurposeClick, bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: want ErrBadToken, got %v", name, err)
		}
	}
	if _, err := k.VerifyTrack(PurposeOpen, tok); !errors.Is(err, ErrBadToken) {
		t.Errorf("a click token was accepted as an open token")
	}
}

func FuzzVerifyTrackNeverPanics(f *testing.F) {
	k, _ := NewKeyring([]string{"s"}, "https://x")
	f.Add(k.SignTrack(PurposeClick, TrackToken{Customer: "42", Send: testSend(), Index: 3}))
	f.Fuzz(func(t *testing.T, s string) { _, _ = k.VerifyTrack(PurposeClick, s) })
}

func BenchmarkVerifyTrack(b *testing.B) {
	k, _ := NewKeyring([]string{"s"}, "https://x")
	tok := k.SignTrack(PurposeClick, TrackToken{Customer: "u0028", Send: testSend(), Index: 3})
	for i := 0; i < b.N; i++ {
		if _, err := k.VerifyTrack(PurposeClick, tok); err != nil {
			b.Fatal(err)
		}
	}
}
