// Package calendar knows the holidays of each country by stable ids ("new_year", "christmas",
// "nowruz", "lunar_new_year", ...), so that a campaign can greet every customer on the days
// that matter in their own country.
//
// Three sources make a country's calendar:
//
//   - the national holidays of github.com/rickar/cal/v2 for the countries it covers, each
//     mapped to a stable id (builtin_*.go);
//   - holidays rickar/cal lacks, computed here: Nowruz from the March equinox, Lunar New Year
//     and the other Chinese-calendar feasts from new moons and solar terms, Orthodox Easter
//     and Christmas from the Julian computus, and the fixed-date holidays of countries rickar/cal
//     does not cover (Russia's are in it; Iran's, China's, Korea's... are here);
//   - custom holidays from holidays/*.yaml (config.Holiday).
//
// A holiday is a civil Date: the day itself, not the day off. When a country moves the day
// off (the US observes Christmas on Friday 24 December when the 25th is a Saturday), the
// holiday stays on the 25th, because a greeting is about the day.
//
// Islamic feasts (Ramadan, Eid al-Fitr, Eid al-Adha, Iran's Mother's Day) are computed by
// the Umm al-Qura rule (islamic.go) and shifted by a per-country offset, since countries
// announce them a day apart (WithIslamicOffsets). Some holidays last more than a day
// (Holiday.Days: Ramadan is a month) and some are quiet periods when a shop may pause its
// promotions (Holiday.Quiet); During finds the ones under way on a date.
//
// The package is pure: no I/O and no clock. Years are parameters; astronomical holidays are
// computed for 1930-2150 and absent outside that range.
package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Holiday is one holiday on one date in one country.
type Holiday struct {
	// ID is the stable snake_case id campaigns name (trigger.holiday.name).
	ID string
	// Name is the English name, or the name a custom holiday gives.
	Name string
	Date Date
	// Country is the ISO 3166 alpha-2 code of the calendar asked for, upper case.
	Country string
	// Custom is true for holidays from holidays/*.yaml.
	Custom bool
	// Days is how many days the holiday lasts from Date, at least 1: a Hijri month (29 or
	// 30) for Ramadan, 3 for Eid al-Fitr and 4 for Eid al-Adha (the feast and the three
	// days of Tashreeq), the customary length rather than any country's days off.
	Days int
	// Quiet marks a period when a shop may choose to pause promotions: Ramadan and the two
	// Eids in Muslim-majority countries. The calendar marks it; what to pause is the
	// campaign's decision.
	Quiet bool
}

// Last returns the last day of the holiday.
func (h Holiday) Last() Date { return h.Date.AddDays(max(h.Days, 1) - 1) }

// Covers reports whether the holiday is under way on d.
func (h Holiday) Covers(d Date) bool { return !d.Before(h.Date) && !d.After(h.Last()) }

// ErrInvalidHoliday is wrapped by every error New returns about a custom holiday.
var ErrInvalidHoliday = errors.New("invalid holiday")

// ErrInvalidOption is wrapped by every error New returns about an Option's value.
var ErrInvalidOption = errors.New("invalid calendar option")

// Calendar knows the built-in holidays plus custom ones. It is safe for concurrent use.
type Calendar struct {
	global    []rule            // custom holidays for every country
	byCountry map[string][]rule // custom holidays for listed countries
	known     map[string]bool   // every id, built-in or custom
	// islamicOffset shifts every Islamic holiday of a country by whole days.
	islamicOffset map[string]int

	mu    sync.Mutex
	cache map[cacheKey][]Holiday
}

type cacheKey struct {
	country string
	year    int
}

// maxCached bounds the memo of computed years; a fan-out asks for a handful of (country,
// year) pairs millions of times, so a small memo saves the astronomy without growing.
const maxCached = 4096

// Option configures a Calendar.
type Option func(*Calendar) error

// MaxIslamicOffset bounds an Islamic offset: announcements differ from the Umm al-Qura
// calendar by a day, rarely two; more is a mistake.
const MaxIslamicOffset = config.MaxIslamicOffset

// WithIslamicOffsets shifts the Islamic holidays of each country (ISO 3166 alpha-2, any case)
// by whole days from the Umm al-Qura date, -2 to 2: {"IR": 1} when Iran keeps Eid a day after
// Saudi Arabia. rapport.yaml's calendar.islamic_offset holds it. Countries not named keep the
// Umm al-Qura dates.
func WithIslamicOffsets(offsets map[string]int) Option {
	return func(c *Calendar) error {
		var errs []error
		for _, key := range slices.Sorted(maps.Keys(offsets)) {
			cc, days := normalizeCountry(key), offsets[key]
			switch {
			case !countryPattern.MatchString(cc):
				errs = append(errs, fmt.Errorf("%w: islamic offset for %q: want an ISO 3166 alpha-2 code such as IR",
					ErrInvalidOption, key))
			case days < -MaxIslamicOffset || days > MaxIslamicOffset:
				errs = append(errs, fmt.Errorf("%w: islamic offset for %s: %d days, want -%d to %d",
					ErrInvalidOption, cc, days, MaxIslamicOffset, MaxIslamicOffset))
			default:
				c.islamicOffset[cc] = days
			}
		}
		return errors.Join(errs...)
	}
}

// New returns a calendar with the built-in holidays and the custom ones. Custom holidays are
// validated; the error names file:line:col of every bad entry and wraps ErrInvalidHoliday.
//
// A custom holiday with the same id as a built-in one replaces it in the countries it names
// (in every country when it names none): a marketer who keeps a holiday on another day than
// the built-in rule says has the last word.
func New(custom []*config.Holiday, opts ...Option) (*Calendar, error) {
	c := &Calendar{
		byCountry:     map[string][]rule{},
		known:         map[string]bool{},
		islamicOffset: map[string]int{},
		cache:         map[cacheKey][]Holiday{},
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	for _, rules := range builtin {
		for _, r := range rules {
			c.known[r.id] = true
		}
	}
	parsed, err := parseCustom(custom)
	if err != nil {
		return nil, err
	}
	for _, h := range parsed {
		c.known[h.rule.id] = true
		if len(h.countries) == 0 {
			c.global = append(c.global, h.rule)
		}
		for _, cc := range h.countries {
			c.byCountry[cc] = append(c.byCountry[cc], h.rule)
		}
	}
	return c, nil
}

// Holidays returns the holidays of a country (ISO 3166 alpha-2, any case) in a year, sorted by
// date then id. An unknown country has only the custom holidays that apply to it. Years
// outside 1-9999 have none.
func (c *Calendar) Holidays(country string, year int) []Holiday {
	return slices.Clone(c.year(normalizeCountry(country), year))
}

// year returns the memoised holidays of a country in a year. The slice is shared: callers
// copy before handing it out.
func (c *Calendar) year(cc string, year int) []Holiday {
	if year < 1 || year > 9999 {
		return nil
	}
	key := cacheKey{cc, year}
	c.mu.Lock()
	hs, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		return hs
	}
	// Two goroutines may compute the same year at once; both results are equal, so the
	// duplicate work is cheaper than holding the lock through the astronomy.
	hs = c.compute(cc, year)
	c.mu.Lock()
	if len(c.cache) >= maxCached {
		clear(c.cache)
	}
	c.cache[key] = hs
	c.mu.Unlock()
	return hs
}

// List is Holidays; it is what `rapport calendar --country CC --year YYYY` prints.
func (c *Calendar) List(country string, year int) []Holiday { return c.Holidays(country, year) }

func (c *Calendar) compute(cc string, year int) []Holiday {
	custom := append(slices.Clone(c.byCountry[cc]), c.global...)
	overridden := map[string]bool{}
	for _, r := range custom {
		overridden[r.id] = true
	}
	type seenKey struct {
		id   string
		date Date
	}
	seen := map[seenKey]bool{}
	var out []Holiday
	offset := c.islamicOffset[cc]
	add := func(r rule, isCustom bool) {
		name := r.name
		if name == "" {
			name = englishName(r.id)
		}
		for _, d := range r.dates(year, offset) {
			if seen[seenKey{r.id, d}] {
				continue
			}
			seen[seenKey{r.id, d}] = true
			out = append(out, Holiday{ID: r.id, Name: name, Date: d, Country: cc, Custom: isCustom,
				Days: r.length(d, offset), Quiet: r.quiet})
		}
	}
	for _, r := range builtin[cc] {
		if !overridden[r.id] {
			add(r, false)
		}
	}
	for _, r := range custom {
		add(r, true)
	}
	slices.SortFunc(out, func(a, b Holiday) int {
		if n := a.Date.Compare(b.Date); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// On returns the holidays of a country on a local date; none when the date does not exist.
func (c *Calendar) On(country string, y int, m time.Month, d int) []Holiday {
	date := Date{Year: y, Month: m, Day: d}
	if !date.IsValid() {
		return nil
	}
	var out []Holiday
	for _, h := range c.year(normalizeCountry(country), y) {
		if h.Date == date {
			out = append(out, h)
		}
	}
	return out
}

// During returns the holidays of a country under way on a date, the ones that started before
// it included (Ramadan from the day it starts to the eve of Eid al-Fitr); none when the date
// does not exist.
func (c *Calendar) During(country string, d Date) []Holiday {
	if !d.IsValid() {
		return nil
	}
	cc := normalizeCountry(country)
	var out []Holiday
	// No holiday lasts longer than a month, so one that covers d started this year or last.
	for _, y := range []int{d.Year - 1, d.Year} {
		for _, h := range c.year(cc, y) {
			if h.Covers(d) {
				out = append(out, h)
			}
		}
	}
	return out
}

// Between returns the holidays of a country whose first day is in [from, to], sorted by date
// then id: `rapport calendar` prints the coming twelve months with it.
func (c *Calendar) Between(country string, from, to Date) []Holiday {
	if !from.IsValid() || !to.IsValid() {
		return nil
	}
	cc := normalizeCountry(country)
	var out []Holiday
	for y := from.Year; y <= to.Year; y++ {
		for _, h := range c.year(cc, y) {
			if !h.Date.Before(from) && !h.Date.After(to) {
				out = append(out, h)
			}
		}
	}
	return out
}

// HasCountry reports whether the calendar knows holidays of a country: a built-in calendar,
// or custom holidays that name it.
func (c *Calendar) HasCountry(country string) bool {
	cc := normalizeCountry(country)
	_, builtIn := builtin[cc]
	return builtIn || len(c.byCountry[cc]) > 0
}

// nextSearchYears is how far Next looks: the year of from and the two after it, so that a
// holiday kept every year is always found, and one absent this year (a Lunar New Year in late
// January when from is in February) is found next year.
const nextSearchYears = 2

// Next returns the first date on or after from on which the holiday id is kept in a country,
// looking up to two years ahead; false when there is none in that span.
func (c *Calendar) Next(country, id string, from Date) (Date, bool) {
	if !from.IsValid() {
		return Date{}, false
	}
	cc := normalizeCountry(country)
	for y := from.Year; y <= from.Year+nextSearchYears && y <= 9999; y++ {
		for _, h := range c.year(cc, y) {
			if h.ID == id && !h.Date.Before(from) {
				return h.Date, true
			}
		}
	}
	return Date{}, false
}

// Known reports whether id is a holiday of some country, built in or custom: lint uses it to
// catch a misspelt trigger.holiday.name.
func (c *Calendar) Known(id string) bool { return c.known[id] }

// Countries returns the ISO 3166 alpha-2 codes with built-in calendars, sorted.
func Countries() []string { return slices.Sorted(maps.Keys(builtin)) }

// countryAliases maps codes people use in place of the ISO ones: UK for GB, and EL, the
// European Union's code for Greece.
var countryAliases = map[string]string{"UK": "GB", "EL": "GR"}

func normalizeCountry(s string) string {
	cc := strings.ToUpper(strings.TrimSpace(s))
	if alias, ok := countryAliases[cc]; ok {
		return alias
	}
	return cc
}
