package decide

import (
	"errors"
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
	}{
		{"jane@example.com", "jane@example.com"},
		{"  Jane.Doe@Example.COM ", "Jane.Doe@example.com"}, // the local part as written
		{"Jane Doe <jane@example.com>", "jane@example.com"},
		{"user@bücher.de", "user@xn--bcher-kva.de"}, // punycode for sending
		{"user@BÜCHER.de", "user@xn--bcher-kva.de"},
		{"josé@example.es", "josé@example.es"}, // SMTPUTF8 local parts stay as written
		{"", ""},
		{"jane", ""},
		{"jane@", ""},
		{"@example.com", ""},
		{"jane@example.com, joe@example.com", ""},
		{"jane@example.com\r\nBcc: x@example.com", ""},
		{`"jane doe"@example.com`, `"jane doe"@example.com`}, // quoted again, not "jane doe@example.com"
		{`"jane@home"@example.com`, `"jane@home"@example.com`},
		{`"a\"b"@example.com`, `"a\"b"@example.com`},
		{"\"a\rb\"@example.com", ""}, // a carriage return, even quoted
		{strings.Repeat("a", 400) + "@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := ValidEmail(tt.raw)
			if got != tt.want || (tt.want == "") != (err != nil) {
				t.Fatalf("ValidEmail(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrInvalidEmail) {
				t.Errorf("error %v is not ErrInvalidEmail", err)
			}
		})
	}
}

func TestDisplayEmailKeepsTheDomainAsWritten(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"User@BÜCHER.de":          "User@bücher.de",
		`"a b"@Example.com`:       `"a b"@example.com`,
		"Jane <Jane@Example.org>": "Jane@example.org",
	} {
		if got, err := DisplayEmail(raw); got != want || err != nil {
			t.Errorf("DisplayEmail(%q) = %q %v, want %q", raw, got, err, want)
		}
	}
}

func TestSameEmailIgnoresCaseAndTheFormOfTheDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Jane@Example.com", "jane@example.com", true},
		{"user@bücher.de", "USER@xn--bcher-kva.de", true},
		{"jane@example.com", "john@example.com", false},
		{"not an address", "not an address", false},
	} {
		if got := SameEmail(tc.a, tc.b); got != tc.same {
			t.Errorf("SameEmail(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, region, want string
	}{
		{"+49 151 23456789", "DE", "+4915123456789"},
		{"+49 151 23456789", "", "+4915123456789"}, // the country code needs no region
		{"+49 151 23456789", "us", "+4915123456789"},
		{"030 1234567", "DE", "+49301234567"},
		{"030 1234567", "de", "+49301234567"},
		{"(415) 555-2671", "US", "+14155552671"},
		{"030 1234567", "", ""}, // national without a region
		{"12", "DE", ""},
		{"not a number", "US", ""},
		{"", "US", ""},
		{"+999 1234567", "", ""},
		{strings.Repeat("1", 400), "US", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw+"/"+tt.region, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizePhone(tt.raw, tt.region)
			if got != tt.want || (tt.want == "") != (err != nil) {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.raw, tt.region, got, err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrInvalidPhone) {
				t.Errorf("error %v is not ErrInvalidPhone", err)
			}
		})
	}
}

func TestMasksHideAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct{ got, want string }{
		{maskEmail("jane.doe@example.com"), "j***@example.com"},
		{maskEmail("noat"), "n***"},
		{maskPhone("+4915123456789"), "+49*********89"},
		{maskPhone("12345"), "*****"},
		{maskText("a"), "***"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("mask = %q, want %q", tt.got, tt.want)
		}
	}
}

func TestReasonsNeverContainFullAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Input)
	}{
		{"email chosen", func(*Input) {}},
		{"sms chosen", func(in *Input) { in.Customer.Consent.Email = no() }},
		{"condition prints the email", func(in *Input) {
			in.Campaign.Audience.Where = cond(t, `customer.email != "" && customer.phone != ""`)
		}},
		{"condition error quotes the email", func(in *Input) {
			in.Campaign.Audience.Where = cond(t, `int(customer.email) > 1`)
		}},
		{"condition error quotes the phone", func(in *Input) {
			in.Campaign.Audience.Where = cond(t, `int(customer.phone) > 1`)
		}},
		{"custom trait holding the address", func(in *Input) {
			in.Customer.Traits["contact"] = "JANE.DOE@example.com"
			in.Customer.Traits["mobile_number"] = "+4915123456789"
			in.Campaign.Audience.Where = cond(t, `customer.contact != "" && customer.mobile_number != nil`)
		}},
		{"bounce text naming the address", func(in *Input) {
			in.Customer.Undeliverable = map[string]string{"email": "550 jane.doe@example.com: no such user"}
		}},
		{"no channel", func(in *Input) { in.Customer.Consent = Consent{} }},
		{"variant condition on the phone", func(in *Input) {
			in.Campaign.Variants[0].When = cond(t, `customer.phone startsWith "+49"`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			tt.change(&in)
			d := Decide(in)
			for _, r := range d.Reasons {
				l := strings.ToLower(r)
				for _, secret := range []string{"jane.doe@example.com", "+49 151 23456789", "+4915123456789", "4915123456789", "15123456789"} {
					if strings.Contains(l, secret) {
						t.Errorf("reason %q contains %q", r, secret)
					}
				}
			}
		})
	}
}

// slowEmail is ValidEmail without its fast path.
func slowEmail(raw string) (string, error) {
	local, domain, err := parseEmail(raw)
	if err != nil {
		return "", err
	}
	return quoteLocal(local) + "@" + domain, nil
}

func TestPlainEmailAgreesWithNetMail(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"jane@example.com", "Jane.Doe@Example.COM", "  a@b  ", "a+tag@mail-1.example.co.uk", "o'neil@x.ie",
		"a..b@example.com", ".a@example.com", "a@-example.com", "a@example..com", "a@.example.com", "a@example.com.",
		"a@b@c", "a@", "@b", "a b@c", "Jane <jane@example.com>", "a@[127.0.0.1]", "a@exa_mple.com", "a@bücher.de",
	} {
		fast, ok := plainEmail(raw)
		if !ok {
			continue
		}
		slow, err := slowEmail(raw)
		if err != nil || slow != fast {
			t.Errorf("%q: fast path %q, net/mail %q %v", raw, fast, slow, err)
		}
	}
	for _, raw := range []string{"jane@example.com", "Jane.Doe@Example.COM"} {
		if _, ok := plainEmail(raw); !ok {
			t.Errorf("%q does not take the fast path", raw)
		}
	}
}

func FuzzPlainEmail(f *testing.F) {
	for _, s := range []string{"jane@example.com", "A@0", "a@b.c", "x@-", "a.@b", "a@b..c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fast, ok := plainEmail(raw)
		if !ok {
			return
		}
		if slow, err := slowEmail(raw); err != nil || slow != fast {
			t.Fatalf("%q: fast path %q, net/mail %q %v", raw, fast, slow, err)
		}
	})
}

func TestIndexFoldFindsEitherCase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, sub string
		want   int
	}{
		{"channel email: J***@example.com", "j***@EXAMPLE.com", 15},
		{"to Jane.Doe@Example.com", "jane.doe@example.com", 3},
		{"jjjane", "JANE", 2},
		{"no match here", "jane", -1},
		{"short", "longer than s", -1},
		{"ends with jan", "jane", -1},
		{"+49 151", "+49", 0},
	} {
		if got := indexFold(tc.s, tc.sub); got != tc.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tc.s, tc.sub, got, tc.want)
		}
		if got := indexBytes(strings.ToLower(tc.s), []byte(strings.ToLower(tc.sub))); got != tc.want {
			t.Errorf("indexBytes(%q, %q) = %d, want %d", tc.s, tc.sub, got, tc.want)
		}
	}
}
