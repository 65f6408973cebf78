package main

import (
	"strings"
	"testing"
	"time"
)

// --at, --as-of, --calibration-end and --holdout-end share config.ParseInstant.
func TestInstantFlagsAcceptADateTimeWithoutZoneInUTC(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-12-14", time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)},
		{"2026-12-14T09:00", time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC)},
		{"2026-12-14 09:00:05", time.Date(2026, 12, 14, 9, 0, 5, 0, time.UTC)},
		{"2026-12-14T09:00:00+01:00", time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)},
	} {
		got, err := parseInstant("at", tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseInstant(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	_, err := parseInstant("as-of", "next monday")
	if err == nil || !strings.HasPrefix(err.Error(), `--as-of: invalid instant "next monday": want a date (2026-12-14, midnight in UTC)`) {
		t.Errorf("err = %v", err)
	}
}
