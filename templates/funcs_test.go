package templates

import (
	"strings"
	"testing"
	"time"
)

var (
	utc    = time.UTC
	moscow = time.FixedZone("MSK", 3*3600)
	hawaii = time.FixedZone("HST", -10*3600)
)

func TestDateIsWrittenTheLocaleWay(t *testing.T) {
	t.Parallel()
	thursday := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		locale, style string
		v             any
		loc           *time.Location
		want          string
	}{
		{"en", "long", thursday, utc, "March 5, 2026"},
		{"en-US", "", thursday, utc, "March 5, 2026"},
		{"en", "short", thursday, utc, "3/5/2026"},
		{"en", "full", thursday, utc, "Thursday, March 5, 2026"},
		{"en", "monthday", thursday, utc, "March 5"},
		{"en-GB", "long", thursday, utc, "5 March 2026"},
		{"en-AU", "short", thursday, utc, "05/03/2026"},
		{"ru", "long", thursday, utc, "5 марта 2026 г."},
		{"ru-RU", "short", thursday, utc, "05.03.2026"},
		{"ru", "full", thursday, utc, "четверг, 5 марта 2026 г."},
		{"ru", "monthday", thursday, utc, "5 марта"},
		{"de", "long", thursday, utc, "5. März 2026"},
		{"de-AT", "short", thursday, utc, "05.03.2026"},
		{"de", "full", thursday, utc, "Donnerstag, 5. März 2026"},
		{"es", "long", thursday, utc, "5 de marzo de 2026"},
		{"es", "short", thursday, utc, "05/03/2026"},
		{"fr", "long", thursday, utc, "5 mars 2026"},
		{"fr", "full", thursday, utc, "jeudi 5 mars 2026"},
		{"it", "long", thursday, utc, "5 marzo 2026"},
		{"pt-BR", "long", thursday, utc, "5 de março de 2026"},
		{"nl", "short", thursday, utc, "05-03-2026"},
		{"fa", "long", thursday, utc, "۱۴ اسفند ۱۴۰۴"},
		{"fa-IR", "full", thursday, utc, "پنجشنبه ۱۴ اسفند ۱۴۰۴"},
		{"fa", "short", thursday, utc, "۱۴۰۴/۱۲/۱۴"},
		{"fa", "long", time.Date(9999, 1, 2, 0, 0, 0, 0, time.UTC), utc, "۹۹۹۹-۰۱-۰۲"},
		{"zh", "long", thursday, utc, "2026年3月5日"},
		{"zh-Hans-CN", "full", thursday, utc, "2026年3月5日星期四"},
		{"zh-TW", "short", thursday, utc, "2026/3/5"},
		{"ja", "long", thursday, utc, "2026年3月5日"},
		{"ja", "full", thursday, utc, "2026年3月5日木曜日"},
		{"ja", "short", thursday, utc, "2026/03/05"},
		{"sw", "long", thursday, utc, "March 5, 2026"},
		{"", "long", thursday, utc, "March 5, 2026"},
		{"not a locale!", "long", thursday, utc, "March 5, 2026"},
		{"en", "2006-01-02", thursday, utc, "2026-03-05"},
		{"en", "long", &thursday, utc, "March 5, 2026"},
		// An instant is shown on the customer's calendar: late evening UTC is tomorrow in Moscow.
		{"en", "long", time.Date(2026, 3, 5, 22, 30, 0, 0, time.UTC), moscow, "March 6, 2026"},
		{"en", "long", "2026-03-05T22:30:00Z", moscow, "March 6, 2026"},
		{"en", "long", "2026-03-05 10:00:00", moscow, "March 5, 2026"},
		// A date-only string is a calendar day (a birthday), not shifted by the zone.
		{"en", "monthday", "1990-05-17", hawaii, "May 17"},
		{"ru", "monthday", "1990-05-17", moscow, "17 мая"},
		{"en", "long", time.Time{}, utc, ""},
		{"en", "long", nil, utc, ""},
		{"en", "long", (*time.Time)(nil), utc, ""},
		{"en", "long", "next Tuesday", utc, "next Tuesday"},
	}
	for _, tt := range tests {
		t.Run(tt.locale+"/"+tt.style, func(t *testing.T) {
			got, err := newLang(tt.locale).formatDate(tt.v, tt.style, tt.loc)
			if err != nil {
				t.Fatalf("date %v %q in %q: %v", tt.v, tt.style, tt.locale, err)
			}
			if got != tt.want {
				t.Errorf("date %v %q in %q = %q, want %q", tt.v, tt.style, tt.locale, got, tt.want)
			}
		})
	}
}

func TestDateRejectsWhatOnlyATemplateGetsWrong(t *testing.T) {
	t.Parallel()
	l := newLang("en")
	if _, err := l.formatDate(time.Now(), "lnog", utc); err == nil || !strings.Contains(err.Error(), "unknown style") {
		t.Errorf("a misspelt style: got %v, want an unknown style error", err)
	}
	if _, err := l.formatDate(42, "long", utc); err == nil {
		t.Error("an int as a date: got no error")
	}
}

func TestTimeIsHoursAndMinutesInTheCustomersZone(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 5, 22, 30, 0, 0, time.UTC)
	tests := []struct {
		locale string
		loc    *time.Location
		want   string
	}{
		{"en", utc, "22:30"},
		{"ru", moscow, "01:30"},
		{"de", hawaii, "12:30"},
		{"fa", moscow, "۰۱:۳۰"},
	}
	for _, tt := range tests {
		got, err := newLang(tt.locale).formatTime(at, tt.loc)
		if err != nil || got != tt.want {
			t.Errorf("time in %s/%s = %q, %v; want %q", tt.locale, tt.loc, got, err, tt.want)
		}
	}
}

func TestSolarHijriCalendar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		g          [3]int
		jy, jm, jd int
	}{
		{[3]int{1979, 2, 11}, 1357, 11, 22}, // 22 Bahman 1357
		{[3]int{2023, 3, 21}, 1402, 1, 1},
		{[3]int{2024, 3, 20}, 1403, 1, 1}, // Nowruz on March 20
		{[3]int{2025, 3, 20}, 1403, 12, 30},
		{[3]int{2025, 3, 21}, 1404, 1, 1}, // 1403 was leap: Esfand had 30 days
		{[3]int{2025, 9, 22}, 1404, 6, 31},
		{[3]int{2025, 9, 23}, 1404, 7, 1},
		{[3]int{2026, 3, 5}, 1404, 12, 14},
	}
	for _, tt := range tests {
		jy, jm, jd, ok := solarHijri(tt.g[0], tt.g[1], tt.g[2])
		if !ok || jy != tt.jy || jm != tt.jm || jd != tt.jd {
			t.Errorf("solarHijri(%v) = %d/%d/%d %v, want %d/%d/%d", tt.g, jy, jm, jd, ok, tt.jy, tt.jm, tt.jd)
		}
	}
	if _, _, _, ok := solarHijri(9999, 1, 1); ok {
		t.Error("a year outside the algorithm's range converted")
	}
}

func TestMoneyIsWrittenTheLocaleWay(t *testing.T) {
	t.Parallel()
	const nb = "\u00a0"
	tests := []struct {
		locale   string
		amount   any
		currency string
		want     string
	}{
		{"en", 1234.5, "EUR", "€1,234.50"},
		{"en-US", 1234.5, "usd", "$1,234.50"},
		{"de", 1234.5, "EUR", "1.234,50" + nb + "€"},
		{"ru", 1234.5, "EUR", "1" + nb + "234,50" + nb + "€"},
		{"ru-RU", 1234.5, "RUB", "1" + nb + "234,50" + nb + "₽"},
		{"fr", 1234.5, "EUR", "1" + nb + "234,50" + nb + "€"},
		{"es", 1234.5, "EUR", "1.234,50" + nb + "€"},
		{"nl", 1234.5, "EUR", "€" + nb + "1.234,50"},
		{"pt-BR", 1234.5, "BRL", "R$" + nb + "1.234,50"},
		{"de-CH", 1234.5, "CHF", "CHF" + nb + "1’234.50"},
		{"en", 1234.5, "CHF", "CHF" + nb + "1,234.50"},
		{"en", 1234.5, "JPY", "¥1,235"},
		{"ja", 1234, "JPY", "￥1,234"},
		{"fa", 1234567, "IRR", "۱٬۲۳۴٬۵۶۷" + nb + "ریال"},
		{"en", -5, "USD", "-$5.00"},
		{"de", -5, "EUR", "-5,00" + nb + "€"},
		{"en", 0.004, "EUR", "€0.00"},
		{"en", -0.004, "EUR", "€0.00"},
		{"en", "12.5", "EUR", "€12.50"},
		{"en", 1234.5, "", "1,234.50"},
		{"en", 1234.5, "ABC", "1,234.50" + nb + "ABC"},
		{"en", nil, "EUR", ""},
		{"en", "n/a", "EUR", "n/a"},
		{"", 10, "EUR", "€10.00"},
	}
	for _, tt := range tests {
		got, err := newLang(tt.locale).money(tt.amount, tt.currency)
		if err != nil {
			t.Errorf("money %v %s in %q: %v", tt.amount, tt.currency, tt.locale, err)
			continue
		}
		if got != tt.want {
			t.Errorf("money %v %s in %q = %q, want %q", tt.amount, tt.currency, tt.locale, got, tt.want)
		}
	}
	if _, err := newLang("en").money(true, "EUR"); err == nil {
		t.Error("money of a bool: got no error")
	}
}

func TestNumberIsGroupedTheLocaleWay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale   string
		v        any
		decimals []int
		want     string
	}{
		{"en", 1234.5, nil, "1,234.5"},
		{"de", 1234.5, nil, "1.234,5"},
		{"ru", 1234.5, nil, "1\u00a0234,5"},
		{"en", 3.14159, nil, "3.14"},
		{"en", 7, nil, "7"},
		{"en", 2.5, []int{2}, "2.50"},
		{"en", 1234.4, []int{0}, "1,234"},
		{"fa", 1234, nil, "۱٬۲۳۴"},
		{"en", "42", nil, "42"},
		{"en", nil, nil, ""},
	}
	for _, tt := range tests {
		got, err := newLang(tt.locale).number(tt.v, tt.decimals)
		if err != nil || got != tt.want {
			t.Errorf("number %v %v in %q = %q, %v; want %q", tt.v, tt.decimals, tt.locale, got, err, tt.want)
		}
	}
	if _, err := newLang("en").number(1.0, []int{-1}); err == nil {
		t.Error("negative decimals: got no error")
	}
}

func TestDefaultTreatsOnlyEmptyValuesAsMissing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want any
	}{
		{nil, "friend"},
		{"", "friend"},
		{"  ", "friend"},
		{time.Time{}, "friend"},
		{[]string{}, "friend"},
		{map[string]any{}, "friend"},
		{(*RewardData)(nil), "friend"},
		{"Anna", "Anna"},
		{0, 0},
		{false, false},
	}
	for _, tt := range tests {
		if got := defaultValue("friend", tt.v); got != tt.want {
			t.Errorf("default friend %#v = %#v, want %#v", tt.v, got, tt.want)
		}
	}
}

func TestTraitFindsNestedAndMissingTraits(t *testing.T) {
	t.Parallel()
	traits := map[string]any{
		"tier":     "gold",
		"address":  map[string]any{"country": "DE"},
		"dot.name": "flat",
		"nothing":  nil,
	}
	tests := map[string]any{
		"tier":            "gold",
		"address.country": "DE",
		"dot.name":        "flat",
		"nope":            "",
		"address.nope":    "",
		"tier.sub":        "",
		"nothing":         "",
	}
	for name, want := range tests {
		if got := lookupTrait(traits, name); got != want {
			t.Errorf("trait %q = %#v, want %#v", name, got, want)
		}
	}
	if got := lookupTrait(nil, "tier"); got != "" {
		t.Errorf("trait of no traits = %#v, want empty", got)
	}
}

func TestCaseFunctionsFollowTheLocale(t *testing.T) {
	t.Parallel()
	if got := newLang("en").title("anna-maria SMITH"); got != "Anna-Maria Smith" {
		t.Errorf("title = %q", got)
	}
	if got := newLang("tr").upper("istanbul"); got != "İSTANBUL" {
		t.Errorf("Turkish upper = %q, want İSTANBUL", got)
	}
	if got := newLang("de").upper("straße"); got != "STRASSE" {
		t.Errorf("German upper = %q, want STRASSE", got)
	}
}

func TestSafeURLAllowsOnlyMessageSchemes(t *testing.T) {
	t.Parallel()
	for u, want := range map[string]bool{
		"https://x.test/a":       true,
		"http://x.test":          true,
		"mailto:hi@x.test":       true,
		"tel:+15550100":          true,
		"sms:+15550100":          true,
		"/relative":              true,
		"javascript:alert(1)":    false,
		"JavaScript:alert(1)":    false,
		"data:text/html,<b>":     false,
		"java\tscript:alert(1)":  false,
		"vbscript:msgbox":        false,
		"https://x.test/\x00bad": false,
	} {
		if got := urlAllowed(u); got != want {
			t.Errorf("urlAllowed(%q) = %v, want %v", u, got, want)
		}
	}
}

func FuzzFormattingNeverPanics(f *testing.F) {
	f.Add("ru-RU", "2024-03-20", "EUR", 1234.5, int64(1700000000))
	f.Add("fa", "1979-02-11T10:00:00+03:30", "IRR", -0.5, int64(-62135596800))
	f.Add("zh-Hant-TW", "", "", 1e308, int64(253402300799))
	f.Fuzz(func(t *testing.T, locale, s, cur string, x float64, unix int64) {
		l := newLang(locale)
		at := time.Unix(unix, 0)
		for _, v := range []any{s, at, x} {
			for _, style := range []string{"short", "long", "full", "monthday", "2006-01-02"} {
				_, _ = l.formatDate(v, style, moscow)
			}
			_, _ = l.formatTime(v, hawaii)
			_, _ = l.money(v, cur)
			_, _ = l.number(v, nil)
			_, _ = l.number(v, []int{3})
		}
		_ = l.title(s) + l.upper(s) + l.lower(s)
		_ = localeCandidates(locale)
		_, _, _ = splitLocale(s)
		_, _ = cleanRef(s)
	})
}
