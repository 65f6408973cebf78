package calendar

import "math"

// Where the Moon and the Sun stand in the sky of one place, and when they set there: what the
// Umm al-Qura rule (islamic.go) asks on the evening of a new moon at Mecca.
//
// The Moon's position is Meeus, Astronomical Algorithms, chapter 47, with the largest terms
// of tables 47.A (32 of 60) and 47.B (20 of 60): the terms left out sum to under 0.02° in
// longitude and latitude, a couple of minutes in a setting time. Rising and setting follow
// chapter 15, iterated on the body's coordinates at each step instead of interpolated.

// moonTermsLR are rows of Meeus table 47.A: multiples of D, M, M', F; coefficients of
// Σl (1e-6 degree) and Σr (1e-3 km).
var moonTermsLR = [32][6]float64{
	{0, 0, 1, 0, 6288774, -20905355}, {2, 0, -1, 0, 1274027, -3699111},
	{2, 0, 0, 0, 658314, -2955968}, {0, 0, 2, 0, 213618, -569925},
	{0, 1, 0, 0, -185116, 48888}, {0, 0, 0, 2, -114332, -3149},
	{2, 0, -2, 0, 58793, 246158}, {2, -1, -1, 0, 57066, -152138},
	{2, 0, 1, 0, 53322, -170733}, {2, -1, 0, 0, 45758, -204586},
	{0, 1, -1, 0, -40923, -129620}, {1, 0, 0, 0, -34720, 108743},
	{0, 1, 1, 0, -30383, 104755}, {2, 0, 0, -2, 15327, 10321},
	{0, 0, 1, 2, -12528, 0}, {0, 0, 1, -2, 10980, 79661},
	{4, 0, -1, 0, 10675, -34782}, {0, 0, 3, 0, 10034, -23210},
	{4, 0, -2, 0, 8548, -21636}, {2, 1, -1, 0, -7888, 24208},
	{2, 1, 0, 0, -6766, 30824}, {1, 0, -1, 0, -5163, -8379},
	{1, 1, 0, 0, 4987, -16675}, {2, -1, 1, 0, 4036, -12831},
	{2, 0, 2, 0, 3994, -10445}, {4, 0, 0, 0, 3861, -11650},
	{2, 0, -3, 0, 3665, 14403}, {0, 1, -2, 0, -2689, -7003},
	{2, 0, -1, 2, -2602, 0}, {2, -1, -2, 0, 2390, 10056},
	{1, 0, 1, 0, -2348, 6322}, {2, -2, 0, 0, 2236, -9884},
}

// moonTermsB are rows of Meeus table 47.B: multiples of D, M, M', F; coefficient of Σb.
var moonTermsB = [20][5]float64{
	{0, 0, 0, 1, 5128122}, {0, 0, 1, 1, 280602}, {0, 0, 1, -1, 277693},
	{2, 0, 0, -1, 173237}, {2, 0, -1, 1, 55413}, {2, 0, -1, -1, 46271},
	{2, 0, 0, 1, 32573}, {0, 0, 2, 1, 17198}, {2, 0, 1, -1, 9266},
	{0, 0, 2, -1, 8822}, {2, -1, 0, -1, 8216}, {2, 0, -2, -1, 4324},
	{2, 0, 1, 1, 4200}, {2, 1, 0, -1, -3359}, {2, -1, -1, 1, 2463},
	{2, -1, 0, 1, 2211}, {2, -1, -1, -1, 2065}, {0, 1, -1, -1, -1870},
	{4, 0, -1, -1, 1828}, {0, 1, 0, 1, -1794},
}

// moonPosition returns the Moon's apparent geocentric ecliptic longitude and latitude
// (degrees) and its distance (km) at a JDE.
func moonPosition(jde float64) (lambda, beta, dist float64) {
	t := (jde - jdJ2000) / 36525
	t2, t3, t4 := t*t, t*t*t, t*t*t*t
	lp := 218.3164477 + 481267.88123421*t - 0.0015786*t2 + t3/538841 - t4/65194000
	d := 297.8501921 + 445267.1114034*t - 0.0018819*t2 + t3/545868 - t4/113065000
	m := 357.5291092 + 35999.0502909*t - 0.0001536*t2 + t3/24490000
	mp := 134.9633964 + 477198.8675055*t + 0.0087414*t2 + t3/69699 - t4/14712000
	f := 93.2720950 + 483202.0175233*t - 0.0036539*t2 - t3/3526000 + t4/863310000
	e := 1 - 0.002516*t - 0.0000074*t2
	a1 := 119.75 + 131.849*t
	a2 := 53.09 + 479264.290*t
	a3 := 313.45 + 481266.484*t

	// eFactor scales a term by E for each unit of the Sun's anomaly M in its argument: the
	// eccentricity of Earth's orbit is slowly decreasing.
	eFactor := func(mMul float64) float64 {
		switch math.Abs(mMul) {
		case 1:
			return e
		case 2:
			return e * e
		}
		return 1
	}
	var sl, sr, sb float64
	for _, r := range moonTermsLR {
		arg := (r[0]*d + r[1]*m + r[2]*mp + r[3]*f) * deg
		ef := eFactor(r[1])
		sl += r[4] * ef * math.Sin(arg)
		sr += r[5] * ef * math.Cos(arg)
	}
	for _, r := range moonTermsB {
		sb += r[4] * eFactor(r[1]) * math.Sin((r[0]*d+r[1]*m+r[2]*mp+r[3]*f)*deg)
	}
	sl += 3958*math.Sin(a1*deg) + 1962*math.Sin((lp-f)*deg) + 318*math.Sin(a2*deg)
	sb += -2235*math.Sin(lp*deg) + 382*math.Sin(a3*deg) + 175*math.Sin((a1-f)*deg) +
		175*math.Sin((a1+f)*deg) + 127*math.Sin((lp-mp)*deg) - 115*math.Sin((lp+mp)*deg)

	// Nutation in longitude, its main term (Meeus 22): the same shift sunLongitude applies.
	omega := (125.04 - 1934.136*t) * deg
	lambda = math.Mod(lp+sl/1e6-0.00478*math.Sin(omega), 360)
	return lambda, sb / 1e6, 385000.56 + sr/1000
}

// equatorial converts ecliptic coordinates (degrees) to right ascension and declination
// (degrees) with the obliquity of the ecliptic at a JDE (Meeus 13.3, 13.4; 22.2 to 0.01").
func equatorial(jde, lambda, beta float64) (ra, dec float64) {
	t := (jde - jdJ2000) / 36525
	eps := (23.4392911 - 0.0130042*t) * deg
	l, b := lambda*deg, beta*deg
	ra = math.Atan2(math.Sin(l)*math.Cos(eps)-math.Tan(b)*math.Sin(eps), math.Cos(l)) / deg
	dec = math.Asin(math.Sin(b)*math.Cos(eps)+math.Cos(b)*math.Sin(eps)*math.Sin(l)) / deg
	return ra, dec
}

// siderealTime returns Greenwich mean sidereal time in degrees at a JD in UT (Meeus 12.4).
func siderealTime(jd float64) float64 {
	t := (jd - jdJ2000) / 36525
	return math.Mod(280.46061837+360.98564736629*(jd-jdJ2000)+0.000387933*t*t-t*t*t/38710000, 360)
}

// place is a point on Earth: latitude and longitude east, degrees.
type place struct{ lat, lon float64 }

// mecca is the Kaaba, where the Umm al-Qura calendar observes the sky.
var mecca = place{lat: 21.4225, lon: 39.8262}

// Standard altitudes of a setting body's centre (Meeus 15): the Sun's upper limb on the
// horizon with refraction, and the Moon's with refraction and its parallax (0.7275π − 0.5667°).
const sunSetAltitude = -0.8333

func moonSetAltitude(distKm float64) float64 {
	parallax := math.Asin(6378.14/distKm) / deg
	return 0.7275*parallax - 0.5667
}

// body gives a body's right ascension, declination and standard setting altitude at a JD (UT).
type body func(jd float64) (ra, dec, h0 float64)

func sunBody(jd float64) (float64, float64, float64) {
	jde := jd + deltaT(2000+(jd-jdJ2000)/365.25)/86400
	ra, dec := equatorial(jde, sunLongitude(jde), 0)
	return ra, dec, sunSetAltitude
}

func moonBody(jd float64) (float64, float64, float64) {
	jde := jd + deltaT(2000+(jd-jdJ2000)/365.25)/86400
	l, b, r := moonPosition(jde)
	ra, dec := equatorial(jde, l, b)
	return ra, dec, moonSetAltitude(r)
}

// setting returns the instant (JD, UT) at which a body sets at a place, starting from a guess
// within a few hours of it, by Newton steps on its altitude (Meeus 15.1, 15.3); false when it
// does not set (polar day or night: never at Mecca).
func setting(b body, at place, guess float64) (float64, bool) {
	jd := guess
	phi := at.lat * deg
	for range 12 {
		ra, dec, h0 := b(jd)
		hourAngle := math.Remainder(siderealTime(jd)+at.lon-ra, 360) * deg
		d := dec * deg
		h := math.Asin(math.Sin(phi)*math.Sin(d)+math.Cos(phi)*math.Cos(d)*math.Cos(hourAngle)) / deg
		rate := math.Cos(d) * math.Cos(phi) * math.Sin(hourAngle) // degrees of altitude lost per degree of hour angle
		if rate <= 1e-6 {
			return 0, false // rising side or on the meridian: no setting near the guess
		}
		step := (h - h0) / (360.985647 * rate)
		jd += step
		if math.Abs(step) < 1e-6 {
			return jd, true
		}
	}
	return jd, true
}
