package calendar

import "math"

// New moons by Meeus, Astronomical Algorithms, chapter 49 ("Phases of the Moon"): the mean
// phase (49.1) plus the periodic terms for a new moon and the fourteen planetary arguments
// A1-A14. Meeus quotes a mean error of 3.7 s against the ELP-2000/82 theory over 1980-2020.

const synodicMonth = 29.530588861 // mean length of a lunation, days

// newMoonTerms are the coefficients of the new-moon corrections, in Meeus' order; the argument
// and the power of E of each are written out in newMoon.
var newMoonTerms = [25]float64{
	-0.40720, 0.17241, 0.01608, 0.01039, 0.00739,
	-0.00514, 0.00208, -0.00111, -0.00057, 0.00056,
	-0.00042, 0.00042, 0.00038, -0.00024, -0.00017,
	-0.00007, 0.00004, 0.00004, 0.00003, 0.00003,
	-0.00003, 0.00003, -0.00002, -0.00002, 0.00002,
}

// planetaryTerms are the A1-A14 arguments of chapter 49: base and rate per lunation (degrees),
// and the coefficient (days).
var planetaryTerms = [14][3]float64{
	{299.77, 0.107408, 0.000325}, {251.88, 0.016321, 0.000165},
	{251.83, 26.651886, 0.000164}, {349.42, 36.412478, 0.000126},
	{84.66, 18.206239, 0.000110}, {141.74, 53.303771, 0.000062},
	{207.14, 2.453732, 0.000060}, {154.84, 7.306860, 0.000056},
	{34.52, 27.261239, 0.000047}, {207.19, 0.121824, 0.000042},
	{291.34, 1.844379, 0.000040}, {161.72, 24.198154, 0.000037},
	{239.56, 25.513099, 0.000035}, {331.55, 3.592518, 0.000023},
}

// newMoon returns the instant (JD, UT) of lunation k: k = 0 is the new moon of 2000-01-06,
// and k counts new moons from it (negative before).
func newMoon(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85
	t2, t3, t4 := t*t, t*t*t, t*t*t*t
	jde := 2451550.09766 + synodicMonth*kf + 0.00015437*t2 - 0.000000150*t3 + 0.00000000073*t4

	e := 1 - 0.002516*t - 0.0000074*t2
	m := (2.5534 + 29.10535670*kf - 0.0000014*t2 - 0.00000011*t3) * deg                      // Sun's mean anomaly
	mp := (201.5643 + 385.81693528*kf + 0.0107582*t2 + 0.00001238*t3 - 0.000000058*t4) * deg // Moon's
	f := (160.7108 + 390.67050284*kf - 0.0016118*t2 - 0.00000227*t3 + 0.000000011*t4) * deg  // argument of latitude
	om := (124.7746 - 1.56375588*kf + 0.0020672*t2 + 0.00000215*t3) * deg                    // ascending node

	sin := math.Sin
	args := [25]float64{
		sin(mp), e * sin(m), sin(2 * mp), sin(2 * f), e * sin(mp-m),
		e * sin(mp+m), e * e * sin(2*m), sin(mp - 2*f), sin(mp + 2*f), e * sin(2*mp+m),
		sin(3 * mp), e * sin(m+2*f), e * sin(m-2*f), e * sin(2*mp-m), sin(om),
		sin(mp + 2*m), sin(2*mp - 2*f), sin(3 * m), sin(mp + m - 2*f), sin(2*mp + 2*f),
		sin(mp + m + 2*f), sin(mp - m + 2*f), sin(mp - m - 2*f), sin(3*mp + m), sin(4 * mp),
	}
	for i, c := range newMoonTerms {
		jde += c * args[i]
	}
	for i, p := range planetaryTerms {
		a := p[0] + p[1]*kf
		if i == 0 {
			a -= 0.009173 * t2
		}
		jde += p[2] * sin(a*deg)
	}
	return ttToUT(jde)
}

// lunationNear returns a k whose new moon is within a lunation of jd.
func lunationNear(jd float64) int {
	return int(math.Floor((jd - 2451550.09766) / synodicMonth))
}
