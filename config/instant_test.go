package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseInstantReadsDatesAndWallTimesInTheLocationAndRFC3339AsWritten(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(mo time.Month, d, h, mi, s int) time.Time { return time.Date(2026, mo, d, h, mi, s, 0, time.UTC) }
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2026-12-14", berlin, utc(12, 13, 23, 0, 0)},
		{"2026-12-14", nil, utc(12, 14, 0, 0, 0)},
		{"2026-12-14T09:00", berlin, utc(12, 14, 8, 0, 0)},
		{"2026-12-14T09:00:05", berlin, utc(12, 14, 8, 0, 5)},
		{"2026-12-14 09:00", berlin, utc(12, 14, 8, 0, 0)},
		{" 2026-07-14 09:00:05 ", berlin, utc(7, 14, 7, 0, 5)}, // summer time
		{"2026-12-14T09:00:00Z", berlin, utc(12, 14, 9, 0, 0)},
		{"2026-12-14T09:00:00+03:00", berlin, utc(12, 14, 6, 0, 0)},
		{"2026-12-14T09:00:00.5Z", nil, utc(12, 14, 9, 0, 0).Add(500 * time.Millisecond)},
	} {
		got, err := ParseInstant(tc.in, tc.loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseInstant(%q, %v) = %v, %v; want %v", tc.in, tc.loc, got, err, tc.want)
		}
	}
}

func TestParseInstantErrorListsTheAcceptedForms(t *testing.T) {
	t.Parallel()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, in := range []string{"", "tomorrow", "14.12.2026", "2026-12-14T25:00", "2026-02-30", "2026-12-14T09", "1734166800"} {
		_, err := ParseInstant(in, berlin)
		if err == nil {
			t.Errorf("ParseInstant(%q) accepted", in)
			continue
		}
		for _, form := range []string{"2026-12-14,", "midnight in Europe/Berlin", "2026-12-14T09:00", "\"2026-12-14 09:00\"", "RFC 3339"} {
			if !strings.Contains(err.Error(), form) {
				t.Errorf("ParseInstant(%q): %v does not name %s", in, err, form)
			}
		}
	}
}
