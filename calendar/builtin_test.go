package calendar

import (
	"regexp"
	"testing"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// rickarNational is every rickar/cal v2.1.13 country with a national list. Australia has only
// state lists and is checked by hand in builtin_world.go.
var rickarNational = map[string][]*cal.Holiday{
	"AR": ar.Holidays, "AT": at.Holidays, "BE": be.Holidays, "BG": bg.Holidays, "BR": br.Holidays,
	"CA": ca.Holidays, "CH": ch.Holidays, "CZ": cz.Holidays, "DE": de.Holidays, "DK": dk.Holidays,
	"ES": es.Holidays, "FR": fr.Holidays, "GB": gb.Holidays, "GR": gr.Holidays, "HR": hr.Holidays,
	"IE": ie.Holidays, "IT": it.Holidays, "JP": jp.Holidays, "LT": lt.Holidays, "LV": lv.Holidays,
	"MW": mw.Holidays, "NC": nc.Holidays, "NL": nl.Holidays, "NO": no.Holidays, "NZ": nz.Holidays,
	"PL": pl.Holidays, "RO": ro.Holidays, "RU": ru.Holidays, "SE": se.Holidays, "SI": si.Holidays,
	"SK": sk.Holidays, "UA": ua.Holidays, "US": us.Holidays, "ZA": za.Holidays,
}

// replaced are rickar/cal holidays that a rule of this package stands in for, and why.
var replaced = map[*cal.Holiday]string{
	bg.OrthodoxGoodFriday: "orthodox()", bg.OrthodoxEasterMonday: "orthodox()",
	bg.LabourDay:      "moved next to Easter in some years; the day is 1 May",
	gr.KatharaDeftera: "orthodox()", gr.MegaliParaskevi: "orthodox()",
	gr.DefteraPascha: "orthodox()", gr.AgiouPrevmatos: "orthodox()",
	ro.VinereaMare: "orthodox()", ro.Pastele: "orthodox()", ro.ADouaZiDePaste: "orthodox()",
	ro.Rusalii: "orthodox()", ro.LuniDupaRusalii: "orthodox()",
	ua.OrthodoxEasterMonday: "orthodox()", ua.OrthodoxPentecostMonday: "orthodox(), it is the Sunday",
	ua.OrthodoxChristmas: "ends in 2023", ua.VictoryDay: "8 May from 2024",
	ua.DefenderOfUkraineDay: "1 October from 2023",
}

func TestEveryRickarNationalHolidayHasAStableID(t *testing.T) {
	t.Parallel()
	for cc, list := range rickarNational {
		mapped := map[*cal.Holiday]bool{}
		for _, r := range builtin[cc] {
			mapped[r.src] = true
		}
		for _, h := range list {
			if !mapped[h] && replaced[h] == "" {
				t.Errorf("%s: rickar/cal holiday %q has no id here", cc, h.Name)
			}
		}
	}
}

func TestEveryBuiltinIDIsSnakeCaseWithAnEnglishName(t *testing.T) {
	t.Parallel()
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	used := map[string]bool{}
	for cc, rules := range builtin {
		if !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(cc) {
			t.Errorf("country key %q is not ISO alpha-2", cc)
		}
		for _, r := range rules {
			used[r.id] = true
			if !snake.MatchString(r.id) {
				t.Errorf("%s: id %q is not snake_case", cc, r.id)
			}
			if names[r.id] == "" {
				t.Errorf("%s: id %q has no English name in the glossary", cc, r.id)
			}
		}
	}
	for id := range names {
		if !used[id] {
			t.Errorf("glossary name for %q, which no country uses", id)
		}
	}
}

func TestEachHolidayIsKeptAtMostOnceAYear(t *testing.T) {
	t.Parallel()
	// Two rules with one id (a holiday that moved, Portugal's suspended years) must never
	// both yield a date. Japan's citizens' holiday is the one id with two dates (2019); an
	// Islamic rule may yield two in a year (Ramadan 2030) and counts once.
	for cc, rules := range builtin {
		for year := 1990; year <= 2060; year++ {
			count := map[string]int{}
			for _, r := range rules {
				if r.islamic != nil {
					count[r.id]++
					continue
				}
				count[r.id] += len(r.dates(year, 0))
			}
			for id, n := range count {
				if n > 1 && !(cc == "JP" && id == "citizens_holiday") {
					t.Errorf("%s %d: %s kept %d times", cc, year, id, n)
				}
			}
		}
	}
}

func TestChristmasAndNewYearAreWhereExpected(t *testing.T) {
	t.Parallel()
	// A cheap check of the tables: countries that keep 25 December or 1 January do so.
	noChristmas := map[string]bool{"CN": true, "TW": true, "VN": true, "IR": true, "AF": true, "AZ": true,
		"KZ": true, "KG": true, "TJ": true, "TM": true, "UZ": true, "RU": true, "RS": true, "GE": true,
		"ET": true, "TR": true, "JP": true}
	noNewYear := map[string]bool{"IR": true, "AF": true, "ET": true}
	for cc, rules := range builtin {
		ids := map[string]Date{}
		for _, r := range rules {
			for _, d := range r.dates(2027, 0) {
				ids[r.id] = d
			}
		}
		if d, ok := ids["christmas"]; ok != !noChristmas[cc] || (ok && d != (Date{2027, 12, 25})) {
			t.Errorf("%s christmas 2027 = %v, %v", cc, d, ok)
		}
		if d, ok := ids["new_year"]; ok != !noNewYear[cc] || (ok && d != (Date{2027, 1, 1})) {
			t.Errorf("%s new_year 2027 = %v, %v", cc, d, ok)
		}
	}
}
