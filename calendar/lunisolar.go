package calendar

import "fmt"

// The Chinese lunisolar calendar, as standardised in GB/T 33661-2017 "Calculation and
// promulgation of the Chinese calendar" and kept (with its own clock) in Korea and Vietnam:
//
//  1. A day runs from midnight to midnight on the calendar's clock: China Standard Time
//     (UTC+8) for China, Taiwan, Hong Kong, Singapore, Malaysia and Indonesia; UTC+7 in
//     Vietnam (since 1968) and UTC+9 in South Korea, which is why Tết or Seollal now and then
//     falls a day, or in 1985 a month, away from the Chinese New Year.
//  2. A month starts on the day of a new moon.
//  3. The month holding the December solstice is month 11.
//  4. When 13 months start between two month-11s (a "sui" of 13), the first of them whose span
//     holds no principal solar term (zhongqi: the Sun's longitude a multiple of 30°) is a leap
//     month and repeats the number of the month before it.
//  5. The year starts with month 1.
//
// For the common case, New Year is the second new moon after the December solstice; rule 4
// makes it the third when the leap month is an 11th or 12th, as in 2033-34.
//
// Accuracy: the tests check New Year 1930-2099 and leap months 2020-2050 against published
// tables, and the Vietnamese and Korean divergences against history. A date can only be
// wrong when a new moon falls within about a minute of midnight on the calendar's clock (the
// Chinese New Year of 2027: 3 minutes before), or a principal term within a quarter of an
// hour of it in a leap year. The one known case is month 9 of 2057: its new moon falls at
// 16:00 UTC on 28 September, midnight in Beijing; modern ephemerides put it 40 s after
// (the month starts on the 29th), Meeus' series a few seconds before (the 28th), so its
// Double Ninth (9/9) comes out a day early. Korea is on UTC+9 here for every year, though
// it kept UTC+8:30 from 1954 to 1961.

// Clock offsets (minutes east of UTC) of the lunisolar calendars.
const (
	chinaClock   = 8 * 60
	vietnamClock = 7 * 60
	koreaClock   = 9 * 60
)

// lunarMonth is one month of the lunisolar calendar.
type lunarMonth struct {
	number int  // 1-12
	leap   bool // repeats the number of the month before
	start  int  // JDN of its first day
}

// sui returns the months from the month 11 holding the December solstice of year to the month
// before the next month 11, on a clock offsetMin from UTC.
func sui(year, offsetMin int) []lunarMonth {
	_, firstK := month11(year, offsetMin)
	next, _ := month11(year+1, offsetMin)

	var starts []int
	for k := firstK; ; k++ {
		s := localDate(newMoon(k), offsetMin).jdn()
		if s >= next {
			break
		}
		starts = append(starts, s)
	}
	starts = append(starts, next) // end of the last month

	leapAt := -1 // index of the leap month in starts, if this sui has 13 months
	if len(starts)-1 == 13 {
		terms := principalTerms(year, offsetMin)
		for i := 1; i < 13; i++ {
			if !containsAny(terms, starts[i], starts[i+1]) {
				leapAt = i
				break
			}
		}
	}

	months := make([]lunarMonth, 0, 13)
	number := 11
	for i := 0; i+1 < len(starts); i++ {
		leap := i == leapAt
		if i > 0 && !leap {
			number = number%12 + 1
		}
		months = append(months, lunarMonth{number: number, leap: leap, start: starts[i]})
	}
	return months
}

// month11 returns the first day (JDN) of the month holding the December solstice of year, and
// the lunation number k of the new moon that starts it.
func month11(year, offsetMin int) (int, int) {
	instant := decemberSolstice(year)
	solstice := localDate(instant, offsetMin).jdn()
	k := lunationNear(instant)
	for localDate(newMoon(k), offsetMin).jdn() > solstice {
		k--
	}
	for localDate(newMoon(k+1), offsetMin).jdn() <= solstice {
		k++
	}
	return localDate(newMoon(k), offsetMin).jdn(), k
}

// principalTerms returns the local dates (JDN) of the principal solar terms from the December
// solstice of year to the one of year+1: longitudes 270°, 300°, ..., 240°, 270°.
func principalTerms(year, offsetMin int) []int {
	solstice := decemberSolstice(year)
	terms := []int{localDate(solstice, offsetMin).jdn()}
	for i := 1; i < 12; i++ {
		target := float64((270 + 30*i) % 360)
		var jd float64
		if target == 0 {
			jd = marchEquinox(year + 1) // chapter 27 is more precise than chapter 25
		} else {
			jd = solarTerm(target, solstice+float64(i)*365.2422/12)
		}
		terms = append(terms, localDate(jd, offsetMin).jdn())
	}
	return append(terms, localDate(decemberSolstice(year+1), offsetMin).jdn())
}

func containsAny(days []int, from, to int) bool {
	for _, d := range days {
		if d >= from && d < to {
			return true
		}
	}
	return false
}

// lunarYear returns the months of the lunisolar year whose month 1 starts in Gregorian year
// (January or February), from that month 1 to the last month before the next one.
func lunarYear(year, offsetMin int) []lunarMonth {
	all := append(sui(year-1, offsetMin), sui(year, offsetMin)...)
	var out []lunarMonth
	for _, m := range all {
		if m.number == 1 && !m.leap {
			if out != nil {
				break
			}
			out = []lunarMonth{}
		}
		if out != nil {
			out = append(out, m)
		}
	}
	return out
}

// lunarDate returns the Gregorian date of day d of month m (not the leap one) of the
// lunisolar year starting in Gregorian year, and false when that day does not exist (a month
// has 29 or 30 days) or the year is outside the computed range.
func lunarDate(year int, m, d int, offsetMin int) (Date, bool) {
	if !inAstroRange(year) {
		return Date{}, false
	}
	months := lunarYear(year, offsetMin)
	for i, lm := range months {
		if lm.number != m || lm.leap {
			continue
		}
		end := lm.start + 30
		if i+1 < len(months) {
			end = months[i+1].start
		}
		if lm.start+d-1 >= end || d < 1 {
			return Date{}, false
		}
		return fromJDN(lm.start + d - 1), true
	}
	return Date{}, false
}

// lunarNewYear returns the first day of the lunisolar year starting in Gregorian year.
func lunarNewYear(year, offsetMin int) (Date, bool) { return lunarDate(year, 1, 1, offsetMin) }

// solarTermDate returns the local date, in Gregorian year, on which the Sun reaches longitude
// target (degrees), e.g. 15° for Qingming around 5 April.
func solarTermDate(year int, target float64, offsetMin int) (Date, bool) {
	if !inAstroRange(year) {
		return Date{}, false
	}
	// Days from the March equinox (0°) to the term, at the Sun's mean motion.
	guess := marchEquinox(year) + target/360*365.2422
	return localDate(solarTerm(target, guess), offsetMin), true
}

// String is for test failures: "leap 6 from 2025-07-25".
func (m lunarMonth) String() string {
	leap := ""
	if m.leap {
		leap = "leap "
	}
	return fmt.Sprintf("%s%d from %s", leap, m.number, fromJDN(m.start))
}
