package templates

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// lang holds the formatting rules of one locale for one render. It is used by one goroutine
// at a time (a renderCtx), which matters because a cases.Caser keeps state; the rest is the
// locale's, shared by every render in it.
type lang struct {
	*localeRules

	titler, upperer, lowerer *cases.Caser
}

// localeRules is what a locale string gives, once parsed: read-only, so shared by every
// goroutine. Parsing the tag and building its printer for every message cost about a tenth
// of a render.
type localeRules struct {
	tag     language.Tag
	base    string           // "en", "ru"
	region  string           // "US", "" when not given
	printer *message.Printer // read-only: each Sprint formats in a printer of its own
	dates   *dateTable
	// symbols caches currencySymbol by currency.Unit: asking golang.org/x/text formats an
	// amount, for every money call.
	symbols sync.Map
}

// locales caches localeRules by the locale string as given. Locales come from customers'
// profiles, so at most maxLocales are kept; past that they are parsed for every render.
var (
	locales  sync.Map // string -> *localeRules
	nLocales atomic.Int64
)

const maxLocales = 1024

// newLang returns the rules of a BCP 47 locale; an empty or unparsable one formats as English.
func newLang(locale string) *lang {
	if r, ok := locales.Load(locale); ok {
		return &lang{localeRules: r.(*localeRules)}
	}
	r := parseLocale(locale)
	if nLocales.Load() < maxLocales {
		if v, loaded := locales.LoadOrStore(locale, r); loaded {
			r = v.(*localeRules)
		} else {
			nLocales.Add(1)
		}
	}
	return &lang{localeRules: r}
}

// parseLocale is newLang without the cache.
func parseLocale(locale string) *localeRules {
	tag, err := language.Parse(strings.TrimSpace(locale))
	if err != nil || tag == language.Und {
		tag = language.English
	}
	b, _ := tag.Base()
	r := &localeRules{tag: tag, base: b.String()}
	if _, _, rg := tag.Raw(); rg != (language.Region{}) {
		r.region = rg.String()
	}
	r.printer = message.NewPrinter(withLanguageDigits(tag, r.base, r.region))
	r.dates = datesFor(r.base, r.region)
	return r
}

// digitSystems names the CLDR numbering system whose zero is the key.
var digitSystems = map[rune]string{'٠': "arab", '۰': "arabext", '०': "deva", '০': "beng", '၀': "mymr"}

// latinRegions are the regions whose language elsewhere writes native digits but which write
// Latin ones (CLDR: Arabic in the Maghreb).
var latinRegions = map[string]bool{"ar-MA": true, "ar-DZ": true, "ar-TN": true, "ar-LY": true, "ar-EH": true}

// withLanguageDigits gives a regional tag the digits of its language. golang.org/x/text's
// tables (CLDR 32) lose the default numbering system of a language once a region is added:
// fa formats ۱۵٪ but fa-IR, the locale Iranian customers carry, 15%, next to dates in Persian
// digits. So a regional tag without its own -u-nu- takes the language's system.
func withLanguageDigits(tag language.Tag, base, region string) language.Tag {
	if region == "" || latinRegions[base+"-"+region] || tag.TypeForKey("nu") != "" {
		return tag
	}
	bt, err := language.Parse(base)
	if err != nil {
		return tag
	}
	zero, _ := utf8.DecodeRuneInString(message.NewPrinter(bt).Sprint(number.Decimal(0)))
	nu, ok := digitSystems[zero]
	if !ok {
		return tag
	}
	if t, err := tag.SetTypeForKey("nu", nu); err == nil {
		return t
	}
	return tag
}

func (l *lang) title(s string) string {
	if l.titler == nil {
		c := cases.Title(l.tag)
		l.titler = &c
	}
	return l.titler.String(s)
}

func (l *lang) upper(s string) string {
	if l.upperer == nil {
		c := cases.Upper(l.tag)
		l.upperer = &c
	}
	return l.upperer.String(s)
}

func (l *lang) lower(s string) string {
	if l.lowerer == nil {
		c := cases.Lower(l.tag)
		l.lowerer = &c
	}
	return l.lowerer.String(s)
}

// number formats v with the locale's separators and digits: at most two decimals, or exactly
// decimals[0] when given.
func (l *lang) number(v any, decimals []int) (string, error) {
	f, ok, err := toFloat(v)
	if err != nil {
		return "", fmt.Errorf("number: %w", err)
	}
	if !ok {
		return toString(v), nil
	}
	minD, maxD := 0, 2
	if len(decimals) == 1 {
		if decimals[0] < 0 || decimals[0] > 12 {
			return "", fmt.Errorf("number: %d decimals (want 0 to 12)", decimals[0])
		}
		minD, maxD = decimals[0], decimals[0]
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", nil
	}
	return l.printer.Sprint(number.Decimal(f, number.MinFractionDigits(minD), number.MaxFractionDigits(maxD))), nil
}

// symbolPlace says where a language writes the currency symbol.
type symbolPlace int

const (
	symbolBefore      symbolPlace = iota // €1,234.50 (a space is added after a letter: CHF 1,234.50)
	symbolBeforeSpace                    // € 1.234,50
	symbolAfterSpace                     // 1.234,50 €
)

// symbolPlaces follows the CLDR currency patterns of each language's main region. golang.org/x/text
// knows the separators and symbols but always writes "€ 1,234.50", so the placement is ours.
// Languages not listed write the symbol first, as English does.
var symbolPlaces = map[string]symbolPlace{
	"nl": symbolBeforeSpace, "id": symbolBeforeSpace, "ms": symbolBeforeSpace,
	"de": symbolAfterSpace, "ru": symbolAfterSpace, "fr": symbolAfterSpace, "es": symbolAfterSpace,
	"it": symbolAfterSpace, "pt": symbolAfterSpace, "pl": symbolAfterSpace, "cs": symbolAfterSpace,
	"sk": symbolAfterSpace, "sv": symbolAfterSpace, "fi": symbolAfterSpace, "nb": symbolAfterSpace,
	"no": symbolAfterSpace, "da": symbolAfterSpace, "uk": symbolAfterSpace, "be": symbolAfterSpace,
	"bg": symbolAfterSpace, "hr": symbolAfterSpace, "hu": symbolAfterSpace, "ro": symbolAfterSpace,
	"el": symbolAfterSpace, "lt": symbolAfterSpace, "lv": symbolAfterSpace, "et": symbolAfterSpace,
	"sl": symbolAfterSpace, "sr": symbolAfterSpace, "ca": symbolAfterSpace, "vi": symbolAfterSpace,
	"he": symbolAfterSpace, "kk": symbolAfterSpace, "az": symbolAfterSpace, "hy": symbolAfterSpace,
	// Iranian shops write the amount first ("۱۲۰٬۰۰۰ تومان"), which reads naturally right to left.
	"fa": symbolAfterSpace,
}

// symbolPlaceRegions are the regional exceptions that matter for the languages above.
var symbolPlaceRegions = map[string]symbolPlace{
	"de-CH": symbolBeforeSpace, "de-LI": symbolBeforeSpace, "pt-BR": symbolBeforeSpace,
	"es-MX": symbolBefore, "es-US": symbolBefore, "es-419": symbolBefore, "nl-BE": symbolAfterSpace,
}

const nbsp = "\u00a0"

// money formats an amount in a currency (ISO 4217) the locale's way: €1,234.50 in English,
// 1.234,50 € in German, 1 234,50 € in Russian, with the currency's own decimals (¥1,235). The
// space between amount and symbol is a no-break space, so a line never ends between them. An
// empty currency gives the bare amount; an unknown one is written as given after the amount.
func (l *lang) money(v any, code string) (string, error) {
	f, ok, err := toFloat(v)
	if err != nil {
		return "", fmt.Errorf("money: %w", err)
	}
	if !ok {
		return toString(v), nil
	}
	return l.moneyScale(f, code, -1)
}

// moneyScale is money with scale decimals, or the currency's own when scale is negative.
func (l *lang) moneyScale(f float64, code string, scale int) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", nil
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	symbol := code
	unit, uerr := currency.ParseISO(code)
	if code != "" && uerr == nil {
		if scale < 0 {
			scale, _ = currency.Standard.Rounding(unit)
		}
		symbol = l.symbolFor(unit)
	}
	if scale < 0 {
		scale = 2
	}
	if p := math.Pow10(scale); !math.IsInf(f*p, 0) {
		f = math.Round(f*p) / p
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	amount := l.printer.Sprint(number.Decimal(f, number.MinFractionDigits(scale), number.MaxFractionDigits(scale)))
	switch {
	case code == "":
		return sign + amount, nil
	case uerr != nil:
		return sign + amount + nbsp + code, nil
	}
	switch l.symbolPlace() {
	case symbolBeforeSpace:
		return sign + symbol + nbsp + amount, nil
	case symbolAfterSpace:
		return sign + amount + nbsp + symbol, nil
	}
	if r := []rune(symbol); len(r) > 0 && unicode.IsLetter(r[len(r)-1]) {
		return sign + symbol + nbsp + amount, nil // CHF 1,234.50, not CHF1,234.50
	}
	return sign + symbol + amount, nil
}

func (l *lang) symbolPlace() symbolPlace {
	if l.region != "" {
		if p, ok := symbolPlaceRegions[l.base+"-"+l.region]; ok {
			return p
		}
		if l.base == "es" && isLatinAmerica(l.region) {
			return symbolBefore
		}
	}
	return symbolPlaces[l.base]
}

// isLatinAmerica reports the regions whose Spanish writes $1,234.50 rather than 1.234,50 €.
func isLatinAmerica(region string) bool {
	switch region {
	case "MX", "US", "PR", "DO", "CU", "GT", "HN", "SV", "NI", "PA", "419":
		return true
	}
	return false
}

// currencySymbol asks golang.org/x/text for the locale's symbol of a currency (€, ₽, US$ in
// Canada) by formatting an amount and keeping what precedes the first digit.
func (l *lang) currencySymbol(u currency.Unit) string {
	if s, ok := l.symbols.Load(u); ok {
		return s.(string)
	}
	s := l.lookupSymbol(u)
	l.symbols.Store(u, s) // ISO 4217 bounds the entries
	return s
}

// lookupSymbol is currencySymbol without the cache.
func (l *lang) lookupSymbol(u currency.Unit) string {
	s := l.printer.Sprint(currency.Symbol(u.Amount(1)))
	i := strings.IndexFunc(s, unicode.IsDigit)
	if i <= 0 {
		return u.String()
	}
	sym := strings.TrimFunc(s[:i], func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
	if sym == "" {
		return u.String()
	}
	return sym
}

// toFloat reads a number from what templates pass: Go numbers, JSON numbers, numeric strings.
// ok is false for nil and for strings that are not numbers, which come from data and are
// shown as given; other types are a template mistake and an error.
func toFloat(v any) (f float64, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		return x, true, nil
	case float32:
		return float64(x), true, nil
	case int:
		return float64(x), true, nil
	case int8:
		return float64(x), true, nil
	case int16:
		return float64(x), true, nil
	case int32:
		return float64(x), true, nil
	case int64:
		return float64(x), true, nil
	case uint:
		return float64(x), true, nil
	case uint8:
		return float64(x), true, nil
	case uint16:
		return float64(x), true, nil
	case uint32:
		return float64(x), true, nil
	case uint64:
		return float64(x), true, nil
	case json.Number:
		f, err := x.Float64()
		return f, err == nil, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil, nil
	}
	return 0, false, fmt.Errorf("%T is not a number", v)
}
