package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date: no time of day and no time zone. A holiday is kept on a date, and
// each customer meets that date at their own local midnight, so the calendar never deals in
// instants; the caller turns a Date into a send time with In.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate reads a date written YYYY-MM-DD and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if !ok1 || !ok2 || !ok3 || !date.IsValid() {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD, a day that exists", s)
	}
	return date, nil
}

// digits parses a fixed-width run of ASCII digits; strconv would accept signs.
func digits(s string) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsValid reports whether the date exists in the (proleptic) Gregorian calendar, in years 1 to 9999.
func (d Date) IsValid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

// In returns midnight at the start of the date in loc (UTC when loc is nil). On the rare days
// that start with a daylight-saving jump, time.Date's normalisation gives the first instant.
func (d Date) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date { return fromJDN(d.jdn() + n) }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch a, b := d.jdn(), o.jdn(); {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return time.Weekday((d.jdn() + 1) % 7) }

// daysIn returns the number of days of a Gregorian month.
func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(year) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// jdn returns the Julian Day Number of the date (the JD at its noon, UT). Day counts are what
// the astronomy works in, and they make date arithmetic exact. Formula: Richards, "Mapping
// Time" (1998), as given in the Explanatory Supplement to the Astronomical Almanac, 15.11.
func (d Date) jdn() int {
	a := (14 - int(d.Month)) / 12
	y := d.Year + 4800 - a
	m := int(d.Month) + 12*a - 3
	return d.Day + (153*m+2)/5 + 365*y + y/4 - y/100 + y/400 - 32045
}

// julianJDN is jdn for a date of the Julian calendar, which the Orthodox computus yields.
func julianJDN(year int, month time.Month, day int) int {
	a := (14 - int(month)) / 12
	y := year + 4800 - a
	m := int(month) + 12*a - 3
	return day + (153*m+2)/5 + 365*y + y/4 - 32083
}

// fromJDN is the inverse of jdn for the Gregorian calendar (same source).
func fromJDN(j int) Date {
	a := j + 32044
	b := (4*a + 3) / 146097
	c := a - 146097*b/4
	d := (4*c + 3) / 1461
	e := c - 1461*d/4
	m := (5*e + 2) / 153
	return Date{
		Year:  100*b + d - 4800 + m/10,
		Month: time.Month(m + 3 - 12*(m/10)),
		Day:   e - (153*m+2)/5 + 1,
	}
}
