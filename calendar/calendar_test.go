package calendar_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
)

func newCalendar(t *testing.T, custom ...*config.Holiday) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(custom)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// datesOf returns the dates of holiday id in a country, one year after another.
func datesOf(c *calendar.Calendar, country, id string, from, to int) []string {
	var out []string
	for y := from; y <= to; y++ {
		for _, h := range c.Holidays(country, y) {
			if h.ID == id {
				out = append(out, h.Date.String())
			}
		}
	}
	return out
}

func TestPublishedHolidayDates2025To2030(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	tests := []struct {
		country, id string
		want        []string
	}{
		{"IR", "nowruz", []string{"2025-03-21", "2026-03-21", "2027-03-21", "2028-03-20", "2029-03-20", "2030-03-21"}},
		{"CN", "lunar_new_year", []string{"2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03"}},
		{"VN", "lunar_new_year", []string{"2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-02"}},
		{"KR", "lunar_new_year", []string{"2025-01-29", "2026-02-17", "2027-02-07", "2028-01-27", "2029-02-13", "2030-02-03"}},
		{"RU", "orthodox_christmas", []string{"2025-01-07", "2026-01-07", "2027-01-07", "2028-01-07", "2029-01-07", "2030-01-07"}},
		{"RU", "orthodox_easter", []string{"2025-04-20", "2026-04-12", "2027-05-02", "2028-04-16", "2029-04-08", "2030-04-28"}},
		{"GR", "orthodox_easter_monday", []string{"2025-04-21", "2026-04-13", "2027-05-03", "2028-04-17", "2029-04-09", "2030-04-29"}},
		{"DE", "easter_monday", []string{"2025-04-21", "2026-04-06", "2027-03-29", "2028-04-17", "2029-04-02", "2030-04-22"}},
		{"US", "thanksgiving", []string{"2025-11-27", "2026-11-26", "2027-11-25", "2028-11-23", "2029-11-22", "2030-11-28"}},
		{"GB", "boxing_day", []string{"2025-12-26", "2026-12-26", "2027-12-26", "2028-12-26", "2029-12-26", "2030-12-26"}},
		{"CN", "mid_autumn", []string{"2025-10-06", "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12"}},
		{"KR", "chuseok", []string{"2025-10-06", "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12"}},
	}
	for _, tt := range tests {
		if got := datesOf(c, tt.country, tt.id, 2025, 2030); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s 2025-2030 = %v, want %v", tt.country, tt.id, got, tt.want)
		}
	}
}

func TestOnFindsNowruzInIranButNotInGermany(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	if hs := c.On("IR", 2027, time.March, 21); !slices.ContainsFunc(hs, func(h calendar.Holiday) bool { return h.ID == "nowruz" }) {
		t.Errorf("On(IR, 2027-03-21) = %v, want nowruz", hs)
	}
	if hs := c.On("DE", 2027, time.March, 21); len(hs) != 0 {
		t.Errorf("On(DE, 2027-03-21) = %v, want nothing", hs)
	}
	if hs := c.On("CN", 2027, time.February, 6); len(hs) != 1 || hs[0].ID != "lunar_new_year" || hs[0].Country != "CN" {
		t.Errorf("On(CN, 2027-02-06) = %v, want lunar_new_year", hs)
	}
}

func TestOnIgnoresDatesThatDoNotExist(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	for _, d := range []struct {
		y int
		m time.Month
		d int
	}{{2027, time.February, 30}, {2027, 13, 1}, {2027, time.January, 0}, {-1, time.January, 1}} {
		if hs := c.On("US", d.y, d.m, d.d); hs != nil {
			t.Errorf("On(US, %d-%d-%d) = %v, want nil", d.y, d.m, d.d, hs)
		}
	}
}

func TestHolidayIsTheDayItselfNotTheObservedDayOff(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	// 25 December 2027 is a Saturday: US federal offices close on Friday the 24th, GB on
	// Monday the 27th and Tuesday the 28th. The greeting belongs to the 25th and 26th.
	if hs := c.On("US", 2027, time.December, 24); len(hs) != 0 {
		t.Errorf("On(US, 2027-12-24) = %v, want nothing", hs)
	}
	if hs := c.On("US", 2027, time.December, 25); len(hs) != 1 || hs[0].ID != "christmas" {
		t.Errorf("On(US, 2027-12-25) = %v, want christmas", hs)
	}
	if hs := c.On("GB", 2027, time.December, 27); len(hs) != 0 {
		t.Errorf("On(GB, 2027-12-27) = %v, want nothing", hs)
	}
}

func TestNextCrossesTheYearBoundary(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	tests := []struct {
		country, id string
		from, want  calendar.Date
		ok          bool
	}{
		{"CN", "lunar_new_year", calendar.Date{2027, time.March, 1}, calendar.Date{2028, time.January, 26}, true},
		{"US", "christmas", calendar.Date{2027, time.December, 26}, calendar.Date{2028, time.December, 25}, true},
		{"IR", "nowruz", calendar.Date{2027, time.March, 21}, calendar.Date{2027, time.March, 21}, true}, // on the day itself
		{"IR", "nowruz", calendar.Date{2027, time.March, 22}, calendar.Date{2028, time.March, 20}, true},
		{"DE", "nowruz", calendar.Date{2027, time.January, 1}, calendar.Date{}, false},
		{"US", "no_such_day", calendar.Date{2027, time.January, 1}, calendar.Date{}, false},
		{"US", "christmas", calendar.Date{2027, time.February, 30}, calendar.Date{}, false},
		{"GB", "platinum_jubilee", calendar.Date{2023, time.January, 1}, calendar.Date{}, false}, // once only, 2022
	}
	for _, tt := range tests {
		got, ok := c.Next(tt.country, tt.id, tt.from)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Next(%s, %s, %v) = %v, %v; want %v, %v", tt.country, tt.id, tt.from, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCountryCodesAreCaseInsensitiveWithCommonAliases(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	want := c.Holidays("GB", 2027)
	for _, cc := range []string{"gb", " GB ", "UK", "uk"} {
		if got := c.Holidays(cc, 2027); !slices.Equal(got, want) {
			t.Errorf("Holidays(%q) differs from Holidays(GB)", cc)
		}
	}
	if got := c.Holidays("el", 2027); len(got) == 0 || got[0].Country != "GR" {
		t.Errorf("Holidays(el) = %v, want Greece's", got)
	}
}

func TestUnknownCountryHasNoBuiltinHolidays(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	for _, cc := range []string{"", "XX", "ZZZ", "??", "🇫🇷"} {
		if got := c.Holidays(cc, 2027); len(got) != 0 {
			t.Errorf("Holidays(%q) = %v, want none", cc, got)
		}
		if got := c.On(cc, 2027, time.January, 1); len(got) != 0 {
			t.Errorf("On(%q, 2027-01-01) = %v, want none", cc, got)
		}
	}
}

func TestEveryCountryAnswersForAnyYearSortedWithoutPanic(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	years := []int{-5, 0, 1, 1000, 1582, 1929, 1930, 1999, 2024, 2025, 2033, 2100, 2150, 2151, 9999, 10000, 1 << 40}
	for _, cc := range calendar.Countries() {
		for _, y := range years {
			hs := c.Holidays(cc, y)
			for i, h := range hs {
				if h.Date.Year != y || !h.Date.IsValid() || h.Country != cc || h.ID == "" || h.Name == "" {
					t.Fatalf("Holidays(%s, %d)[%d] = %+v", cc, y, i, h)
				}
				if i > 0 && hs[i-1].Date.After(h.Date) {
					t.Fatalf("Holidays(%s, %d) not sorted at %d: %v", cc, y, i, hs)
				}
			}
		}
		if hs := c.Holidays(cc, 2027); len(hs) < 2 {
			t.Errorf("Holidays(%s, 2027) = %v, want a real calendar", cc, hs)
		}
	}
}

func TestHolidaysReturnsACopy(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	hs := c.Holidays("FR", 2027)
	hs[0].ID = "changed"
	if c.Holidays("FR", 2027)[0].ID == "changed" {
		t.Error("mutating the result changed the calendar")
	}
	if !slices.Equal(c.List("FR", 2027), c.Holidays("FR", 2027)) {
		t.Error("List differs from Holidays")
	}
}

// lookups is what one goroutine of TestConcurrentLookupsAreSafe asks and gets.
func lookups(c *calendar.Calendar) []string {
	var out []string
	for y := 2020; y < 2040; y++ {
		for _, cc := range []string{"JP", "CN", "TR"} {
			for _, h := range c.Holidays(cc, y) {
				out = append(out, cc+" "+h.Date.String()+" "+h.ID)
			}
		}
		for _, h := range c.On("IR", y, time.March, 21) {
			out = append(out, "IR on "+h.ID)
		}
		for _, h := range c.During("ID", calendar.Date{Year: y, Month: time.April, Day: 1}) {
			out = append(out, "ID during "+h.Date.String()+" "+h.ID)
		}
		next, _ := c.Next("KR", "chuseok", calendar.Date{Year: y, Month: time.January, Day: 1})
		out = append(out, "KR next "+next.String())
	}
	return out
}

func TestConcurrentLookupsAreSafe(t *testing.T) {
	t.Parallel()
	// What a calendar answers when asked by one goroutine at a time.
	want := lookups(newCalendar(t))
	if len(want) < 20*40 {
		t.Fatalf("sequential lookups gave only %d answers", len(want))
	}
	// Many goroutines on one calendar share its memo, filling it as they go; others each
	// have their own and compute at the same time (Japan's vernal equinox rule in rickar/cal
	// writes to its own definition when called: -race catches it if calendars share it).
	// Every goroutine must get exactly the sequential answers, in order.
	shared := newCalendar(t)
	got := make([][]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		c := shared
		if i%2 == 1 {
			c = newCalendar(t)
		}
		wg.Go(func() { got[i] = lookups(c) })
	}
	wg.Wait()
	for i, g := range got {
		if !slices.Equal(g, want) {
			t.Errorf("goroutine %d got %d answers differing from the %d sequential ones", i, len(g), len(want))
		}
	}
}

func TestCalendarsDoNotShareTheirMemo(t *testing.T) {
	t.Parallel()
	// The memo of computed years belongs to each Calendar, not to the package: a calendar
	// with an Islamic offset and one without answer for the same country and year apart,
	// whichever asks first.
	shifted, err := calendar.New(nil, calendar.WithIslamicOffsets(map[string]int{"TR": 1}))
	if err != nil {
		t.Fatal(err)
	}
	plain := newCalendar(t)
	for range 2 {
		if got := datesOf(plain, "TR", "eid_al_fitr", 2026, 2026); !slices.Equal(got, []string{"2026-03-20"}) {
			t.Errorf("plain TR eid_al_fitr 2026 = %v", got)
		}
		if got := datesOf(shifted, "TR", "eid_al_fitr", 2026, 2026); !slices.Equal(got, []string{"2026-03-21"}) {
			t.Errorf("shifted TR eid_al_fitr 2026 = %v", got)
		}
	}
}

func TestKnownCoversBuiltinAndCustomIDs(t *testing.T) {
	t.Parallel()
	c := newCalendar(t, &config.Holiday{ID: "shop_birthday", Date: "09-14"})
	for _, id := range []string{"new_year", "christmas", "nowruz", "lunar_new_year", "orthodox_christmas",
		"international_womens_day", "german_unity_day", "thanksgiving", "shop_birthday"} {
		if !c.Known(id) {
			t.Errorf("Known(%q) = false", id)
		}
	}
	for _, id := range []string{"", "new_years", "Christmas", "newyear"} {
		if c.Known(id) {
			t.Errorf("Known(%q) = true", id)
		}
	}
}

func TestCountriesCoversTheMarketsRapportNeeds(t *testing.T) {
	t.Parallel()
	got := calendar.Countries()
	if !slices.IsSorted(got) {
		t.Errorf("Countries() not sorted: %v", got)
	}
	for _, cc := range []string{"AT", "AU", "BE", "BR", "CA", "CH", "CN", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
		"GB", "GR", "HK", "IN", "IR", "IT", "JP", "KR", "MX", "NL", "NO", "NZ", "PL", "PT", "RU", "SE", "SG", "TW",
		"UA", "US", "VN"} {
		if !slices.Contains(got, cc) {
			t.Errorf("Countries() lacks %s", cc)
		}
	}
}

func TestInternationalWomensDayWhereItIsKept(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	for _, cc := range []string{"RU", "UA", "BY", "KZ", "KG", "UZ", "TM", "AZ", "GE", "MD", "CN", "VN"} {
		if got := datesOf(c, cc, "international_womens_day", 2027, 2027); !slices.Equal(got, []string{"2027-03-08"}) {
			t.Errorf("%s international_womens_day 2027 = %v", cc, got)
		}
	}
	if got := datesOf(c, "DE", "international_womens_day", 2027, 2027); got != nil {
		t.Errorf("DE international_womens_day = %v, want none (Berlin only)", got)
	}
}

func TestUkraineKeepsChristmasOnDecember25From2024(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	if got := datesOf(c, "UA", "orthodox_christmas", 2022, 2026); !slices.Equal(got, []string{"2022-01-07", "2023-01-07"}) {
		t.Errorf("UA orthodox_christmas 2022-2026 = %v", got)
	}
	if got := datesOf(c, "UA", "defenders_day", 2022, 2024); !slices.Equal(got, []string{"2022-10-14", "2023-10-01", "2024-10-01"}) {
		t.Errorf("UA defenders_day 2022-2024 = %v", got)
	}
}
