package calendar

import "math"

// Nowruz and the Solar Hijri calendar of Iran.
//
// The Iranian year starts at the March equinox. By the rule the Calendar Center of the
// University of Tehran's Institute of Geophysics applies (and that Iranian law of 1925 set
// out as "the day of the equinox"), 1 Farvardin is the day on which the equinox falls when it
// falls before noon, Iran Standard Time (UTC+03:30, the 52.5°E meridian), and the next day
// otherwise. Example: the 2025 equinox was at 09:01 UTC = 12:31 in Tehran, after noon, so
// Nowruz 1404 was 21 March 2025.
//
// Iran Standard Time is used all year round here: when Iran kept daylight saving time (until
// 2022) it began at the start of 1 Farvardin, after the equinox, so the equinox was always
// on standard time.

const tehranClock = 3*60 + 30 // IRST, minutes east of UTC

// nowruz returns 1 Farvardin of the Solar Hijri year starting in Gregorian year.
func nowruz(year int) (Date, bool) {
	if !inAstroRange(year) {
		return Date{}, false
	}
	local := marchEquinox(year) + float64(tehranClock)/1440 // JD on Tehran's clock
	day := localDate(marchEquinox(year), tehranClock)
	// Fraction of the local day elapsed: a JD starts at noon, so the day starts at JD+0.5.
	elapsed := local + 0.5 - math.Floor(local+0.5)
	if elapsed >= 0.5 {
		day = day.AddDays(1)
	}
	return day, true
}

// solarHijri returns day d of month m (1-12) of the Solar Hijri year that starts in Gregorian
// year: Farvardin to Shahrivar have 31 days, Mehr to Bahman 30, Esfand 29 or 30. Months 10 to
// 12 (Dey, Bahman, Esfand) fall in the next Gregorian year.
func solarHijri(year, m, d int) (Date, bool) {
	start, ok := nowruz(year)
	if !ok || m < 1 || m > 12 || d < 1 || d > 31 || (m > 6 && d > 30) {
		return Date{}, false
	}
	before := 31 * (m - 1)
	if m > 7 {
		before = 6*31 + 30*(m-7)
	}
	date := start.AddDays(before + d - 1)
	if next, ok := nowruz(year + 1); ok && !date.Before(next) {
		return Date{}, false // 30 Esfand of a common year
	}
	return date, true
}

// solarHijriIn returns the date of Solar Hijri month m, day d that falls in Gregorian year:
// from the year starting in that Gregorian year for months up to Azar (9), and from the year
// before for Dey, Bahman and Esfand, which run from late December to March.
func solarHijriIn(year, m, d int) (Date, bool) {
	for _, y := range []int{year, year - 1} {
		if date, ok := solarHijri(y, m, d); ok && date.Year == year {
			return date, true
		}
	}
	return Date{}, false
}

// equinoxDay returns the local date of the March equinox on a clock offsetMin from UTC:
// Azerbaijan starts its Novruz holidays on that day.
func equinoxDay(year, offsetMin int) (Date, bool) {
	if !inAstroRange(year) {
		return Date{}, false
	}
	return localDate(marchEquinox(year), offsetMin), true
}
