package customers

import (
	"math/rand/v2"
	"net/mail"
	"testing"

	"github.com/rapporthq/rapport/decide"
)

// TestPlainAddressFastPathAgreesWithNetMail: whatever isDotAtomAddress accepts, net/mail
// parses to the same address, and normEmail's fast path gives what decide.DisplayEmail (the
// parser's path) gives, so the fast path changes nothing but the time.
func TestPlainAddressFastPathAgreesWithNetMail(t *testing.T) {
	t.Parallel()
	fixed := []string{"anna@example.com", "Anna.Petrova+news@Example.ORG", "a@b", "o'brien@x.ie", "x!#$%&'*+-/=?^_`{|}~@d.e",
		".a@b", "a.@b", "a..b@c", "a@b..c", "a@.b", "a@b.", "@b", "a@", "a@@b", "a b@c", "\"a\"@b", "a@[1.2.3.4]", "é@x.fr", "a@b@c"}
	rng := rand.New(rand.NewPCG(3, 5))
	alphabet := "ab.@+-_!\"( )<>,;:[]\\é"
	for range 20000 {
		b := make([]rune, 1+rng.IntN(10))
		runes := []rune(alphabet)
		for i := range b {
			b[i] = runes[rng.IntN(len(runes))]
		}
		fixed = append(fixed, string(b))
	}
	for _, s := range fixed {
		if !isDotAtomAddress(s) {
			continue
		}
		addr, err := mail.ParseAddress(s)
		if err != nil || addr.Address != s {
			t.Fatalf("%q: fast path accepts it, net/mail gives %v %v", s, addr, err)
		}
		fast, _ := normEmail(s)
		if slow, err := decide.DisplayEmail(s); err != nil || slow != fast {
			t.Fatalf("%q: fast path gives %q, decide.DisplayEmail %q %v", s, fast, slow, err)
		}
	}
	for _, s := range []string{"anna@example.com", "Anna.Petrova+news@Example.ORG", "o'brien@x.ie"} {
		if !isDotAtomAddress(s) {
			t.Errorf("%q should take the fast path", s)
		}
	}
}

func TestNormLocaleCachedAnswersAsParsed(t *testing.T) {
	t.Parallel()
	for range 2 { // the second round answers from the cache
		for in, want := range map[string]string{"de-de": "de-DE", "en": "en", "zh-hant-tw": "zh-Hant-TW", "pt_BR": "pt-BR", "not a locale!": ""} {
			got, ok := normLocale(in)
			if got != want || ok != (want != "") {
				t.Errorf("normLocale(%q) = %q %v, want %q", in, got, ok, want)
			}
		}
	}
}
