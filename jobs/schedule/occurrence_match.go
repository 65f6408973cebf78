package schedule

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
)

// Reasons, beyond decide's skip reasons, for which a customer is not part of an occurrence.
// They appear in run progress as skipped:<reason> and in previews.
const (
	// skipNoDate: a date trigger's trait is missing or not a YYYY-MM-DD date.
	skipNoDate = "no_date"
	// skipNotToday: the customer's date does not fall on this occurrence's date.
	skipNotToday = "not_today"
	// skipNoHoliday: the customer's country does not keep the holiday on this date.
	skipNoHoliday = "no_holiday"
	// skipMissed: the customer's send time passed more than catch_up ago (schedulers down).
	skipMissed = "missed"
)

// instantFor says whether a customer takes part in an occurrence and at which instant (UTC)
// their message is due. skip names why not. It reads only the profile and the calendar, so
// the fan-out, simulate and preview agree on who is in an occurrence.
func (p plan) instantFor(o Occurrence, c *decide.Customer, loc *time.Location, cal *calendar.Calendar) (time.Time, string, string) {
	switch p.kind {
	case kindSchedule:
		return o.At, "", ""
	case kindLocal:
		return o.instantFor(loc), "", ""
	case kindDate:
		born, ok := dateTrait(c, p.trait)
		if !ok {
			return time.Time{}, skipNoDate, fmt.Sprintf("no %s date (YYYY-MM-DD) on the profile", p.trait)
		}
		day := calendar.DateOf(o.Wall)
		if !anniversary(born, day.AddDays(-p.offset)) {
			return time.Time{}, skipNotToday, fmt.Sprintf("%s %s does not fall on %s", p.trait, born, day)
		}
		return o.instantFor(loc), "", ""
	case kindHoliday:
		day := calendar.DateOf(o.Wall)
		if cal == nil || !keeps(cal, c.Country, p.holiday, day) {
			return time.Time{}, skipNoHoliday, fmt.Sprintf("%s is not kept on %s in country %q", p.holiday, day, c.Country)
		}
		return o.instantFor(loc), "", ""
	}
	return time.Time{}, "invalid_input", "not a scheduled campaign"
}

// keeps reports whether country keeps holiday id on day.
func keeps(cal *calendar.Calendar, country, id string, day calendar.Date) bool {
	return slices.ContainsFunc(cal.On(country, day.Year, day.Month, day.Day), func(h calendar.Holiday) bool { return h.ID == id })
}

// holidayAnywhere reports whether some country (or the custom holidays kept everywhere)
// keeps the holiday on day, so that the scheduler does not page the whole audience on the
// 364 days a year a holiday is kept nowhere.
func holidayAnywhere(cal *calendar.Calendar, set *config.Set, id string, day calendar.Date) bool {
	return keptIn(cal, holidayCountries(set), id, day)
}

// holidayCountries are the countries holidayAnywhere looks in: every built-in calendar's, ""
// (custom holidays kept everywhere) and those the set's custom holidays name.
func holidayCountries(set *config.Set) []string {
	countries := append(calendar.Countries(), "")
	for _, h := range set.Holidays {
		countries = append(countries, h.Countries...)
	}
	return countries
}

// keptIn reports whether one of countries keeps the holiday on day.
func keptIn(cal *calendar.Calendar, countries []string, id string, day calendar.Date) bool {
	return slices.ContainsFunc(countries, func(cc string) bool { return keeps(cal, cc, id, day) })
}

// dateTrait reads a date trigger's trait: the birthday as the profile normalised it, any
// other trait when it starts with YYYY-MM-DD (a timestamp's date part is the date meant).
func dateTrait(c *decide.Customer, trait string) (calendar.Date, bool) {
	s := ""
	if trait == "birthday" && c.Birthday != "" {
		s = c.Birthday
	} else if v, ok := c.Traits[trait].(string); ok {
		s = strings.TrimSpace(v)
	}
	if len(s) > 10 {
		s = s[:10]
	}
	d, err := calendar.ParseDate(s)
	return d, err == nil
}

// anniversary reports whether day is the yearly return of born. Someone born on 29 February
// is greeted on 28 February in a year without one; nobody is greeted before they were born.
func anniversary(born, day calendar.Date) bool {
	if day.Year < born.Year {
		return false
	}
	if born.Month == time.February && born.Day == 29 && !(calendar.Date{Year: day.Year, Month: time.February, Day: 29}).IsValid() {
		return day.Month == time.February && day.Day == 28
	}
	return day.Month == born.Month && day.Day == born.Day
}
