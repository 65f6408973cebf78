package customers

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/predict"
)

// Profile is a stored customer: what decisions see, plus what the store keeps to derive it.
type Profile struct {
	decide.Customer // embedded: what decisions see

	// Days are the purchase days, sorted, all orders of one UTC day merged into one, their
	// values in DaysCurrency (see orderLog.view).
	Days []predict.Day
	// DaysCurrency is the currency of the values of Days: Summary.Currency (the reporting
	// currency) when at least one order converts into it, else the currency of the latest
	// order. The models group customers by it ("price levels"), so it, not
	// Summary.Currency, is what they must be given.
	DaysCurrency string
	// UpdatedAt is when the customer's data (traits, orders, consent, channels) last changed, by
	// the store's clock, not an event time. Recording a send does not move it.
	UpdatedAt time.Time
	// ConsentHistory is the latest consent changes, newest first, at most MaxConsentHistory.
	ConsentHistory []ConsentChange
	// Version grows by one with every write; it is the optimistic-concurrency token.
	Version int64

	// read is the state GetMany decoded this profile from, so that RecordSends can write a
	// send on it without reading and decoding the profile again; nil otherwise.
	read *state
}

// The reserved traits are derived when a profile is read, from Traits as received: Traits
// stays the single source of truth, and a trait that does not validate (an email without @, a
// phone that is not a number, a country name instead of a code) is kept in Traits but leaves
// its Customer field empty, so that nothing is ever sent to a wrong address.

// deriveIdentity fills the Customer fields that come from reserved traits. phone is the
// customer's E.164 number as derivePhone gives it.
func deriveIdentity(c *decide.Customer, traits map[string]any, phone string) {
	c.Email, _ = normEmail(traits["email"])
	c.FirstName = firstString(traits, "firstName", "first_name")
	c.LastName = firstString(traits, "lastName", "last_name")
	c.Birthday, _ = normBirthday(traits["birthday"])
	c.Timezone, _ = normTimezone(traits["timezone"])
	c.Locale, _ = normLocale(traits["locale"])
	c.Country, _ = normCountry(countryTrait(traits))
	c.Phone = phone
	c.CreatedAt, _ = normTime(traits["createdAt"])
	c.Consent = consentOf(traits["consent"])
}

// derivePhone returns the E.164 form of the phone trait, read in the customer's country, else
// in region (numbers written without a country code); "" when it is not a valid number.
func derivePhone(traits map[string]any, region string) string {
	if c, ok := normCountry(countryTrait(traits)); ok {
		region = c
	}
	phone, _ := normPhone(traits["phone"], region)
	return phone
}

func firstString(traits map[string]any, names ...string) string {
	for _, n := range names {
		if s, ok := traits[n].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// countryTrait returns address.country, the Segment place for it.
func countryTrait(traits map[string]any) any {
	addr, _ := traits["address"].(map[string]any)
	return addr["country"]
}

// normEmail returns the address of a valid email as a profile keeps it ("Jane <J@X.org>" →
// "J@x.org"): the local part as written, quoted again when it needs quoting, the domain
// lower-cased and as written (decide.DisplayEmail; decide.ValidEmail gives the form sent to).
func normEmail(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", false
	}
	if isDotAtomAddress(s) {
		// What decide.DisplayEmail returns for the common plain form, without net/mail's
		// parser: the address is derived on every read of a profile.
		at := strings.IndexByte(s, '@')
		return s[:at+1] + strings.ToLower(s[at+1:]), true
	}
	addr, err := decide.DisplayEmail(s)
	return addr, err == nil
}

// isDotAtomAddress reports whether s is local@domain with both sides RFC 5322 dot-atoms
// (atext runs joined by single dots), the form mail.ParseAddress returns unchanged.
func isDotAtomAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && isDotAtom(s[:at]) && isDotAtom(s[at+1:])
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// normPhone returns the E.164 form of a valid phone number.
func normPhone(v any, region string) (string, bool) {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" || len(s) > 64 {
		return "", false
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// normCountry returns the upper-case ISO 3166-1 alpha-2 code of a country. Country names and
// alpha-3 codes are refused rather than guessed.
func normCountry(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || len(s) != 2 {
		return "", false
	}
	r, err := language.ParseRegion(s)
	if err != nil || !r.IsCountry() {
		return "", false
	}
	return r.String(), true
}

// normLocale returns the canonical BCP 47 form of a locale ("ru_ru" → "ru-RU").
func normLocale(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || s == "" || len(s) > 64 {
		return "", false
	}
	if v, ok := locales.Load(s); ok {
		return v.(string), true
	}
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		return "", false
	}
	if localesKept.Add(1) <= maxLocalesKept {
		locales.Store(s, tag.String())
	}
	return tag.String(), true
}

// locales caches valid locale strings as normLocale returns them: parsing a tag costs more than
// the rest of deriving a customer. Bounded, since a trait can hold anything.
var (
	locales     sync.Map
	localesKept atomic.Int64
)

const maxLocalesKept = 4096

// zones caches valid time-zone names: time.LoadLocation reads the zone database from disk on
// every call, and profiles are derived on every read. Only valid names are cached, so the
// cache is bounded by the size of the IANA database.
var zones sync.Map

// normTimezone returns an IANA time-zone name that time.LoadLocation accepts.
func normTimezone(v any) (string, bool) {
	s, ok := v.(string)
	// "Local" would mean the server's zone, which says nothing about the customer.
	if !ok || s == "" || s == "Local" || len(s) > 64 {
		return "", false
	}
	if _, ok := zones.Load(s); ok {
		return s, true
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return "", false
	}
	zones.Store(s, loc) // engagement_buy.go reads the location back
	return s, true
}

// normBirthday accepts YYYY-MM-DD, a real calendar date.
func normBirthday(v any) (string, bool) {
	s, ok := v.(string)
	if !ok || len(s) != len(time.DateOnly) {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", false
	}
	return s, true
}

// normTime accepts an RFC 3339 time or a YYYY-MM-DD date (midnight UTC), as createdAt comes in
// both forms.
func normTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// consentOf reads the consent trait; anything but an explicit boolean is unknown.
func consentOf(v any) decide.Consent {
	obj, _ := v.(map[string]any)
	var c decide.Consent
	if b, ok := obj["email"].(bool); ok {
		c.Email = &b
	}
	if b, ok := obj["sms"].(bool); ok {
		c.SMS = &b
	}
	return c
}
