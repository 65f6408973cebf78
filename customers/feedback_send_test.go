package customers

import (
	"strings"
	"testing"
)

func TestMessageIDNamesTheSendAndOnlyItsOwnFormParses(t *testing.T) {
	send := [8]byte{0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3}
	long := strings.Repeat("x", maxMessageIDCustomer+1)
	for _, tc := range []struct {
		name, customer string
		parses         bool
	}{
		{"uuid", "6f1c2a9e-2b8f-4f4e-9a51-0c1d2e3f4a5b", true},
		{"an email as user id", "Ann.O'Neil+vip@example.org", true},
		{"unicode", "клиент-7", true},
		{"too long: the old form, found by address", long, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := MessageID(send, "spring-sale", tc.customer, "news.example.com")
			if strings.ContainsAny(id, " <>\"(),:;[]\\") || strings.Count(id, "@") != 1 {
				t.Fatalf("%q is not a dot-atom Message-ID", id)
			}
			for _, written := range []string{id, "<" + id + ">", " <" + id + "> "} {
				gotSend, camp, cust, ok := parseMessageID(written)
				if ok != tc.parses {
					t.Fatalf("parse %q: ok %v, want %v", written, ok, tc.parses)
				}
				if ok && (gotSend != send || camp != "spring-sale" || cust != tc.customer) {
					t.Fatalf("parse %q: %x %q %q", written, gotSend, camp, cust)
				}
			}
		})
	}
	for _, foreign := range []string{"", "rapport.0123456789abcdef01234567@d", "CAF=abc@mail.gmail.com",
		"rapport.zz23456789abcdef.spring.YzE@d", "rapport.0123456789abcdef.spring.!!@d", "SM0123"} {
		if _, _, _, ok := parseMessageID(foreign); ok {
			t.Errorf("%q parsed as ours", foreign)
		}
	}
}
