package calendar

// The Islamic (Hijri) lunar calendar by the Umm al-Qura rule, Saudi Arabia's civil calendar,
// which King Abdulaziz City for Science and Technology (KACST) computes and publishes.
//
// Since 1423 AH (2002) the rule is: on the evening of the 29th day of a month, if the new
// moon (geocentric conjunction) has happened before sunset at Mecca and the Moon sets after
// the Sun there, the next month starts the next day; otherwise the month has 30 days. A
// month thus starts the day after the Mecca-local day of its new moon when both conditions
// hold that evening, and two days after otherwise.
//
// Religious dates are set by sighting the crescent and announced the evening before, and
// countries announce apart: Saudi Arabia and Türkiye usually keep the Umm al-Qura dates,
// Iran often a day later (Eid al-Fitr 2025: 30 March in Saudi Arabia, 31 March in Iran),
// though not every year.
// So the calendar computes the Umm al-Qura date and shifts it by a per-country offset
// (WithIslamicOffsets, rapport.yaml's calendar.islamic_offset); a marketer who knows the
// announced date can also give it as a custom holiday, which replaces the built-in one.
//
// Accuracy: against KACST's Umm al-Qura month starts for 1423-1500 AH (2002-2077, 936
// months, as tabled by the hijridate project from KACST's books and website) this gives the
// same first day for 933. The three others are razor edges: in 1427-06 the new moon comes 64
// seconds before sunset, in 1446-06 (December 2024) and 1485-10 the Moon sets 6 seconds
// before the Sun by this computation; KACST counted each the other way. Lowering the Moon's
// setting altitude by 0.1° fixes two of them and breaks two others (raising it breaks
// seven), so Meeus' standard altitude stays. Before
// 1423 Saudi Arabia used other rules, so dates computed for earlier years follow today's
// rule, not the calendar then in force.
//
// Islamic years are shorter than Gregorian ones (354 or 355 days), so a Gregorian year can
// hold a feast twice: Ramadan begins on 5 January and 26 December 2030.

import "math"

const meccaClock = 3 * 60 // Arabia Standard Time, minutes east of UTC

// shawwal1420 is the month count (12×(year−1) + month−1) of Shawwal 1420 AH, the month that
// began with lunation 0 of moon.go (new moon of 6 January 2000): the anchor from a Hijri
// month to the new moon that starts it.
const shawwal1420 = 12*1419 + 9

// islamicMonthStart returns the first day of month m (1 = Muharram, 9 = Ramadan, 10 = Shawwal,
// 12 = Dhu al-Hijjah) of Hijri year y by the Umm al-Qura rule. It costs about 50 µs (two
// settings found by Newton steps on Meeus' series, measured with go test -bench): a country's
// year with the three feasts takes about 1 ms, computed once per Calendar memo entry.
func islamicMonthStart(y, m int) Date {
	k := 12*(y-1) + (m - 1) - shawwal1420
	conj := newMoon(k)
	day := localDate(conj, meccaClock) // the new moon's day on Mecca's clock
	// Sunset on that day: start the search at 18:00 Mecca time, near every sunset there.
	evening := float64(day.jdn()) - 0.5 + float64(18*60-meccaClock)/1440
	sunset, ok1 := setting(sunBody, mecca, evening)
	moonset, ok2 := setting(moonBody, mecca, evening)
	if ok1 && ok2 && conj < sunset && moonset > sunset {
		return day.AddDays(1)
	}
	return day.AddDays(2)
}

// islamicYearOf returns the Hijri year whose Muharram starts nearest before or on date d.
func islamicYearOf(d Date) int {
	// Mean Hijri year: 354.36707 days; 1 Muharram 1 AH is JDN 1948439 (16 July 622, Julian).
	y := int(math.Floor(float64(d.jdn()-1948439)/354.36707)) + 1
	for islamicMonthStart(y, 1).After(d) {
		y--
	}
	for !islamicMonthStart(y+1, 1).After(d) {
		y++
	}
	return y
}

// islamicDates returns every date in Gregorian year of day dd of Hijri month m, shifted by
// offset days: zero, one or (Ramadan 2030) two dates.
func islamicDates(year, m, dd, offset int) []Date {
	if !inAstroRange(year) || m < 1 || m > 12 || dd < 1 || dd > 30 {
		return nil
	}
	var out []Date
	// A Gregorian year overlaps two or three Hijri years.
	first := islamicYearOf(Date{year, 1, 1})
	for y := first; y <= first+2; y++ {
		start := islamicMonthStart(y, m)
		if dd == 30 && islamicMonthLength(y, m) < 30 {
			continue // a 29-day month has no 30th
		}
		d := start.AddDays(dd - 1 + offset)
		if d.Year == year {
			out = append(out, d)
		}
	}
	return out
}

// islamicMonthLength returns the number of days (29 or 30) of month m of Hijri year y.
func islamicMonthLength(y, m int) int {
	return islamicMonthStart(y+m/12, m%12+1).jdn() - islamicMonthStart(y, m).jdn()
}
