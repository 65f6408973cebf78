package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
)

func runCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("calendar", "calendar --country CC [--year YYYY] [--json] [--config F]", stderr)
	country := fs.String("country", "", "ISO 3166 alpha-2 country code (required)")
	year := fs.Int("year", time.Now().Year(), "year")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *country == "" {
		fs.Usage()
		return fmt.Errorf("--country is required (one of %s)", strings.Join(calendar.Countries(), " "))
	}
	// Custom holidays come from the configuration's holidays/ directory when there is one.
	var custom []*config.Holiday
	if cfg, err := loadConfig(*cfgPath); err == nil {
		if set, err := config.LoadSet(cfg); err == nil {
			custom = set.Holidays
		}
	}
	cal, err := calendar.New(custom)
	if err != nil {
		return err
	}
	days := cal.List(*country, *year)
	if *asJSON {
		type row struct {
			ID, Name, Date string
			Custom         bool
		}
		out := make([]row, 0, len(days))
		for _, h := range days {
			out = append(out, row{ID: h.ID, Name: h.Name, Date: h.Date.String(), Custom: h.Custom})
		}
		return writeJSON(stdout, out)
	}
	if len(days) == 0 {
		fmt.Fprintf(stdout, "no holidays known for %s in %d\n", strings.ToUpper(*country), *year)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	for _, h := range days {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Date, h.Date.Weekday().String()[:3], h.ID, h.Name)
	}
	return tw.Flush()
}
