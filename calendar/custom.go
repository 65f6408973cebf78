package calendar

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/rapporthq/rapport/config"
)

// Custom holidays come from holidays/*.yaml:
//
//	id: shop_anniversary          # [a-z0-9][a-z0-9_-]*
//	name: Our birthday            # optional; default the built-in English name, else the id
//	countries: [FR, BE]           # optional; none means every country
//	date: "09-14"                 # MM-DD every year ...
//	dates: [2026-11-27, 2027-11-26]  # ... or explicit YYYY-MM-DD dates, not both
//
// "02-29" is kept on 28 February in common years, as a birthday is, rather than skipped.

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// customHoliday is a validated config.Holiday.
type customHoliday struct {
	rule      rule
	countries []string // normalised; empty means every country
	where     string   // file:line:col, for messages
}

// parseCustom validates every custom holiday and reports every problem at once.
func parseCustom(hs []*config.Holiday) ([]customHoliday, error) {
	var out []customHoliday
	var errs []error
	for _, h := range hs {
		if h == nil {
			continue
		}
		ch, err := parseHoliday(h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Two definitions of one id for one country would leave the dates to file order.
		for _, prev := range out {
			if prev.rule.id == ch.rule.id && overlap(prev.countries, ch.countries) {
				errs = append(errs, fmt.Errorf("%s: %w %q: already defined at %s for some of the same countries",
					ch.where, ErrInvalidHoliday, h.ID, prev.where))
			}
		}
		out = append(out, ch)
	}
	return out, errors.Join(errs...)
}

func parseHoliday(h *config.Holiday) (customHoliday, error) {
	ch := customHoliday{where: position(h)}
	bad := func(format string, args ...any) (customHoliday, error) {
		return customHoliday{}, fmt.Errorf("%s: %w %q: %s", ch.where, ErrInvalidHoliday, h.ID, fmt.Sprintf(format, args...))
	}
	if !idPattern.MatchString(h.ID) {
		return bad("id must be lower-case letters, digits, _ or - (like black_friday)")
	}
	for _, c := range h.Countries {
		cc := normalizeCountry(c)
		if !countryPattern.MatchString(cc) {
			return bad("country %q: want an ISO 3166 alpha-2 code such as DE", c)
		}
		if !slices.Contains(ch.countries, cc) {
			ch.countries = append(ch.countries, cc)
		}
	}
	switch {
	case h.Date != "" && len(h.Dates) > 0:
		return bad("set date (MM-DD every year) or dates (YYYY-MM-DD list), not both")
	case h.Date != "":
		m, d, ok := parseMonthDay(h.Date)
		if !ok {
			return bad("date %q: want MM-DD, a day that exists", h.Date)
		}
		ch.rule = everyYear(h.ID, m, d)
	case len(h.Dates) > 0:
		var dates []Date
		for _, s := range h.Dates {
			d, err := ParseDate(s)
			if err != nil {
				return bad("dates: %v", err)
			}
			if !slices.Contains(dates, d) {
				dates = append(dates, d)
			}
		}
		ch.rule = rule{id: h.ID, on: func(year int) []Date {
			var out []Date
			for _, d := range dates {
				if d.Year == year {
					out = append(out, d)
				}
			}
			return out
		}}
	default:
		return bad("no date: set date (MM-DD every year) or dates (YYYY-MM-DD list)")
	}
	ch.rule.name = h.Name
	return ch, nil
}

// everyYear is a custom MM-DD holiday; 29 February moves to the 28th in common years.
func everyYear(id string, m time.Month, d int) rule {
	return rule{id: id, on: func(year int) []Date {
		if m == time.February && d == 29 && !isLeap(year) {
			return []Date{{year, m, 28}}
		}
		return []Date{{year, m, d}}
	}}
}

// parseMonthDay reads MM-DD; any day of a leap year is accepted.
func parseMonthDay(s string) (time.Month, int, bool) {
	if len(s) != 5 || s[2] != '-' {
		return 0, 0, false
	}
	m, ok1 := digits(s[0:2])
	d, ok2 := digits(s[3:5])
	if !ok1 || !ok2 || !(Date{Year: 2000, Month: time.Month(m), Day: d}).IsValid() {
		return 0, 0, false
	}
	return time.Month(m), d, true
}

// overlap reports whether two country lists share a country; an empty list is every country.
func overlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// position formats where a custom holiday was written, file:line:col as lint prints it.
func position(h *config.Holiday) string {
	file := h.File
	if file == "" {
		file = "holidays"
	}
	switch {
	case h.Pos.Line > 0 && h.Pos.Col > 0:
		return fmt.Sprintf("%s:%d:%d", file, h.Pos.Line, h.Pos.Col)
	case h.Pos.Line > 0:
		return fmt.Sprintf("%s:%d", file, h.Pos.Line)
	}
	return file
}
