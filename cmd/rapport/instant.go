package main

import (
	"fmt"
	"strings"
	"time"
)

// This is config.ParseInstant of branch h-config, copied until both branches meet in main;
// then this file goes and its callers use config.ParseInstant.

// instantLayouts are the forms of an instant without a zone, read in the caller's location.
var instantLayouts = []string{
	time.DateOnly,
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
}

// ParseInstant reads an instant given on the command line (--at): a date (2026-12-14,
// midnight in loc), a date and time without a zone (2026-12-14T09:00, 2026-12-14T09:00:05,
// "2026-12-14 09:00[:05]", in loc) or RFC 3339 with its own zone (2026-12-14T09:00:00Z,
// 2026-12-14T09:00:00+01:00). A nil loc is UTC.
func ParseInstant(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	t := strings.TrimSpace(s)
	if at, err := time.Parse(time.RFC3339, t); err == nil {
		return at, nil
	}
	for _, layout := range instantLayouts {
		if at, err := time.ParseInLocation(layout, t, loc); err == nil {
			return at, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid instant %q: want a date (2026-12-14, midnight in %s), "+
		"a date and time (2026-12-14T09:00, 2026-12-14T09:00:05 or \"2026-12-14 09:00\", in %s) "+
		"or RFC 3339 with a zone (2026-12-14T09:00:00Z, 2026-12-14T09:00:00+01:00)", s, loc, loc)
}

// atFlag reads --at in the configuration's default time zone; empty means now.
func atFlag(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := ParseInstant(s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at: %w", err)
	}
	return t, nil
}
