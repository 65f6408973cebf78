package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/templates"
)

func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("lint", "lint [--config F] [--strict] [DIR]", stderr)
	strict := fs.Bool("strict", false, "treat warnings (such as an unknown customer.NAME) as problems: exit 1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var (
		set    *config.Set
		err    error
		traits []string
	)
	what := ""
	if dir := fs.Arg(0); dir != "" {
		what = dir
		set, err = config.LoadDir(dir)
		traits = csvTraits(filepath.Join(dir, "customers"))
	} else {
		cfg, cerr := loadConfig(*cfgPath)
		if cerr != nil {
			return cerr
		}
		what = cfg.File
		set, err = config.LoadSet(cfg)
		traits = cfg.Traits
		if cfg.File != "" {
			traits = append(traits, csvTraits(cfg.Dir("customers"))...)
		}
	}
	problems := lintProblems(set, err)
	var warnings []string
	if set != nil {
		for _, w := range set.CheckCustomerNames(traits) {
			warnings = append(warnings, w.Error())
		}
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	for _, w := range warnings {
		fmt.Fprintln(stdout, w)
	}
	if *strict {
		problems = append(problems, warnings...)
		warnings = nil
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%d problem(s) found\n", len(problems))
		return exitError{1}
	}
	n := 0
	if set != nil {
		n = len(set.Campaigns)
	}
	if len(warnings) > 0 {
		fmt.Fprintf(stderr, "%d warning(s); --strict makes them problems\n", len(warnings))
	}
	fmt.Fprintf(stderr, "ok: %d campaign(s) in %s\n", n, strings.TrimSpace(what))
	return nil
}

// csvTraits returns the trait columns of the customers CSVs in dir (the convention of the
// examples: customers/customers.csv next to campaigns/), so that lint knows the traits of the
// base it will run on without a connection to Redis. Only the header line of each file is
// read. The columns import maps to profile fields (email, firstName, ...) and userId are not
// traits, and an orders CSV has none; a file that cannot be read gives nothing, since the
// traits only soften warnings.
func csvTraits(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	var out []string
	for _, f := range files {
		header := csvHeader(f)
		lower := map[string]bool{}
		for _, h := range header {
			lower[strings.ToLower(h)] = true
		}
		if lower["timestamp"] && (lower["total"] || lower["order_id"]) {
			continue // an orders CSV
		}
		for _, h := range header {
			if !profileColumns[strings.ToLower(h)] {
				out = append(out, h)
			}
		}
	}
	return out
}

// profileColumns are the customers CSV columns import reads into profile fields rather than
// traits (customers/import_rows.go csvColumns), and the customer id.
var profileColumns = map[string]bool{
	"userid": true, "user_id": true, "email": true, "phone": true, "firstname": true, "first_name": true,
	"lastname": true, "last_name": true, "birthday": true, "createdat": true, "created_at": true,
	"country": true, "timezone": true, "locale": true, "consent_email": true, "consent_sms": true,
}

// csvHeader reads the first record of a CSV file, nil when there is none.
func csvHeader(file string) []string {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	// A header is one line; the limit keeps a file without newlines from being read whole.
	r := csv.NewReader(io.LimitReader(f, 64<<10))
	header, err := r.Read()
	if err != nil {
		return nil
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	return header
}

// lintProblems gathers every problem: configuration and campaign errors, template parse errors
// and template checks against a sample customer, one line each.
func lintProblems(set *config.Set, loadErr error) []string {
	var out []string
	add := func(err error) {
		if err == nil {
			return
		}
		for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	add(loadErr)
	if set == nil {
		return out
	}
	// config cannot know holiday names: they come from the calendar and holidays/*.yaml.
	cal, err := calendar.New(set.Holidays)
	add(err)
	if cal != nil {
		for _, c := range set.Campaigns {
			if h := c.Trigger.Holiday; h != nil && h.Name != "" && !cal.Known(h.Name) {
				out = append(out, fmt.Sprintf("%s:%d:%d: trigger.holiday.name: no holiday %q in any country's calendar or in holidays/ (see rapport calendar --country CC)",
					c.File, c.Pos.Line, c.Pos.Col, h.Name))
			}
		}
	}
	tpl, err := templates.Load(set.Templates)
	add(err)
	if tpl != nil {
		var checks []error
		checks = append(checks, tpl.Check(set.Campaigns, templates.SampleData(time.Now()))...)
		add(errors.Join(checks...))
	}
	return out
}
