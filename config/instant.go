package config

import (
	"fmt"
	"strings"
	"time"
)

// instantLayouts are the forms of an instant without a zone, read in the caller's location.
var instantLayouts = []string{
	time.DateOnly,
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
}

// ParseInstant reads an instant given on the command line (--at, --as-of, ...): a date
// (2026-12-14, midnight in loc), a date and time without a zone (2026-12-14T09:00,
// 2026-12-14T09:00:05, "2026-12-14 09:00[:05]", in loc) or RFC 3339 with its own zone
// (2026-12-14T09:00:00Z, 2026-12-14T09:00:00+01:00, fractions of a second allowed). A nil
// loc is UTC. A wall time that does not exist in loc (a spring-forward gap) is read as
// time.ParseInLocation reads it.
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
