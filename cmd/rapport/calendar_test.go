package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/calendar"
)

func TestCalendarUnknownCountryIsAnErrorListingTheKnownOnes(t *testing.T) {
	for _, cc := range []string{"XX", "Germany"} {
		code, out, errOut := runCmd("calendar", "--country", cc)
		if code != 1 || out != "" || !strings.Contains(errOut, "no calendar for country") ||
			!strings.Contains(errOut, " DE ") || !strings.Contains(errOut, " IR ") {
			t.Errorf("calendar --country %s: exit %d, stdout %q, stderr %q; want exit 1 listing the known codes", cc, code, out, errOut)
		}
	}
}

func TestCalendarListsTheNext12MonthsByDefault(t *testing.T) {
	code, out, errOut := runCmd("calendar", "--country", "TR", "--from", "2026-12-20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"2027-01-01  Fri  new_year                                New Year's Day\n", // no trailing padding
		"2027-02-08  Mon  ramadan                                 Ramadan                                  until 2027-03-08 (quiet)",
		"2027-10-29  Fri  republic_day", // the last of the twelve months
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "2026-") || strings.Contains(out, "2028-") {
		t.Errorf("listed a day outside 2026-12-20..2027-12-19:\n%s", out)
	}
	// A holiday under way on the first day comes first, though it began before.
	if code, out, _ := runCmd("calendar", "--country", "TR", "--from", "2027-03-01"); code != 0 ||
		!strings.HasPrefix(out, "2027-02-08  Mon  ramadan") || strings.Contains(out, "2027-01-01") {
		t.Errorf("calendar --from 2027-03-01 does not start with the Ramadan under way:\n%s", out)
	}
	// Without --from the twelve months start today, read once by the command.
	before := calendar.DateOf(time.Now())
	code, out, errOut = runCmd("calendar", "--country", "DE", "--json")
	after := calendar.DateOf(time.Now())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []struct{ ID, Date string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) < 10 {
		t.Fatalf("calendar --json = %v, %v; want a year of German holidays", rows, err)
	}
	last := calendar.Date{Year: after.Year + 1, Month: after.Month, Day: after.Day}
	for _, r := range rows {
		d, err := calendar.ParseDate(r.Date)
		if err != nil || d.Before(before) || !d.Before(last.AddDays(1)) {
			t.Errorf("%s on %s is outside the next 12 months from %s", r.ID, r.Date, before)
		}
	}
}

func TestCalendarYearStillListsACalendarYear(t *testing.T) {
	code, out, errOut := runCmd("calendar", "--country", "us", "--year", "2025")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "2025-01-01") || !strings.HasPrefix(lines[len(lines)-1], "2025-12-25") ||
		!strings.Contains(out, "2025-09-01  Mon  labour_day") || !strings.Contains(out, "Labor Day") {
		t.Errorf("calendar --year 2025:\n%s", out)
	}
	if code, _, errOut := runCmd("calendar", "--country", "US", "--year", "2025", "--from", "2025-01-01"); code != 1 ||
		!strings.Contains(errOut, "give one of them") {
		t.Errorf("--year with --from: exit %d, %s", code, errOut)
	}
}

func TestCalendarAppliesTheConfiguredIslamicOffset(t *testing.T) {
	dir := writeTree(t, map[string]string{"rapport.yaml": "calendar:\n  islamic_offset: {IR: 1}\n"})
	code, out, errOut := runCmd("calendar", "--config", dir+"/rapport.yaml", "--country", "IR", "--year", "2025", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"ID": "eid_al_fitr",`+"\n"+`    "Name": "Eid al-Fitr",`+"\n"+`    "Date": "2025-03-31"`) {
		t.Errorf("IR eid_al_fitr 2025 with offset 1 is not on 2025-03-31:\n%s", out)
	}
}
