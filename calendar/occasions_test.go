package calendar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/calendar"
)

// Umm al-Qura dates, 2025-2030, as KACST publishes them (ummulqura.org.sa; the same month
// starts are in the KACST-sourced table of the hijridate project, which islamic_test.go
// checks month by month). Türkiye's Diyanet announced the same days for 2025 and 2026
// (Ramazan Bayramı 30 March 2025 and 20 March 2026, Kurban Bayramı 6 June 2025 and 27 May
// 2026), so TR, with no offset, is held to them exactly.
var (
	ummAlQuraRamadan   = []string{"2025-03-01", "2026-02-18", "2027-02-08", "2028-01-28", "2029-01-16", "2030-01-05", "2030-12-26"}
	ummAlQuraEidFitr   = []string{"2025-03-30", "2026-03-20", "2027-03-09", "2028-02-26", "2029-02-14", "2030-02-04"}
	ummAlQuraEidAlAdha = []string{"2025-06-06", "2026-05-27", "2027-05-16", "2028-05-05", "2029-04-24", "2030-04-13"}
)

func TestIslamicFeastsFollowUmmAlQura2025To2030(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	tests := []struct {
		country, id string
		want        []string
	}{
		{"TR", "ramadan", ummAlQuraRamadan}, // two in 2030: 5 January and 26 December
		{"TR", "eid_al_fitr", ummAlQuraEidFitr},
		{"TR", "eid_al_adha", ummAlQuraEidAlAdha},
		{"ID", "eid_al_fitr", ummAlQuraEidFitr},
		{"DE", "eid_al_adha", ummAlQuraEidAlAdha}, // an observance where Muslims are many
		{"RU", "ramadan", ummAlQuraRamadan},
	}
	for _, tt := range tests {
		if got := datesOf(c, tt.country, tt.id, 2025, 2030); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s 2025-2030 = %v, want %v", tt.country, tt.id, got, tt.want)
		}
	}
	for _, cc := range []string{"US", "JP", "CN", "BR"} {
		if got := datesOf(c, cc, "eid_al_fitr", 2025, 2030); got != nil {
			t.Errorf("%s eid_al_fitr = %v, want none", cc, got)
		}
	}
}

func TestIslamicOffsetShiftsAnnouncedDatesOfOneCountry(t *testing.T) {
	t.Parallel()
	c, err := calendar.New(nil, calendar.WithIslamicOffsets(map[string]int{"ir": 1}))
	if err != nil {
		t.Fatal(err)
	}
	// Iran began Ramadan 1446 on Sunday 2 March 2025 and kept Eid al-Fitr on Monday 31
	// March, a day after Saudi Arabia; Mother's Day (the birth of Fatimah, 20 Jumada
	// al-Thani 1447) was 21 Azar 1404, Friday 12 December 2025 in Iran's official calendar.
	// The later years are the Umm al-Qura dates plus the offset.
	tests := []struct {
		country, id string
		want        []string
	}{
		{"IR", "ramadan", []string{"2025-03-02"}},
		{"IR", "eid_al_fitr", []string{"2025-03-31"}},
		{"IR", "mothers_day", []string{"2025-12-12"}},
		{"IR", "mothers_day", []string{"2026-12-01"}},
		{"TR", "eid_al_fitr", []string{"2025-03-30"}}, // other countries keep their dates
	}
	for _, tt := range tests {
		year := tt.want[0][:4]
		y := int(year[0]-'0')*1000 + int(year[1]-'0')*100 + int(year[2]-'0')*10 + int(year[3]-'0')
		if got := datesOf(c, tt.country, tt.id, y, y); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s %d = %v, want %v", tt.country, tt.id, y, got, tt.want)
		}
	}
	// Without the offset, Iran has the Umm al-Qura day.
	if got := datesOf(newCalendar(t), "IR", "eid_al_fitr", 2025, 2025); !slices.Equal(got, []string{"2025-03-30"}) {
		t.Errorf("IR eid_al_fitr 2025 without offset = %v", got)
	}
}

func TestIslamicOffsetIsValidated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		offsets map[string]int
		want    string
	}{
		{map[string]int{"IR": 3}, "IR: 3 days, want -2 to 2"},
		{map[string]int{"TR": -3}, "TR: -3 days"},
		{map[string]int{"Iran": 1}, `"Iran": want an ISO 3166 alpha-2 code`},
	}
	for _, tt := range tests {
		_, err := calendar.New(nil, calendar.WithIslamicOffsets(tt.offsets))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, calendar.ErrInvalidOption) {
			t.Errorf("New(%v) = %v, want an ErrInvalidOption containing %q", tt.offsets, err, tt.want)
		}
	}
}

func TestRamadanIsAQuietPeriodThatKnowsItsLength(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	var ramadan calendar.Holiday
	for _, h := range c.Holidays("TR", 2026) {
		if h.ID == "ramadan" {
			ramadan = h
		}
	}
	// Ramadan 1447: 18 February to 19 March 2026, 30 days (Eid al-Fitr on the 20th).
	if ramadan.Date.String() != "2026-02-18" || ramadan.Days != 30 || ramadan.Last().String() != "2026-03-19" || !ramadan.Quiet {
		t.Fatalf("TR ramadan 2026 = %+v, want from 2026-02-18, 30 days to 2026-03-19, quiet", ramadan)
	}
	// Ramadan 1446 had 29 days: 1 to 29 March 2025.
	if hs := c.Holidays("TR", 2025); !slices.ContainsFunc(hs, func(h calendar.Holiday) bool {
		return h.ID == "ramadan" && h.Days == 29 && h.Last().String() == "2025-03-29"
	}) {
		t.Errorf("TR ramadan 2025 is not 29 days to 2025-03-29: %v", hs)
	}
	ids := func(hs []calendar.Holiday) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	tests := []struct {
		country string
		on      calendar.Date
		want    []string
	}{
		{"TR", calendar.Date{Year: 2026, Month: time.March, Day: 5}, []string{"ramadan"}},
		{"TR", calendar.Date{Year: 2026, Month: time.March, Day: 22}, []string{"eid_al_fitr"}}, // third day
		{"TR", calendar.Date{Year: 2026, Month: time.March, Day: 23}, nil},
		{"TR", calendar.Date{Year: 2031, Month: time.January, Day: 10}, []string{"ramadan"}}, // began 2030-12-26
		{"DE", calendar.Date{Year: 2026, Month: time.March, Day: 5}, []string{"ramadan"}},
		{"US", calendar.Date{Year: 2026, Month: time.March, Day: 5}, nil},
	}
	for _, tt := range tests {
		if got := ids(c.During(tt.country, tt.on)); !slices.Equal(got, tt.want) {
			t.Errorf("During(%s, %v) = %v, want %v", tt.country, tt.on, got, tt.want)
		}
	}
	// Quiet where Muslims are most of the customers, an observance elsewhere.
	for _, h := range c.During("DE", calendar.Date{Year: 2026, Month: time.March, Day: 5}) {
		if h.Quiet {
			t.Errorf("DE %s is quiet, want an observance", h.ID)
		}
	}
}

func TestMothersDayByEachCountrysRule2025To2030(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	secondSundayOfMay := []string{"2025-05-11", "2026-05-10", "2027-05-09", "2028-05-14", "2029-05-13", "2030-05-12"}
	tests := []struct {
		country string
		want    []string
	}{
		{"US", secondSundayOfMay}, {"DE", secondSundayOfMay}, {"CN", secondSundayOfMay},
		{"JP", secondSundayOfMay}, {"CA", secondSundayOfMay}, {"AU", secondSundayOfMay},
		{"IT", secondSundayOfMay},
		// Mothering Sunday, Easter Sunday less 21 days (Easter 2025-04-20, 2026-04-05, ...).
		{"GB", []string{"2025-03-30", "2026-03-15", "2027-03-07", "2028-03-26", "2029-03-11", "2030-03-31"}},
		{"RU", []string{"2025-11-30", "2026-11-29", "2027-11-28", "2028-11-26", "2029-11-25", "2030-11-24"}},
		{"ES", []string{"2025-05-04", "2026-05-03", "2027-05-02", "2028-05-07", "2029-05-06", "2030-05-05"}},
		// Last Sunday of May; no clash with Pentecost in these years.
		{"FR", []string{"2025-05-25", "2026-05-31", "2027-05-30", "2028-05-28", "2029-05-27", "2030-05-26"}},
		{"MX", []string{"2025-05-10", "2026-05-10", "2027-05-10", "2028-05-10", "2029-05-10", "2030-05-10"}},
		// Iran, with no offset configured: 20 Jumada al-Thani by Umm al-Qura.
		{"IR", []string{"2025-12-11", "2026-11-30", "2027-11-19", "2028-11-07", "2029-10-28", "2030-10-18"}},
	}
	for _, tt := range tests {
		if got := datesOf(c, tt.country, "mothers_day", 2025, 2030); !slices.Equal(got, tt.want) {
			t.Errorf("%s mothers_day 2025-2030 = %v, want %v", tt.country, got, tt.want)
		}
	}
	// France moves Mother's Day off Pentecost: in 2034 Easter is 9 April, so Pentecost is
	// 28 May, the last Sunday of May, and Mother's Day is the first Sunday of June.
	if got := datesOf(c, "FR", "mothers_day", 2034, 2034); !slices.Equal(got, []string{"2034-06-04"}) {
		t.Errorf("FR mothers_day 2034 = %v, want 2034-06-04", got)
	}
	if got := c.Holidays("GB", 2026); !slices.ContainsFunc(got, func(h calendar.Holiday) bool {
		return h.ID == "mothers_day" && h.Name == "Mothering Sunday"
	}) {
		t.Errorf("GB mothers_day is not called Mothering Sunday: %v", got)
	}
}

func TestSinglesDayChristmasEveAndLaborDay(t *testing.T) {
	t.Parallel()
	c := newCalendar(t)
	if got := datesOf(c, "CN", "singles_day", 2025, 2027); !slices.Equal(got, []string{"2025-11-11", "2026-11-11", "2027-11-11"}) {
		t.Errorf("CN singles_day = %v", got)
	}
	if got := datesOf(c, "DE", "christmas_eve", 2025, 2027); !slices.Equal(got, []string{"2025-12-24", "2026-12-24", "2027-12-24"}) {
		t.Errorf("DE christmas_eve = %v", got)
	}
	names := map[string]string{}
	for _, cc := range []string{"US", "CA"} {
		for _, h := range c.On(cc, 2026, time.September, 7) { // first Monday of September 2026
			names[cc] = h.Name
		}
	}
	if names["US"] != "Labor Day" || names["CA"] != "Labour Day" {
		t.Errorf("labour_day names = %v, want Labor Day in the US and Labour Day in Canada", names)
	}
}
