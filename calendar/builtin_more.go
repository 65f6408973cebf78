package calendar

import (
	"time"

	"github.com/rickar/cal/v2/aa"
)

// Other countries rickar/cal lacks: Orthodox countries, whose Easter feasts come from the
// Julian computus (computus.go), and a few markets with their national holidays. Where a
// holiday's day off moves to a Monday (Mexico), the holiday stays on its date, as everywhere
// in this package.
var more = map[string][]rule{
	"BY": {
		fixed("new_year", time.January, 1), julianChristmas(),
		fixed("international_womens_day", time.March, 8), orthodox("orthodox_easter", 0),
		fixed("labour_day", time.May, 1), fixed("victory_day", time.May, 9),
		fixed("independence_day", time.July, 3), fixed("october_revolution_day", time.November, 7),
		fixed("christmas", time.December, 25),
	},
	"RS": {
		fixed("new_year", time.January, 1), fixed("day_after_new_year", time.January, 2),
		julianChristmas(), fixed("statehood_day", time.February, 15),
		orthodox("orthodox_good_friday", -2), orthodox("orthodox_easter", 0), orthodox("orthodox_easter_monday", 1),
		fixed("labour_day", time.May, 1), fixed("day_after_labour_day", time.May, 2),
		fixed("armistice_day", time.November, 11),
	},
	"GE": {
		fixed("new_year", time.January, 1), julianChristmas(),
		fixed("mothers_day", time.March, 3), fixed("international_womens_day", time.March, 8),
		orthodox("orthodox_good_friday", -2), orthodox("orthodox_easter", 0), orthodox("orthodox_easter_monday", 1),
		fixed("victory_day", time.May, 9), fixed("independence_day", time.May, 26),
		fixed("st_georges_day", time.November, 23),
	},
	// Moldova keeps both Christmases: 25 December has been a public holiday since 2013.
	"MD": {
		fixed("new_year", time.January, 1), julianChristmas(),
		fixed("international_womens_day", time.March, 8),
		orthodox("orthodox_easter", 0), orthodox("orthodox_easter_monday", 1),
		fixed("labour_day", time.May, 1), fixed("victory_day", time.May, 9),
		fixed("independence_day", time.August, 27), fixed("national_language_day", time.August, 31),
		fixed("christmas", time.December, 25),
	},
	// Cyprus: Greek Orthodox, with 25 March (Greek Independence Day) and 1 April (the start of
	// the EOKA struggle, its national day) besides its own independence on 1 October.
	"CY": {
		fixed("new_year", time.January, 1), fixed("epiphany", time.January, 6),
		orthodox("clean_monday", -48), fixed("greek_independence_day", time.March, 25),
		fixed("national_day", time.April, 1),
		orthodox("orthodox_good_friday", -2), orthodox("orthodox_easter", 0), orthodox("orthodox_easter_monday", 1),
		fixed("labour_day", time.May, 1), orthodox("orthodox_whit_monday", 50),
		fixed("assumption_day", time.August, 15), fixed("independence_day", time.October, 1),
		fixed("ochi_day", time.October, 28), fixed("christmas", time.December, 25),
		fixed("boxing_day", time.December, 26),
	},
	// Ethiopia: Genna (Christmas) is kept on 7 January and Fasika (Easter) on the Orthodox
	// date; the Ethiopian calendar's own feasts (Enkutatash, Meskel) are not built in.
	"ET": {
		julianChristmas(), orthodox("orthodox_good_friday", -2), orthodox("orthodox_easter", 0),
	},
	// Portugal suspended four holidays from 2013 to 2015 (Law 23/2012), restored in 2016.
	"PT": {
		fixed("new_year", time.January, 1), fromCal("good_friday", aa.GoodFriday),
		fromCal("easter", aa.Easter), fixed("liberty_day", time.April, 25),
		fixed("labour_day", time.May, 1),
		fromCal("corpus_christi", aa.CorpusChristi).years(0, 2012), fromCal("corpus_christi", aa.CorpusChristi).years(2016, 0),
		fixed("portugal_day", time.June, 10), fixed("assumption_day", time.August, 15),
		fixed("republic_day", time.October, 5).years(0, 2012), fixed("republic_day", time.October, 5).years(2016, 0),
		fixed("all_saints_day", time.November, 1).years(0, 2012), fixed("all_saints_day", time.November, 1).years(2016, 0),
		fixed("restoration_of_independence_day", time.December, 1).years(0, 2012),
		fixed("restoration_of_independence_day", time.December, 1).years(2016, 0),
		fixed("immaculate_conception", time.December, 8), fixed("christmas", time.December, 25),
	},
	// Finland moves Midsummer and All Saints' Day to a Saturday (Midsummer Eve is the Friday).
	"FI": {
		fixed("new_year", time.January, 1), fixed("epiphany", time.January, 6),
		fromCal("good_friday", aa.GoodFriday), fromCal("easter", aa.Easter),
		fromCal("easter_monday", aa.EasterMonday), fixed("labour_day", time.May, 1),
		fromCal("ascension_day", aa.AscensionDay), fromCal("whit_sunday", aa.Pentecost),
		weekdayFrom("midsummer_eve", time.June, 19, time.Friday), weekdayFrom("midsummer", time.June, 20, time.Saturday),
		weekdayFrom("all_saints_day", time.October, 31, time.Saturday), fixed("independence_day", time.December, 6),
		fixed("christmas_eve", time.December, 24), fixed("christmas", time.December, 25),
		fixed("st_stephens_day", time.December, 26),
	},
	"EE": {
		fixed("new_year", time.January, 1), fixed("independence_day", time.February, 24),
		fromCal("good_friday", aa.GoodFriday), fromCal("easter", aa.Easter),
		fixed("labour_day", time.May, 1), fromCal("whit_sunday", aa.Pentecost),
		fixed("victory_day", time.June, 23), fixed("midsummer", time.June, 24),
		fixed("independence_restoration_day", time.August, 20), fixed("christmas_eve", time.December, 24),
		fixed("christmas", time.December, 25), fixed("st_stephens_day", time.December, 26),
	},
	// Mexico: the days off for Constitution Day, Benito Juárez's birthday and Revolution Day
	// are Mondays since 2006; the holidays below are the days commemorated. The Day of the
	// Dead is not a day off, but it is the day Mexico greets.
	"MX": {
		fixed("new_year", time.January, 1), fixed("constitution_day", time.February, 5),
		fixed("benito_juarez_day", time.March, 21), fixed("labour_day", time.May, 1),
		fixed("independence_day", time.September, 16), fixed("day_of_the_dead", time.November, 2),
		fixed("revolution_day", time.November, 20), fixed("christmas", time.December, 25),
	},
	// Türkiye: the civil holidays; Ramazan and Kurban Bayramı are lunar (custom holidays).
	"TR": {
		fixed("new_year", time.January, 1), fixed("national_sovereignty_and_childrens_day", time.April, 23),
		fixed("labour_day", time.May, 1), fixed("youth_and_sports_day", time.May, 19),
		fixed("democracy_day", time.July, 15).years(2017, 0), fixed("victory_day", time.August, 30),
		fixed("republic_day", time.October, 29),
	},
}

// builtin is every country's built-in calendar, keyed by ISO 3166 alpha-2 code.
var builtin = mergeRegions(europe, world, asia, more, occasions())

func mergeRegions(regions ...map[string][]rule) map[string][]rule {
	out := map[string][]rule{}
	for _, r := range regions {
		for cc, rules := range r {
			out[cc] = append(out[cc], rules...)
		}
	}
	return out
}
