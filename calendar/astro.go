package calendar

import (
	"math"
	"time"
)

// The astronomy behind Nowruz and the Chinese calendar: the instants of equinoxes, solstices,
// solar terms and new moons. Everything is a Julian Date (days, float64). Meeus' algorithms
// give them in Dynamical Time (TT, "JDE"); civil dates need Universal Time, so deltaT is
// subtracted before a date is taken.
//
// Reference: Jean Meeus, Astronomical Algorithms, 2nd ed. (Willmann-Bell, 1998), chapters 7
// (Julian Day), 10 (Dynamical Time), 25 (Solar Coordinates), 27 (Equinoxes and Solstices)
// and 49 (Phases of the Moon). Chapter 27 is good to about a minute for 1951-2050 and
// chapter 49 to well under a minute; a date flips only when an event falls that close to
// local midnight (or, for Nowruz, to noon in Tehran).

const (
	jdUnixEpoch = 2440587.5 // JD of 1970-01-01 00:00 UT
	jdJ2000     = 2451545.0 // JD of 2000-01-01 12:00 TT
	deg         = math.Pi / 180
)

// Astronomical holidays are computed for these years only: the Chinese calendar has used
// UTC+8 since 1929, Iran adopted the Solar Hijri calendar in 1925, and past 2150 ΔT (the
// drift of Earth's rotation) is a guess several minutes wide.
const (
	minAstroYear = 1930
	maxAstroYear = 2150
)

// inAstroRange reports whether computed astronomical holidays exist for year.
func inAstroRange(year int) bool { return year >= minAstroYear && year <= maxAstroYear }

// jdToTime converts a JD in UT to a time.Time in UTC, rounded to the second.
func jdToTime(jd float64) time.Time {
	sec := math.Round((jd - jdUnixEpoch) * 86400)
	return time.Unix(int64(sec), 0).UTC()
}

// localDate is the civil date at instant jdUT on a clock offset from UTC by offsetMin minutes.
// A JD starts at noon, so the JDN of the civil day is floor(JD + 0.5).
func localDate(jdUT float64, offsetMin int) Date {
	return fromJDN(int(math.Floor(jdUT + 0.5 + float64(offsetMin)/1440)))
}

// ttToUT converts a JDE (TT) to a JD (UT) by removing ΔT.
func ttToUT(jde float64) float64 {
	year := 2000 + (jde-jdJ2000)/365.25
	return jde - deltaT(year)/86400
}

// deltaT returns ΔT = TT - UT in seconds for a decimal year: the polynomials of Espenak and
// Meeus (NASA, "Polynomial Expressions for Delta T", 2006), 1900-2150 and a parabola beyond.
// Measured ΔT stopped growing near 69 s after 2016, so the 2005-2050 polynomial runs some
// seconds high (74 s in 2025); seconds do not move a date except in the rarest edge case.
func deltaT(y float64) float64 {
	switch {
	case y < 1900:
		u := (y - 1820) / 100
		return -20 + 32*u*u
	case y < 1920:
		t := y - 1900
		return -2.79 + 1.494119*t - 0.0598939*t*t + 0.0061966*t*t*t - 0.000197*t*t*t*t
	case y < 1941:
		t := y - 1920
		return 21.20 + 0.84493*t - 0.076100*t*t + 0.0020936*t*t*t
	case y < 1961:
		t := y - 1950
		return 29.07 + 0.407*t - t*t/233 + t*t*t/2547
	case y < 1986:
		t := y - 1975
		return 45.45 + 1.067*t - t*t/260 - t*t*t/718
	case y < 2005:
		t := y - 2000
		return 63.86 + 0.3345*t - 0.060374*t*t + 0.0017275*t*t*t + 0.000651814*t*t*t*t + 0.00002373599*t*t*t*t*t
	case y < 2050:
		t := y - 2000
		return 62.92 + 0.32217*t + 0.005589*t*t
	case y < 2150:
		u := (y - 1820) / 100
		return -20 + 32*u*u - 0.5628*(2150-y)
	}
	u := (y - 1820) / 100
	return -20 + 32*u*u
}

// Mean instants of the March equinox and December solstice, years 1000-3000 (Meeus table 27.B,
// Y = (year-2000)/1000).
var (
	marchMean    = [5]float64{2451623.80984, 365242.37404, 0.05169, -0.00411, -0.00057}
	decemberMean = [5]float64{2451900.05952, 365242.74049, -0.06223, -0.00823, 0.00032}
)

// seasonTerms are the periodic terms A, B, C of Meeus table 27.C.
var seasonTerms = [24][3]float64{
	{485, 324.96, 1934.136}, {203, 337.23, 32964.467}, {199, 342.08, 20.186},
	{182, 27.85, 445267.112}, {156, 73.14, 45036.886}, {136, 171.52, 22518.443},
	{77, 222.54, 65928.934}, {74, 296.72, 3034.906}, {70, 243.58, 9037.513},
	{58, 119.81, 33718.147}, {52, 297.17, 150.678}, {50, 21.02, 2281.226},
	{45, 247.54, 29929.562}, {44, 325.15, 31555.956}, {29, 60.93, 4443.417},
	{18, 155.12, 67555.328}, {17, 288.79, 4562.452}, {16, 198.04, 62894.029},
	{14, 199.76, 31436.921}, {12, 95.39, 14577.848}, {12, 287.11, 31931.756},
	{12, 320.81, 34777.259}, {9, 227.73, 1222.114}, {8, 15.45, 16859.074},
}

// season returns the JDE (TT) of an equinox or solstice by Meeus chapter 27: the mean instant
// corrected by the periodic terms S, scaled by Δλ.
func season(year int, mean [5]float64) float64 {
	y := float64(year-2000) / 1000
	jde0 := mean[0] + y*(mean[1]+y*(mean[2]+y*(mean[3]+y*mean[4])))
	t := (jde0 - jdJ2000) / 36525
	w := (35999.373*t - 2.47) * deg
	dl := 1 + 0.0334*math.Cos(w) + 0.0007*math.Cos(2*w)
	s := 0.0
	for _, p := range seasonTerms {
		s += p[0] * math.Cos((p[1]+p[2]*t)*deg)
	}
	return jde0 + 0.00001*s/dl
}

// marchEquinox returns the instant (JD, UT) of the March equinox of year.
func marchEquinox(year int) float64 { return ttToUT(season(year, marchMean)) }

// decemberSolstice returns the instant (JD, UT) of the December solstice of year.
func decemberSolstice(year int) float64 { return ttToUT(season(year, decemberMean)) }

// sunLongitude returns the Sun's apparent ecliptic longitude in degrees [0, 360) at a JDE, by
// Meeus chapter 25's lower-accuracy method (about 0.01°, i.e. a quarter of an hour in time).
// It places the solar terms that are not equinoxes or solstices; those use chapter 27.
func sunLongitude(jde float64) float64 {
	t := (jde - jdJ2000) / 36525
	l0 := 280.46646 + 36000.76983*t + 0.0003032*t*t
	m := (357.52911 + 35999.05029*t - 0.0001537*t*t) * deg
	c := (1.914602-0.004817*t-0.000014*t*t)*math.Sin(m) +
		(0.019993-0.000101*t)*math.Sin(2*m) +
		0.000289*math.Sin(3*m)
	omega := (125.04 - 1934.136*t) * deg
	lambda := l0 + c - 0.00569 - 0.00478*math.Sin(omega)
	return math.Mod(math.Mod(lambda, 360)+360, 360)
}

// solarTerm returns the instant (JD, UT) near jdeGuess when the Sun's apparent longitude is
// target degrees, by Meeus' iteration of chapter 27 (jde += 58 sin(target - λ)): the Sun
// moves about 360°/365.24 days, i.e. a degree in 1.01 days, and 58 ≈ 365.24/(2π).
func solarTerm(target, jdeGuess float64) float64 {
	jde := jdeGuess
	for range 20 {
		diff := math.Remainder(target-sunLongitude(jde), 360)
		step := 58.13 * math.Sin(diff*deg)
		jde += step
		if math.Abs(step) < 1e-6 {
			break
		}
	}
	return ttToUT(jde)
}
