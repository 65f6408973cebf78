package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
)

func runCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("calendar", "calendar --country CC [--year YYYY | --from YYYY-MM-DD] [--json] [--config F]", stderr)
	country := fs.String("country", "", "ISO 3166 alpha-2 country code (required)")
	year := fs.Int("year", 0, "list this calendar year instead of the next 12 months")
	fromFlag := fs.String("from", "", "first day of the 12 months listed (default today)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *country == "" {
		fs.Usage()
		return fmt.Errorf("--country is required (one of %s)", strings.Join(calendar.Countries(), " "))
	}
	yearSet := false
	fs.Visit(func(f *flag.Flag) { yearSet = yearSet || f.Name == "year" })
	if yearSet && *fromFlag != "" {
		return fmt.Errorf("--year and --from: give one of them")
	}

	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	// Custom holidays come from the configuration's holidays/ directory when there is one:
	// without a project (no campaigns directory here) the built-in calendars still answer.
	var custom []*config.Holiday
	if set, err := config.LoadSet(cfg); err == nil {
		custom = set.Holidays
	}
	cal, err := calendar.New(custom, calendar.WithIslamicOffsets(cfg.Calendar.IslamicOffset))
	if err != nil {
		return err
	}
	cc := strings.ToUpper(strings.TrimSpace(*country))
	if !cal.HasCountry(cc) {
		return fmt.Errorf("no calendar for country %q: known are %s (or name it in a custom holiday's countries)",
			*country, strings.Join(calendar.Countries(), " "))
	}

	var days []calendar.Holiday
	var span string
	if yearSet {
		days, span = cal.List(cc, *year), fmt.Sprint(*year)
	} else {
		// The one clock read of the command: the calendar itself takes dates as parameters.
		from := calendar.DateOf(time.Now())
		if *fromFlag != "" {
			if from, err = calendar.ParseDate(*fromFlag); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
		}
		to := calendar.DateOf(time.Date(from.Year+1, from.Month, from.Day, 0, 0, 0, 0, time.UTC)).AddDays(-1)
		days, span = comingHolidays(cal, cc, from, to), fmt.Sprintf("%s to %s", from, to)
	}
	if *asJSON {
		return writeHolidaysJSON(stdout, days)
	}
	if len(days) == 0 {
		fmt.Fprintf(stdout, "no holidays known for %s from %s\n", cc, span)
		return nil
	}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 2, 4, 2, ' ', 0)
	for _, h := range days {
		note := ""
		if h.Days > 1 {
			note = "until " + h.Last().String()
		}
		if h.Quiet {
			note = strings.TrimSpace(note + " (quiet)")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.Date, h.Date.Weekday().String()[:3], h.ID, h.Name, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads the name of a one-day holiday up to the notes column; drop the padding.
	for line := range strings.Lines(table.String()) {
		if _, err := fmt.Fprintln(stdout, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// comingHolidays returns the holidays of a country starting from from to to, preceded by
// those already under way on from (Ramadan begun last week): a marketer planning the coming
// months needs both.
func comingHolidays(cal *calendar.Calendar, cc string, from, to calendar.Date) []calendar.Holiday {
	var out []calendar.Holiday
	for _, h := range cal.During(cc, from) {
		if h.Date.Before(from) {
			out = append(out, h)
		}
	}
	return append(out, cal.Between(cc, from, to)...)
}

func writeHolidaysJSON(w io.Writer, days []calendar.Holiday) error {
	type row struct {
		ID, Name, Date string
		Custom         bool
		Days           int    // how many days it lasts from Date
		Last           string // its last day
		Quiet          bool   // a period when promotions may pause
	}
	out := make([]row, 0, len(days))
	for _, h := range days {
		out = append(out, row{ID: h.ID, Name: h.Name, Date: h.Date.String(), Custom: h.Custom,
			Days: h.Days, Last: h.Last().String(), Quiet: h.Quiet})
	}
	return writeJSON(w, out)
}
