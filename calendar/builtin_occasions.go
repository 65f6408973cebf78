package calendar

import "time"

// Occasions that are not days off in most countries that keep them, but days a shop greets
// its customers on: Islamic feasts where Muslims are many, Mother's Day by each country's
// own rule, Singles' Day in China, Christmas Eve in Germany. They are added to the countries'
// calendars of the other builtin_*.go files.

// Islamic feasts, by the Umm al-Qura rule and each country's offset (islamic.go):
//
//   - Muslim-majority countries of this package (AF AZ ID IR KG KZ MY TJ TM TR UZ) keep
//     Ramadan, Eid al-Fitr and Eid al-Adha, marked quiet: a shop may choose to pause
//     promotions while its customers fast and feast.
//   - Countries with large Muslim communities (5% of the people or more: AT BE CA CH DE ET
//     FR GB IN NL RU SG; the Eids are days off in ET, IN and SG and in several Russian
//     republics) keep them as observances, not quiet: most of those countries' customers
//     are not observing, so a campaign greeting Eid there narrows its own audience.

// occasions returns these rules by country. Mother's Day is the second Sunday of May in most
// countries, the first in Spain, Portugal, Lithuania and Romania, and its own day elsewhere.
func occasions() map[string][]rule {
	muslimMajority := []string{"AF", "AZ", "ID", "IR", "KG", "KZ", "MY", "TJ", "TM", "TR", "UZ"}
	muslimCommunity := []string{"AT", "BE", "CA", "CH", "DE", "ET", "FR", "GB", "IN", "NL", "RU", "SG"}
	secondSundayMay := []string{"AT", "AU", "BE", "BR", "CA", "CH", "CN", "CY", "CZ", "DE", "DK", "EE", "FI",
		"GR", "HK", "HR", "IN", "IT", "JP", "LV", "MY", "NL", "NZ", "SG", "SK", "TR", "TW", "UA", "US", "ZA"}
	firstSundayMay := []string{"ES", "LT", "PT", "RO"}
	mothersDayOthers := map[string]rule{
		// The UK and Ireland: Mothering Sunday, the fourth Sunday of Lent, three weeks
		// before Easter Sunday.
		"GB": easter("mothers_day", -21).named("Mothering Sunday"),
		"IE": easter("mothers_day", -21),
		"FR": frenchMothersDay(),
		"SE": nthWeekday("mothers_day", time.May, time.Sunday, -1),
		"NO": nthWeekday("mothers_day", time.February, time.Sunday, 2),
		"RU": nthWeekday("mothers_day", time.November, time.Sunday, -1), // since 1998 (decree 120)
		"BY": fixed("mothers_day", time.October, 14),
		"AR": nthWeekday("mothers_day", time.October, time.Sunday, 3),
		"MX": fixed("mothers_day", time.May, 10),
		"PL": fixed("mothers_day", time.May, 26),
		"SI": fixed("mothers_day", time.March, 25),
		"ID": fixed("mothers_day", time.December, 22), // Hari Ibu
		// Iran: the birth of Fatimah, 20 Jumada al-Thani, with Iran's Islamic offset.
		"IR": islamic("mothers_day", 6, 20),
	}
	out := map[string][]rule{}
	for _, cc := range muslimMajority {
		out[cc] = append(out[cc], islamicFeasts(true)...)
	}
	for _, cc := range muslimCommunity {
		out[cc] = append(out[cc], islamicFeasts(false)...)
	}
	for _, cc := range secondSundayMay {
		out[cc] = append(out[cc], nthWeekday("mothers_day", time.May, time.Sunday, 2))
	}
	for _, cc := range firstSundayMay {
		out[cc] = append(out[cc], nthWeekday("mothers_day", time.May, time.Sunday, 1))
	}
	for cc, r := range mothersDayOthers {
		out[cc] = append(out[cc], r)
	}
	// Singles' Day (11.11, the four ones): China's largest shopping day, not a holiday.
	out["CN"] = append(out["CN"], fixed("singles_day", time.November, 11))
	// Heiligabend: shops close at noon and presents are given in the evening, so it is the
	// day Germany greets, before the two days of Christmas.
	out["DE"] = append(out["DE"], fixed("christmas_eve", time.December, 24))
	return out
}

// islamicFeasts are Ramadan (a month), Eid al-Fitr (1 Shawwal, three days) and Eid al-Adha
// (10 Dhu al-Hijjah, four days with the days of Tashreeq).
func islamicFeasts(quiet bool) []rule {
	rules := []rule{
		islamicMonth("ramadan", 9),
		islamic("eid_al_fitr", 10, 1).lasting(3),
		islamic("eid_al_adha", 12, 10).lasting(4),
	}
	if quiet {
		for i := range rules {
			rules[i] = rules[i].quietPeriod()
		}
	}
	return rules
}

// frenchMothersDay is the last Sunday of May, or the first Sunday of June when that is
// Pentecost (law 50-577 of 1950, Code de l'action sociale, article D215-1).
func frenchMothersDay() rule {
	lastSunday := nthWeekday("mothers_day", time.May, time.Sunday, -1)
	pentecost := easter("whit_sunday", 49)
	return rule{id: "mothers_day", on: func(year int) []Date {
		d := lastSunday.on(year)[0]
		if p := pentecost.dates(year, 0); len(p) == 1 && p[0] == d {
			return []Date{d.AddDays(7)}
		}
		return []Date{d}
	}}
}
