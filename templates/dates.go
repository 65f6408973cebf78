package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateTable is how one language writes dates. Patterns use {d} {dd} (day), {M} {MM} (month
// number), {MMMM} (month name, in the form used after a day: "5 марта"), {y} (year) and
// {EEEE} (weekday). They follow CLDR's date formats, except that short dates always have four
// year digits: a coupon "valid until 01/02/26" is ambiguous enough already.
type dateTable struct {
	months   [12]string
	weekdays [7]string // Sunday first, as time.Weekday
	short    string
	long     string
	full     string
	monthday string
	// solarHijri writes dates in the Solar Hijri calendar, as Iran and Afghanistan do.
	solarHijri bool
	// zero is the digit zero of the locale's numbering system ('0', or '۰' in Persian).
	zero rune
}

var (
	enMonths   = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	enWeekdays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

var dateTables = map[string]*dateTable{
	"en": {months: enMonths, weekdays: enWeekdays, zero: '0',
		short: "{M}/{d}/{y}", long: "{MMMM} {d}, {y}", full: "{EEEE}, {MMMM} {d}, {y}", monthday: "{MMMM} {d}"},
	"ru": {zero: '0',
		months:   [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		weekdays: [7]string{"воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"},
		short:    "{dd}.{MM}.{y}", long: "{d} {MMMM} {y} г.", full: "{EEEE}, {d} {MMMM} {y} г.", monthday: "{d} {MMMM}"},
	"de": {zero: '0',
		months:   [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		weekdays: [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		short:    "{dd}.{MM}.{y}", long: "{d}. {MMMM} {y}", full: "{EEEE}, {d}. {MMMM} {y}", monthday: "{d}. {MMMM}"},
	"es": {zero: '0',
		months:   [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		short:    "{dd}/{MM}/{y}", long: "{d} de {MMMM} de {y}", full: "{EEEE}, {d} de {MMMM} de {y}", monthday: "{d} de {MMMM}"},
	"fr": {zero: '0',
		months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		short:    "{dd}/{MM}/{y}", long: "{d} {MMMM} {y}", full: "{EEEE} {d} {MMMM} {y}", monthday: "{d} {MMMM}"},
	"it": {zero: '0',
		months:   [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		weekdays: [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		short:    "{dd}/{MM}/{y}", long: "{d} {MMMM} {y}", full: "{EEEE} {d} {MMMM} {y}", monthday: "{d} {MMMM}"},
	"pt": {zero: '0',
		months:   [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		weekdays: [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		short:    "{dd}/{MM}/{y}", long: "{d} de {MMMM} de {y}", full: "{EEEE}, {d} de {MMMM} de {y}", monthday: "{d} de {MMMM}"},
	"nl": {zero: '0',
		months:   [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		weekdays: [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		short:    "{dd}-{MM}-{y}", long: "{d} {MMMM} {y}", full: "{EEEE} {d} {MMMM} {y}", monthday: "{d} {MMMM}"},
	"zh": {zero: '0',
		weekdays: [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
		short:    "{y}/{M}/{d}", long: "{y}年{M}月{d}日", full: "{y}年{M}月{d}日{EEEE}", monthday: "{M}月{d}日"},
	"ja": {zero: '0',
		weekdays: [7]string{"日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"},
		short:    "{y}/{MM}/{dd}", long: "{y}年{M}月{d}日", full: "{y}年{M}月{d}日{EEEE}", monthday: "{M}月{d}日"},
	"fa": {zero: '۰', solarHijri: true,
		months:   [12]string{"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"},
		weekdays: [7]string{"یکشنبه", "دوشنبه", "سه\u200cشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه"},
		short:    "{y}/{M}/{d}", long: "{d} {MMMM} {y}", full: "{EEEE} {d} {MMMM} {y}", monthday: "{d} {MMMM}"},
}

// enDayFirst is English as written outside North America and the Philippines: 5 March 2026.
var enDayFirst = &dateTable{months: enMonths, weekdays: enWeekdays, zero: '0',
	short: "{dd}/{MM}/{y}", long: "{d} {MMMM} {y}", full: "{EEEE}, {d} {MMMM} {y}", monthday: "{d} {MMMM}"}

// datesFor picks the date table of a language and region; unknown languages write English.
func datesFor(base, region string) *dateTable {
	if base == "en" {
		switch region {
		case "", "US", "CA", "PH", "PR", "UM", "VI", "GU", "AS", "MP":
			return dateTables["en"]
		}
		return enDayFirst
	}
	if t, ok := dateTables[base]; ok {
		return t
	}
	return dateTables["en"]
}

// formatDate formats v in one of the named styles (short, long, full, monthday; empty means
// long) or, when the style contains a digit, as a Go layout ("2006-01-02"), in English.
func (l *lang) formatDate(v any, style string, loc *time.Location) (string, error) {
	var pattern string
	switch style {
	case "", "long":
		pattern = l.dates.long
	case "short":
		pattern = l.dates.short
	case "full":
		pattern = l.dates.full
	case "monthday":
		pattern = l.dates.monthday
	default:
		if !strings.ContainsAny(style, "0123456789") {
			return "", fmt.Errorf("date: unknown style %q (want short, long, full, monthday, or a Go layout such as 2006-01-02)", style)
		}
	}
	t, ok, err := toTime(v, loc)
	if err != nil || !ok {
		return asGiven(v), err
	}
	if pattern == "" {
		return t.Format(style), nil
	}
	return l.dates.format(t, pattern), nil
}

// formatTime writes the hour and minute, 24-hour clock, in the locale's digits.
func (l *lang) formatTime(v any, loc *time.Location) (string, error) {
	t, ok, err := toTime(v, loc)
	if err != nil || !ok {
		return asGiven(v), err
	}
	return l.dates.digits(t.Format("15:04")), nil
}

// asGiven is what a date function shows for a value it could not read: a string as it came,
// nothing for anything else.
func asGiven(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// dateLayouts are the string forms accepted from profiles and event properties, besides
// RFC 3339. Those without a zone are wall-clock times in the customer's zone.
var dateLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}

// toTime reads a time from what templates pass and puts it in loc. A date-only string
// (a birthday) is a calendar day, not an instant, and stays that day whatever the zone. ok is
// false for nil, zero times and unreadable strings; other types are an error.
func toTime(v any, loc *time.Location) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x.In(loc), !x.IsZero(), nil
	case *time.Time:
		if x == nil || x.IsZero() {
			return time.Time{}, false, nil
		}
		return x.In(loc), true, nil
	case string:
		s := strings.TrimSpace(x)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.In(loc), true, nil
		}
		if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
			return t, true, nil
		}
		for _, layout := range dateLayouts {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t, true, nil
			}
		}
		return time.Time{}, false, nil
	}
	return time.Time{}, false, fmt.Errorf("cannot read a %T as a time", v)
}

// format fills a pattern with t's fields, in the table's calendar and digits.
func (dt *dateTable) format(t time.Time, pattern string) string {
	y, m, d := t.Year(), int(t.Month()), t.Day()
	if dt.solarHijri {
		jy, jm, jd, ok := solarHijri(y, m, d)
		if !ok || jm < 1 || jm > 12 {
			// Outside the years the conversion covers: an ISO date is at least not wrong.
			return dt.digits(t.Format(time.DateOnly))
		}
		y, m, d = jy, jm, jd
	}
	var b strings.Builder
	for pattern != "" {
		i := strings.IndexByte(pattern, '{')
		j := strings.IndexByte(pattern, '}')
		if i < 0 || j < i {
			b.WriteString(pattern)
			break
		}
		b.WriteString(pattern[:i])
		switch pattern[i+1 : j] {
		case "d":
			b.WriteString(strconv.Itoa(d))
		case "dd":
			fmt.Fprintf(&b, "%02d", d)
		case "M":
			b.WriteString(strconv.Itoa(m))
		case "MM":
			fmt.Fprintf(&b, "%02d", m)
		case "MMMM":
			b.WriteString(dt.months[m-1])
		case "y":
			b.WriteString(strconv.Itoa(y))
		case "EEEE":
			b.WriteString(dt.weekdays[t.Weekday()])
		}
		pattern = pattern[j+1:]
	}
	return dt.digits(b.String())
}

// digits replaces ASCII digits with the locale's own.
func (dt *dateTable) digits(s string) string {
	if dt.zero == '0' || dt.zero == 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return dt.zero + (r - '0')
		}
		return r
	}, s)
}

// jalaaliBreaks are the years of the 2820-year cycle's irregular leap-year breaks, from the
// jalaali algorithm of Kazimierz M. Borkowski as published in jalaali-js. Valid from -61 to
// 3177 of the Solar Hijri calendar.
var jalaaliBreaks = []int{-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178}

// solarHijri converts a Gregorian date to the Solar Hijri calendar. ok is false outside the
// years the algorithm covers, and callers then keep the Gregorian date.
func solarHijri(gy, gm, gd int) (jy, jm, jd int, ok bool) {
	jy = gy - 621
	leap, march, ok := jalaaliYear(jy)
	if !ok {
		return 0, 0, 0, false
	}
	// Days from 1 Farvardin of jy (which falls on March `march` of gy) to the date.
	k := dayNumber(gy, gm, gd) - dayNumber(gy, 3, march)
	if k >= 0 {
		if k <= 185 {
			return jy, 1 + k/31, k%31 + 1, true
		}
		k -= 186
	} else {
		// Before Nowruz: the end of the previous year, whose Esfand has 30 days when it is a
		// leap year (leap == 1 means jy follows a leap year).
		jy--
		k += 179
		if leap == 1 {
			k++
		}
	}
	return jy, 7 + k/30, k%30 + 1, true
}

// Divisions and remainders below truncate toward zero, as the ~~(a/b) of jalaali-js does
// and as Go's / and % do; the algorithm relies on it (a remainder of -1 below means 4).

// jalaaliYear returns, for Solar Hijri year jy, the years since its last leap year (0 means jy
// is leap) and the day of March of Gregorian year jy+621 on which it begins.
func jalaaliYear(jy int) (leap, march int, ok bool) {
	n := len(jalaaliBreaks)
	if jy < jalaaliBreaks[0] || jy >= jalaaliBreaks[n-1] {
		return 0, 0, false
	}
	gy := jy + 621
	leapJ := -14
	jp := jalaaliBreaks[0]
	jump := 0
	for i := 1; i < n; i++ {
		jm := jalaaliBreaks[i]
		jump = jm - jp
		if jy < jm {
			break
		}
		leapJ += jump/33*8 + jump%33/4
		jp = jm
	}
	m := jy - jp
	leapJ += m/33*8 + (m%33+3)/4
	if jump%33 == 4 && jump-m == 4 {
		leapJ++
	}
	leapG := gy/4 - (gy/100+1)*3/4 - 150
	march = 20 + leapJ - leapG
	if jump-m < 6 {
		m = m - jump + (jump+4)/33*33
	}
	leap = ((m+1)%33 - 1) % 4
	if leap == -1 {
		leap = 4
	}
	return leap, march, true
}

// dayNumber counts days since the Unix epoch for a Gregorian date.
func dayNumber(y, m, d int) int {
	return int(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
