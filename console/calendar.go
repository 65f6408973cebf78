package console

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/rapporthq/rapport/calendar"
)

// calendarDays is how far ahead the calendar page looks.
const calendarDays = 60

type holidayRow struct {
	Date      calendar.Date
	Weekday   string
	ID, Name  string
	Country   string
	Days      int
	Quiet     bool
	Customers int
	// Campaigns greet this holiday (trigger.holiday.name).
	Campaigns []string
}

type calendarData struct {
	From, To  calendar.Date
	Rows      []holidayRow
	Countries []countryCount
	Unknown   int
	// CountedAt is when the customers were counted by country (in the background, base.go);
	// Refreshing: a newer count is running; Failed: the last count failed.
	CountedAt          time.Time
	Refreshing, Failed bool
}

type countryCount struct {
	Country   string
	Customers int
	Known     bool
}

// calendarPage lists the holidays of the next 60 days in the countries of the customer base.
func (h *handler) calendarPage(w http.ResponseWriter, r *http.Request, s session) {
	if h.cfg.Base == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "This console has no customer base to read countries from.")
		return
	}
	now := h.cfg.Now().UTC()
	a := h.base.customersByCountry(r.Context(), &h.cfg, now)
	if !h.baseReady(w, r, s, "calendar", "The count of customers by country", a.OK, a.Err) {
		return
	}
	counts := a.Val
	cat := h.cfg.Catalog.Load()
	cal, err := calendar.New(cat.Set.Holidays, calendar.WithIslamicOffsets(h.cfg.Settings.Calendar.IslamicOffset))
	if err != nil {
		h.unavailable(w, r, "the holiday calendar", err)
		return
	}
	greeters := map[string][]string{}
	for _, c := range cat.Set.Campaigns {
		if c.Trigger.Holiday != nil {
			greeters[c.Trigger.Holiday.Name] = append(greeters[c.Trigger.Holiday.Name], c.ID)
		}
	}
	d := calendarData{From: calendar.DateOf(now), To: calendar.DateOf(now.AddDate(0, 0, calendarDays)),
		CountedAt: a.At, Refreshing: a.Computing, Failed: a.Err != nil}
	for cc, n := range counts {
		if cc == "" {
			d.Unknown = n
			continue
		}
		known := cal.HasCountry(cc)
		d.Countries = append(d.Countries, countryCount{cc, n, known})
		if !known {
			continue
		}
		for _, hd := range cal.Between(cc, d.From, d.To) {
			d.Rows = append(d.Rows, holidayRow{Date: hd.Date, Weekday: dateTime(hd.Date).Weekday().String()[:3],
				ID: hd.ID, Name: hd.Name, Country: cc, Days: max(hd.Days, 1), Quiet: hd.Quiet, Customers: n,
				Campaigns: greeters[hd.ID]})
		}
	}
	slices.SortFunc(d.Countries, func(a, b countryCount) int {
		return cmp.Or(cmp.Compare(b.Customers, a.Customers), cmp.Compare(a.Country, b.Country))
	})
	slices.SortFunc(d.Rows, func(a, b holidayRow) int {
		return cmp.Or(dateTime(a.Date).Compare(dateTime(b.Date)), cmp.Compare(b.Customers, a.Customers), cmp.Compare(a.ID, b.ID))
	})
	h.render(w, r, http.StatusOK, "calendar", s, page{Title: "Calendar", Nav: "calendar", Data: d})
}

func dateTime(d calendar.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}
