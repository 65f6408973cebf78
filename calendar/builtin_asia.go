package calendar

import (
	"time"

	"github.com/rickar/cal/v2/aa"
)

// Asian countries rickar/cal lacks. Lunisolar feasts are computed on each country's own
// calendar clock (lunisolar.go): China's for CN, TW, HK, SG, MY and ID, Korea's for KR,
// Vietnam's for VN. A few widely greeted days that are not days off are included and say so
// in the glossary: the Lantern Festival, Qixi, Yalda.
//
// Nowruz is kept on 1 Farvardin (persian.go) in Iran and Afghanistan, which share the Solar
// Hijri calendar (Afghanistan's government has not kept it as a public holiday since 2022,
// its people still do); on the local day of the equinox in Azerbaijan, whose Novruz holidays
// start then; and on 21 March, fixed by law, in Kazakhstan, Kyrgyzstan, Tajikistan,
// Turkmenistan and Uzbekistan.
//
// Islamic feasts (Eid al-Fitr, Eid al-Adha, ...), Vesak, Deepavali and Diwali are not built
// in: they follow moon sighting or Hindu and Buddhist calendars, and are best given as custom
// holidays with explicit dates.
var asia = map[string][]rule{
	"CN": {
		fixed("new_year", time.January, 1),
		lunar("lunar_new_year", 1, 1, chinaClock), lunar("lantern_festival", 1, 15, chinaClock),
		fixed("international_womens_day", time.March, 8),
		solarTermDay("qingming", 15, chinaClock), // Qingming: the Sun at 15°, 4 or 5 April
		fixed("labour_day", time.May, 1),
		lunar("dragon_boat", 5, 5, chinaClock), lunar("qixi", 7, 7, chinaClock),
		lunar("mid_autumn", 8, 15, chinaClock), fixed("national_day", time.October, 1),
	},
	"TW": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, chinaClock),
		fixed("peace_memorial_day", time.February, 28), fixed("childrens_day", time.April, 4),
		solarTermDay("qingming", 15, chinaClock), fixed("labour_day", time.May, 1),
		lunar("dragon_boat", 5, 5, chinaClock), lunar("mid_autumn", 8, 15, chinaClock),
		fixed("national_day", time.October, 10),
	},
	// Hong Kong's general holidays. Its day off for Mid-Autumn is the day after the festival;
	// the festival is the day greeted.
	"HK": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, chinaClock),
		solarTermDay("qingming", 15, chinaClock), easter("good_friday", -2),
		easter("easter_saturday", -1), easter("easter_monday", 1), fixed("labour_day", time.May, 1),
		lunar("buddhas_birthday", 4, 8, chinaClock), lunar("dragon_boat", 5, 5, chinaClock),
		fixed("hksar_establishment_day", time.July, 1), lunar("mid_autumn", 8, 15, chinaClock),
		fixed("national_day", time.October, 1), lunar("chung_yeung", 9, 9, chinaClock),
		fixed("christmas", time.December, 25), fixed("boxing_day", time.December, 26),
	},
	"SG": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, chinaClock),
		easter("good_friday", -2), fixed("labour_day", time.May, 1),
		fixed("national_day", time.August, 9), fixed("christmas", time.December, 25),
	},
	"MY": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, chinaClock),
		fixed("labour_day", time.May, 1), fixed("national_day", time.August, 31),
		fixed("malaysia_day", time.September, 16), fixed("christmas", time.December, 25),
	},
	"ID": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, chinaClock),
		fromCal("good_friday", aa.GoodFriday), fixed("labour_day", time.May, 1),
		fromCal("ascension_day", aa.AscensionDay), fixed("pancasila_day", time.June, 1).years(2017, 0),
		fixed("independence_day", time.August, 17), fixed("christmas", time.December, 25),
	},
	"KR": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, koreaClock),
		fixed("independence_movement_day", time.March, 1), fixed("childrens_day", time.May, 5),
		lunar("buddhas_birthday", 4, 8, koreaClock), fixed("memorial_day", time.June, 6),
		fixed("liberation_day", time.August, 15), lunar("chuseok", 8, 15, koreaClock),
		fixed("national_foundation_day", time.October, 3), fixed("hangul_day", time.October, 9),
		fixed("christmas", time.December, 25),
	},
	"VN": {
		fixed("new_year", time.January, 1), lunar("lunar_new_year", 1, 1, vietnamClock),
		fixed("international_womens_day", time.March, 8), lunar("hung_kings_day", 3, 10, vietnamClock),
		fixed("reunification_day", time.April, 30), fixed("labour_day", time.May, 1),
		fixed("national_day", time.September, 2),
	},
	// India: the three national holidays, New Year's Day and Christmas; Diwali, Holi and the
	// other lunar feasts are custom holidays.
	"IN": {
		fixed("new_year", time.January, 1), fixed("republic_day", time.January, 26),
		fixed("independence_day", time.August, 15), fixed("gandhi_jayanti", time.October, 2),
		fixed("christmas", time.December, 25),
	},
	// Iran: Nowruz, and the Solar Hijri days around it (12 Farvardin, Islamic Republic Day;
	// 13 Farvardin, Sizdah Bedar), 22 Bahman (Revolution Day) and 30 Azar, the night of Yalda.
	"IR": {
		hijri("nowruz", 1, 1), hijri("islamic_republic_day", 1, 12), hijri("nature_day", 1, 13),
		hijri("yalda", 9, 30), hijri("revolution_day", 11, 22),
	},
	"AF": {
		hijri("nowruz", 1, 1), fixed("independence_day", time.August, 19),
	},
	"AZ": {
		fixed("new_year", time.January, 1), fixed("international_womens_day", time.March, 8),
		equinox("nowruz", 4*60), fixed("independence_day", time.May, 28),
		fixed("flag_day", time.November, 9),
	},
	"KZ": {
		fixed("new_year", time.January, 1), julianChristmas(),
		fixed("international_womens_day", time.March, 8), fixed("nowruz", time.March, 21),
		fixed("unity_day", time.May, 1), fixed("defender_of_the_fatherland_day", time.May, 7),
		fixed("victory_day", time.May, 9), fixed("capital_day", time.July, 6),
		fixed("constitution_day", time.August, 30), fixed("republic_day", time.October, 25).years(2022, 0),
		fixed("independence_day", time.December, 16),
	},
	"KG": {
		fixed("new_year", time.January, 1), julianChristmas(),
		fixed("defender_of_the_fatherland_day", time.February, 23),
		fixed("international_womens_day", time.March, 8), fixed("nowruz", time.March, 21),
		fixed("labour_day", time.May, 1), fixed("constitution_day", time.May, 5),
		fixed("victory_day", time.May, 9), fixed("independence_day", time.August, 31),
	},
	"TJ": {
		fixed("new_year", time.January, 1), fixed("nowruz", time.March, 21),
		fixed("victory_day", time.May, 9), fixed("national_unity_day", time.June, 27),
		fixed("independence_day", time.September, 9), fixed("constitution_day", time.November, 6),
	},
	"TM": {
		fixed("new_year", time.January, 1), fixed("international_womens_day", time.March, 8),
		fixed("nowruz", time.March, 21), fixed("neutrality_day", time.December, 12),
		// Independence Day moved from 27 October to 27 September in 2018.
		fixed("independence_day", time.October, 27).years(0, 2017), fixed("independence_day", time.September, 27).years(2018, 0),
	},
	"UZ": {
		fixed("new_year", time.January, 1), fixed("international_womens_day", time.March, 8),
		fixed("nowruz", time.March, 21), fixed("remembrance_day", time.May, 9),
		fixed("independence_day", time.September, 1), fixed("teachers_day", time.October, 1),
	},
}
