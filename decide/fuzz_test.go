package decide

import (
	"strings"
	"testing"
)

// FuzzDecide feeds arbitrary profile and event text through a whole decision: whatever a
// customer's traits hold, Decide returns a decision and never panics or leaks the address.
func FuzzDecide(f *testing.F) {
	f.Add("jane@example.com", "+49 151 23456789", "DE", "Europe/Berlin", "gold", "42.5")
	f.Add("", "030 1234567", "de", "Local", "", "")
	f.Add("a@b", "+", "ZZ", "../../etc/passwd", "\x00", "NaN")
	f.Add("Jane <JANE@EXAMPLE.COM>", "0000000000000000000", "", "America/Los_Angeles", "gold\n", "1e309")
	f.Fuzz(func(t *testing.T, email, phone, country, zone, tier, total string) {
		in := input(t)
		in.Customer.Email, in.Customer.Phone, in.Customer.Country, in.Customer.Timezone = email, phone, country, zone
		in.Customer.Traits = map[string]any{"tier": tier, "email": email}
		in.Event.Properties = map[string]any{"total": total}
		in.Campaign.Trigger.Where = cond(t, `event.total != nil`)
		in.Campaign.Audience.Where = cond(t, `customer.email == customer.traits.email`)
		d := Decide(in)
		if d.Eligible && d.Address == "" {
			t.Fatalf("eligible without an address: %+v", d)
		}
		normalized, _ := ValidEmail(email)
		e164, _ := NormalizePhone(phone, country)
		for _, r := range d.Reasons {
			for _, secret := range []string{normalized, e164} {
				if len(secret) >= 5 && strings.Contains(strings.ToLower(r), strings.ToLower(secret)) {
					t.Fatalf("reason %q contains %q", r, secret)
				}
			}
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+49 151 23456789", "030 1234567", "(415) 555-2671", "+", "tel:+1-800", "١٢٣٤٥٦٧٨"} {
		f.Add(s, "DE")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := NormalizePhone(raw, region)
		if err == nil && (!strings.HasPrefix(got, "+") || len(got) > 16) {
			t.Fatalf("NormalizePhone(%q, %q) = %q, not E.164", raw, region, got)
		}
	})
}

func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{"jane@example.com", "Jane <jane@example.com>", `"a b"@example.com`, "=?utf-8?q?J=C3=A4ne?= <j@e.de>", "@", "a@b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := ValidEmail(raw)
		if err != nil {
			return
		}
		// The local part is kept as written (issue 13: "A@b" is not "a@b" to every server);
		// the domain is lower-cased, and nothing can break a header line.
		at := strings.LastIndex(got, "@")
		if at < 0 || strings.ContainsAny(got, "\r\n") || got[at+1:] != strings.ToLower(got[at+1:]) {
			t.Fatalf("ValidEmail(%q) = %q", raw, got)
		}
	})
}
