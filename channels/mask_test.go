package channels

import (
	"errors"
	"testing"
)

func TestMaskEmailKeepsFirstLetterAndDomain(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"jane@example.com", "j***@example.com"},
		{"j@example.com", "j***@example.com"},
		{"  Jane.Doe+tag@Example.COM ", "J***@Example.COM"},
		{"анна@пример.рф", "а***@пример.рф"},
		{"no-at-sign", "***"},
		{"@example.com", "***"},
		{"jane@", "***"},
		{"", "***"},
	}
	for _, c := range cases {
		if got := MaskEmail(c.in); got != c.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskPhoneHidesAtLeastFiveCharacters(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"+49151234589", "+4915*****89"},
		{"+491512345689", "+4915******89"},
		{"+15550100", "+1*****00"},
		{"+1555010", "+*****10"},
		{"5550100", "*****00"},
		{"1234", "****"},
		{"", ""},
	}
	for _, c := range cases {
		if got := MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMaskedErrorHidesEveryCaseAndKeepsTheChain(t *testing.T) {
	t.Parallel()
	err := maskIn(errors.Join(ErrPermanent, errors.New("550 <ANNA@Example.com> unknown; anna@example.com")), "anna@example.com", "a***@example.com")
	if got := err.Error(); got != "permanent delivery failure\n550 <a***@example.com> unknown; a***@example.com" {
		t.Fatalf("Error() = %q", got)
	}
	if !IsPermanent(err) {
		t.Fatal("masking broke errors.Is")
	}
}
