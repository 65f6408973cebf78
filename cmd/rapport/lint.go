package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/templates"
)

func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("lint", "lint [--config F] [DIR]", stderr)
	// Flags may follow DIR (`rapport lint my-shop --config my-shop/rapport.yaml`); the flag
	// package alone took them for more arguments and linted DIR without the configuration.
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var set *config.Set
	what, dir, arg := "", "", ""
	if len(pos) > 0 {
		dir, arg = pos[0], pos[0]
	}
	if explicit(fs, "config") {
		dir = "" // the configuration names its directories; its checks (sender address) apply
	}
	if dir != "" {
		what = dir
		set, err = config.LoadDir(dir)
	} else {
		cfg, cerr := loadConfig(*cfgPath)
		if cerr != nil {
			return cerr
		}
		if arg != "" && !sameDir(arg, filepath.Dir(cfg.File)) {
			return fmt.Errorf("%s is not the directory of %s: give the directory or --config", arg, cfg.File)
		}
		what = cfg.File
		set, err = config.LoadSet(cfg)
	}
	problems := lintProblems(set, err)
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%d problem(s) found\n", len(problems))
		return exitError{1}
	}
	n := 0
	if set != nil {
		n = len(set.Campaigns)
	}
	fmt.Fprintf(stderr, "ok: %d campaign(s) in %s\n", n, strings.TrimSpace(what))
	return nil
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

// explicit reports whether a flag was given on the command line, rather than from its
// default or the environment.
func explicit(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func sameDir(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && filepath.Clean(x) == filepath.Clean(y)
}
