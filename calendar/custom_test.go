package calendar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
)

func at(line int) (string, config.Pos) { return "holidays/shop.yaml", config.Pos{Line: line, Col: 5} }

func holiday(line int, h config.Holiday) *config.Holiday {
	h.File, h.Pos = at(line)
	return &h
}

func TestCustomFixedHolidayIsKeptEveryYearInItsCountries(t *testing.T) {
	t.Parallel()
	c := newCalendar(t, holiday(1, config.Holiday{ID: "shop_birthday", Name: "Our birthday", Countries: []string{"fr", "BE"}, Date: "09-14"}))
	for _, cc := range []string{"FR", "BE"} {
		if got := datesOf(c, cc, "shop_birthday", 2026, 2028); !slices.Equal(got, []string{"2026-09-14", "2027-09-14", "2028-09-14"}) {
			t.Errorf("%s shop_birthday = %v", cc, got)
		}
	}
	if got := datesOf(c, "DE", "shop_birthday", 2026, 2028); got != nil {
		t.Errorf("DE shop_birthday = %v, want none", got)
	}
	hs := c.On("FR", 2027, time.September, 14)
	if len(hs) != 1 || hs[0].Name != "Our birthday" || !hs[0].Custom || hs[0].Country != "FR" {
		t.Errorf("On(FR, 2027-09-14) = %+v", hs)
	}
}

func TestCustomExplicitDatesAreKeptOnThoseDaysOnly(t *testing.T) {
	t.Parallel()
	c := newCalendar(t, holiday(1, config.Holiday{ID: "singles_day_sale", Countries: []string{"CN"},
		Dates: []string{"2027-11-11", "2028-11-10", "2027-11-11"}}))
	if got := datesOf(c, "CN", "singles_day_sale", 2026, 2029); !slices.Equal(got, []string{"2027-11-11", "2028-11-10"}) {
		t.Errorf("singles_day_sale = %v", got)
	}
	if got, ok := c.Next("CN", "singles_day_sale", calendar.Date{2028, time.November, 11}); ok {
		t.Errorf("Next after the last date = %v, want none", got)
	}
}

func TestCustomHolidayWithoutCountriesAppliesEverywhere(t *testing.T) {
	t.Parallel()
	c := newCalendar(t, holiday(1, config.Holiday{ID: "customer_day", Date: "06-01"}))
	for _, cc := range []string{"US", "IR", "XX", ""} {
		hs := c.Holidays(cc, 2027)
		if !slices.ContainsFunc(hs, func(h calendar.Holiday) bool { return h.ID == "customer_day" && h.Date.String() == "2027-06-01" }) {
			t.Errorf("Holidays(%q) = %v, want customer_day", cc, hs)
		}
	}
	if hs := c.Holidays("XX", 2027); len(hs) != 1 {
		t.Errorf("unknown country XX = %v, want only the global custom holiday", hs)
	}
	if hs := c.Holidays("XX", 2027); hs[0].Name != "customer_day" {
		t.Errorf("name of an unnamed custom holiday = %q, want its id", hs[0].Name)
	}
}

func TestCustomHolidayOverridesTheBuiltinOneInItsCountriesOnly(t *testing.T) {
	t.Parallel()
	// A shop in the US greets on 1 May instead of the first Monday of September.
	c := newCalendar(t, holiday(1, config.Holiday{ID: "labour_day", Countries: []string{"US"}, Date: "05-01"}))
	if got := datesOf(c, "US", "labour_day", 2027, 2027); !slices.Equal(got, []string{"2027-05-01"}) {
		t.Errorf("US labour_day = %v, want only 2027-05-01", got)
	}
	if got := datesOf(c, "CA", "labour_day", 2027, 2027); !slices.Equal(got, []string{"2027-09-06"}) {
		t.Errorf("CA labour_day = %v, want the built-in 2027-09-06", got)
	}
	hs := c.On("US", 2027, time.May, 1)
	if len(hs) != 1 || hs[0].Name != "Labour Day" {
		t.Errorf("unnamed override = %+v, want the glossary name", hs)
	}
}

func TestCustomFebruary29IsKeptOnThe28thInCommonYears(t *testing.T) {
	t.Parallel()
	c := newCalendar(t, holiday(1, config.Holiday{ID: "leap_sale", Date: "02-29"}))
	if got := datesOf(c, "US", "leap_sale", 2027, 2028); !slices.Equal(got, []string{"2027-02-28", "2028-02-29"}) {
		t.Errorf("leap_sale = %v", got)
	}
}

func TestInvalidCustomHolidaysAreRejectedWithTheirPosition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    config.Holiday
		want string
	}{
		{"no id", config.Holiday{Date: "01-01"}, "id must be lower-case"},
		{"upper case id", config.Holiday{ID: "Black Friday", Date: "11-27"}, "id must be lower-case"},
		{"no date", config.Holiday{ID: "x"}, "no date"},
		{"date and dates", config.Holiday{ID: "x", Date: "01-01", Dates: []string{"2027-01-01"}}, "not both"},
		{"month 13", config.Holiday{ID: "x", Date: "13-01"}, `date "13-01"`},
		{"30 February", config.Holiday{ID: "x", Date: "02-30"}, `date "02-30"`},
		{"full date in date", config.Holiday{ID: "x", Date: "2027-01-01"}, "want MM-DD"},
		{"31 April", config.Holiday{ID: "x", Dates: []string{"2027-04-31"}}, `"2027-04-31"`},
		{"29 February 2027", config.Holiday{ID: "x", Dates: []string{"2027-02-29"}}, `"2027-02-29"`},
		{"MM-DD in dates", config.Holiday{ID: "x", Dates: []string{"04-01"}}, "want YYYY-MM-DD"},
		{"bad country", config.Holiday{ID: "x", Date: "01-01", Countries: []string{"DEU"}}, `country "DEU"`},
		{"empty country", config.Holiday{ID: "x", Date: "01-01", Countries: []string{""}}, `country ""`},
	}
	for _, tt := range tests {
		_, err := calendar.New([]*config.Holiday{holiday(7, tt.h)})
		if err == nil {
			t.Errorf("%s: New accepted %+v", tt.name, tt.h)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, calendar.ErrInvalidHoliday) || !strings.HasPrefix(msg, "holidays/shop.yaml:7:5: ") || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: error %q; want holidays/shop.yaml:7:5 ... %s, wrapping ErrInvalidHoliday", tt.name, msg, tt.want)
		}
	}
}

func TestEveryInvalidCustomHolidayIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	_, err := calendar.New([]*config.Holiday{
		holiday(1, config.Holiday{ID: "a", Date: "99-99"}),
		holiday(4, config.Holiday{ID: "fine", Date: "01-02"}),
		holiday(7, config.Holiday{ID: "b"}),
	})
	if err == nil || !strings.Contains(err.Error(), "shop.yaml:1:5") || !strings.Contains(err.Error(), "shop.yaml:7:5") {
		t.Errorf("error = %v, want both bad entries", err)
	}
}

func TestDuplicateCustomIDsMustNotShareACountry(t *testing.T) {
	t.Parallel()
	_, err := calendar.New([]*config.Holiday{
		holiday(1, config.Holiday{ID: "sale", Countries: []string{"FR"}, Date: "01-10"}),
		holiday(5, config.Holiday{ID: "sale", Countries: []string{"DE"}, Date: "01-11"}),
		holiday(9, config.Holiday{ID: "sale", Date: "01-12"}), // every country: overlaps both
	})
	if err == nil || !strings.Contains(err.Error(), "holidays/shop.yaml:9:5") || !strings.Contains(err.Error(), "already defined at holidays/shop.yaml:1:5") {
		t.Fatalf("error = %v, want the global duplicate reported", err)
	}
	c := newCalendar(t,
		holiday(1, config.Holiday{ID: "sale", Countries: []string{"FR"}, Date: "01-10"}),
		holiday(5, config.Holiday{ID: "sale", Countries: []string{"DE"}, Date: "01-11"}),
	)
	if got := datesOf(c, "DE", "sale", 2027, 2027); !slices.Equal(got, []string{"2027-01-11"}) {
		t.Errorf("DE sale = %v", got)
	}
}

func TestNilAndEmptyCustomListsAreFine(t *testing.T) {
	t.Parallel()
	for _, custom := range [][]*config.Holiday{nil, {}, {nil}} {
		if _, err := calendar.New(custom); err != nil {
			t.Errorf("New(%v) = %v", custom, err)
		}
	}
}
