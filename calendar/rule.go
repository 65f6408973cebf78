package calendar

import (
	"time"

	"github.com/rickar/cal/v2"
)

// rule yields the dates of one holiday, by its stable id, in a Gregorian year. Built-in
// countries are lists of rules; so are custom holidays.
type rule struct {
	id   string
	name string // custom holidays only; built-in names come from the glossary
	// src is the rickar/cal definition the rule reads, if any: the coverage test checks that
	// every national holiday of every rickar/cal country is mapped to an id here.
	src *cal.Holiday
	on  func(year int) []Date
	// islamic, when set, replaces on: the dates are days of the Hijri calendar, shifted by
	// the Islamic offset of the country asked for (islamic.go).
	islamic *islamicDay
	// days is how long the holiday lasts from its date; 0 means one day.
	days int
	// quiet marks a period when a shop may choose to pause promotions (Holiday.Quiet).
	quiet bool
}

// islamicDay is day (1-30) of Hijri month (1-12), or the whole month when day is 0.
type islamicDay struct{ month, day int }

// dates returns the rule's dates in year, keeping only real dates of that year so that a
// rule's mistake cannot put a holiday in the wrong year. islamicOffset shifts the dates of
// an Islamic rule by whole days.
func (r rule) dates(year, islamicOffset int) []Date {
	var in []Date
	if r.islamic != nil {
		in = islamicDates(year, r.islamic.month, max(r.islamic.day, 1), islamicOffset)
	} else {
		in = r.on(year)
	}
	var out []Date
	for _, d := range in {
		if d.Year == year && d.IsValid() {
			out = append(out, d)
		}
	}
	return out
}

// length returns how many days the holiday that starts on d lasts: a whole Hijri month for
// an Islamic month rule (29 or 30 days, Ramadan), else days (at least 1).
func (r rule) length(d Date, islamicOffset int) int {
	if r.islamic != nil && r.islamic.day == 0 {
		start := d.AddDays(-islamicOffset)
		return islamicMonthLength(islamicYearOf(start), r.islamic.month)
	}
	return max(r.days, 1)
}

// lasting returns the rule for a holiday of n days.
func (r rule) lasting(n int) rule { r.days = n; return r }

// quietPeriod returns the rule marked as a period when promotions may pause.
func (r rule) quietPeriod() rule { r.quiet = true; return r }

// named returns the rule with a country's own name for the day, where the glossary's
// English name is not what that country calls it (the US Labor Day, the UK's Mothering
// Sunday).
func (r rule) named(name string) rule { r.name = name; return r }

// years limits a rule to the years from first to last (0 means no bound): holidays are
// created, moved and abolished. Not for Islamic rules, whose dates do not come from on.
func (r rule) years(first, last int) rule {
	on := r.on
	r.on = func(year int) []Date {
		if (first != 0 && year < first) || (last != 0 && year > last) {
			return nil
		}
		return on(year)
	}
	return r
}

// one adapts a func returning at most one date.
func one(f func(year int) (Date, bool)) func(int) []Date {
	return func(year int) []Date {
		if d, ok := f(year); ok {
			return []Date{d}
		}
		return nil
	}
}

// fromCal reads a rickar/cal holiday. It takes the actual date, never the observed one: a
// greeting is about the day itself, so Christmas in the US is 25 December even in a year when
// the federal day off is Friday the 24th.
func fromCal(id string, h *cal.Holiday) rule {
	return rule{id: id, src: h, on: one(func(year int) (Date, bool) {
		// Calc gets a copy: some HolidayFns (jp.VernalEquinoxDay) write into the Holiday they
		// are given, which is a data race when two goroutines ask for the same year.
		c := *h
		actual, _ := c.Calc(year)
		if actual.IsZero() {
			return Date{}, false
		}
		return DateOf(actual), true
	})}
}

// fixed is a holiday on the same month and day every year.
func fixed(id string, m time.Month, d int) rule {
	return rule{id: id, on: func(year int) []Date { return []Date{{year, m, d}} }}
}

// nthWeekday is the n-th weekday of a month (n < 0 counts from the end: -1 is the last).
func nthWeekday(id string, m time.Month, wd time.Weekday, n int) rule {
	return rule{id: id, on: func(year int) []Date {
		if n > 0 {
			first := Date{year, m, 1}
			shift := (int(wd) - int(first.Weekday()) + 7) % 7
			return []Date{first.AddDays(shift + 7*(n-1))}
		}
		last := Date{year, m, daysIn(year, m)}
		shift := (int(last.Weekday()) - int(wd) + 7) % 7
		return []Date{last.AddDays(-shift + 7*(n+1))}
	}}
}

// weekdayFrom is the first given weekday on or after month/day: Finland's Midsummer Day is
// the Saturday from 20 June.
func weekdayFrom(id string, m time.Month, d int, wd time.Weekday) rule {
	return rule{id: id, on: func(year int) []Date {
		from := Date{year, m, d}
		return []Date{from.AddDays((int(wd) - int(from.Weekday()) + 7) % 7)}
	}}
}

// easter is a holiday offset days from Western (Gregorian) Easter Sunday.
func easter(id string, offset int) rule {
	return fromCal(id, &cal.Holiday{Offset: offset, Func: cal.CalcEasterOffset})
}

// orthodox is a holiday offset days from Orthodox (Julian computus) Easter Sunday.
func orthodox(id string, offset int) rule {
	return rule{id: id, on: one(func(year int) (Date, bool) {
		d, ok := orthodoxEaster(year)
		return d.AddDays(offset), ok
	})}
}

// julianChristmas is Orthodox Christmas, 25 December of the Julian calendar.
func julianChristmas() rule {
	return rule{id: "orthodox_christmas", on: one(orthodoxChristmas)}
}

// lunar is day d of month m of the lunisolar (Chinese) calendar kept on the given clock.
func lunar(id string, m, d, clock int) rule {
	return rule{id: id, on: one(func(year int) (Date, bool) { return lunarDate(year, m, d, clock) })}
}

// solarTermDay is the day the Sun reaches an ecliptic longitude, on the given clock.
func solarTermDay(id string, longitude float64, clock int) rule {
	return rule{id: id, on: one(func(year int) (Date, bool) { return solarTermDate(year, longitude, clock) })}
}

// hijri is day d of month m of Iran's Solar Hijri calendar.
func hijri(id string, m, d int) rule {
	return rule{id: id, on: one(func(year int) (Date, bool) { return solarHijriIn(year, m, d) })}
}

// islamic is day d of month m of the Islamic (Hijri) lunar calendar, by the Umm al-Qura rule
// shifted by the country's offset.
func islamic(id string, m, d int) rule {
	return rule{id: id, islamic: &islamicDay{month: m, day: d}}
}

// islamicMonth is the whole of Hijri month m, from its first day: Ramadan.
func islamicMonth(id string, m int) rule {
	return rule{id: id, islamic: &islamicDay{month: m}}
}

// equinox is the local date of the March equinox on the given clock.
func equinox(id string, clock int) rule {
	return rule{id: id, on: one(func(year int) (Date, bool) { return equinoxDay(year, clock) })}
}
