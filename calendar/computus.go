package calendar

import "time"

// orthodoxEaster returns the Eastern Orthodox Easter Sunday of a Gregorian year, as a
// Gregorian date. The Orthodox churches compute Easter on the Julian calendar (the Julian
// computus, Meeus, Astronomical Algorithms, chapter 8, p. 69), and most of them then keep
// civil dates on the Gregorian one; converting through the day number keeps it right in
// every century, where the usual "+13 days" holds only from 1900 to 2099.
func orthodoxEaster(year int) (Date, bool) {
	if year < 1583 || year > 9999 { // before the Gregorian reform there is nothing to convert
		return Date{}, false
	}
	a := year % 4
	b := year % 7
	c := year % 19
	d := (19*c + 15) % 30
	e := (2*a + 4*b - d + 34) % 7
	month := time.Month((d + e + 114) / 31)
	day := (d+e+114)%31 + 1
	return fromJDN(julianJDN(year, month, day)), true
}

// orthodoxChristmas returns 25 December of the Julian calendar as it falls in a Gregorian
// year: 7 January from 1901 to 2100, 8 January from 2101. It is looked for in both Julian
// years that can land in the Gregorian year.
func orthodoxChristmas(year int) (Date, bool) {
	if year < 1583 || year > 9999 {
		return Date{}, false
	}
	for _, y := range []int{year - 1, year} {
		if d := fromJDN(julianJDN(y, time.December, 25)); d.Year == year {
			return d, true
		}
	}
	return Date{}, false
}
