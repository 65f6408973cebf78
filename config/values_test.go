package config

import (
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestParseDurationAcceptsDaysWeeksAndSigns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"2h", 2 * time.Hour, "2h0m0s"},
		{"30m", 30 * time.Minute, "30m0s"},
		{"30d", 30 * day, "30d"},
		{"2w", 14 * day, "14d"},
		{"1w2d", 9 * day, "9d"},
		{"1d12h", 36 * time.Hour, "36h0m0s"},
		{"-1d", -day, "-1d"},
		{"+1d", day, "1d"},
		{"-1d12h", -36 * time.Hour, "-36h0m0s"},
		{" 7d ", 7 * day, "7d"},
		{"0", 0, "0s"},
		{"", 0, "0s"},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tc.in, err)
			continue
		}
		if got.D() != tc.want || got.String() != tc.str {
			t.Errorf("ParseDuration(%q) = %v (%s), want %v (%s)", tc.in, got.D(), got, tc.want, tc.str)
		}
	}
}

func TestParseDurationRejectsMalformedValues(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"abc", "1x", "30", "d", "1.5d", "1d-2h", "2h1d", "--1d", "99999999999999d", "106751d1000h"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		minutes int
		ok      bool
	}{
		{"09:00", 540, true},
		{"23:59", 1439, true},
		{"00:00", 0, true},
		{"9:30", 570, true},
		{"24:00", 0, false},
		{"12:60", 0, false},
		{"12:5", 0, false},
		{"noon", 0, false},
		{"", 0, false},
	} {
		got, err := ParseTimeOfDay(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (got.Minutes != tc.minutes || !got.Set)) {
			t.Errorf("ParseTimeOfDay(%q) = %+v, %v; want %d minutes, ok=%v", tc.in, got, err, tc.minutes, tc.ok)
		}
	}
}

func TestParseWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // String() of the result; "" for an error
	}{
		{"09:00-20:00", "09:00-20:00"},
		{" 20:00-08:00 ", "20:00-08:00"},
		{"any", "any time"},
		{"any time", "any time"},
		{"09:00", ""},
		{"9-20", ""},
		{"25:00-08:00", ""},
		{"09:00-09:00", ""},
		{"09:00-20:0", ""},
		{"", ""},
		{"00:00-24:00", "00:00-24:00"},
		{"18:00-24:00", "18:00-24:00"},
		{"24:00-08:00", ""},
		{"24:00-24:00", ""},
		{"09:00-24:01", ""},
		{"09:00-25:00", ""},
	} {
		got, err := ParseWindow(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseWindow(%q) = %v, want an error", tc.in, got)
		case tc.want != "" && (err != nil || got.String() != tc.want):
			t.Errorf("ParseWindow(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestWindowContainsAndNextAcrossMidnightAndDST(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, mo time.Month, d, h, mi int) time.Time { return time.Date(y, mo, d, h, mi, 0, 0, berlin) }
	utc := func(y int, mo time.Month, d, h, mi int) time.Time { return time.Date(y, mo, d, h, mi, 0, 0, time.UTC) }
	night := mustWindow(t, "20:00-08:00")
	daytime := mustWindow(t, "09:00-20:00")
	// 2024-03-31 02:00 CET -> 03:00 CEST; 2024-10-27 03:00 CEST -> 02:00 CET.
	for _, tc := range []struct {
		name     string
		w        Window
		t        time.Time
		contains bool
		next     time.Time // as an instant
	}{
		{"evening before the night window", night, at(2024, 3, 30, 19, 0), false, utc(2024, 3, 30, 19, 0)},
		{"night window opens inclusive", night, at(2024, 3, 30, 20, 0), true, utc(2024, 3, 30, 19, 0)},
		{"after midnight inside the night window", night, at(2024, 3, 31, 1, 30), true, utc(2024, 3, 31, 0, 30)},
		{"last minute of the night window after spring forward", night, at(2024, 3, 31, 7, 59), true, utc(2024, 3, 31, 5, 59)},
		{"night window closes exclusive, reopens in summer time", night, at(2024, 3, 31, 8, 0), false, utc(2024, 3, 31, 18, 0)},
		{"day window next morning is 10 real hours after spring forward", daytime, at(2024, 3, 30, 21, 0), false, utc(2024, 3, 31, 7, 0)},
		{"day window next morning is 13 real hours after fall back", daytime, at(2024, 10, 26, 22, 0), false, utc(2024, 10, 27, 8, 0)},
		{"repeated hour of fall back is inside the night window", night, time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC).In(berlin), true, utc(2024, 10, 27, 0, 30)},
		{"night window reopens in winter time", night, at(2024, 10, 27, 8, 30), false, utc(2024, 10, 27, 19, 0)},
		{"opening inside the spring-forward gap moves to 03:30", mustWindow(t, "02:30-05:00"), at(2024, 3, 31, 1, 0), false, utc(2024, 3, 31, 1, 30)},
		{"zero window is any time", Window{}, at(2024, 3, 31, 3, 0), true, utc(2024, 3, 31, 1, 0)},
		{"window to 24:00 holds its last minute", mustWindow(t, "18:00-24:00"), at(2024, 3, 30, 23, 59), true, utc(2024, 3, 30, 22, 59)},
		{"window to 24:00 closes at midnight", mustWindow(t, "18:00-24:00"), at(2024, 3, 31, 0, 0), false, utc(2024, 3, 31, 16, 0)},
		{"whole day window holds midnight", mustWindow(t, "00:00-24:00"), at(2024, 3, 31, 0, 0), true, utc(2024, 3, 30, 23, 0)},
		{"whole day window holds 23:59", mustWindow(t, "00:00-24:00"), at(2024, 3, 31, 23, 59), true, utc(2024, 3, 31, 21, 59)},
	} {
		if got := tc.w.Contains(tc.t); got != tc.contains {
			t.Errorf("%s: %v.Contains(%v) = %v", tc.name, tc.w, tc.t, got)
		}
		next := tc.w.Next(tc.t)
		if !next.Equal(tc.next) {
			t.Errorf("%s: %v.Next(%v) = %v, want %v", tc.name, tc.w, tc.t, next, tc.next.In(berlin))
		}
		if !tc.w.Contains(next) {
			t.Errorf("%s: Next returned %v, outside the window", tc.name, next)
		}
		if next.Location() != berlin {
			t.Errorf("%s: Next changed the location to %v", tc.name, next.Location())
		}
	}
}

func mustWindow(t *testing.T, s string) Window {
	t.Helper()
	w, err := ParseWindow(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestParseLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Limit
		ok   bool
	}{
		{"3/7d", Limit{Count: 3, Period: Duration(7 * day)}, true},
		{"1/1d", Limit{Count: 1, Period: Duration(day)}, true},
		{"10/12h", Limit{Count: 10, Period: Duration(12 * time.Hour)}, true},
		{"0/0", Limit{}, true},
		{"none", Limit{}, true},
		{"3", Limit{}, false},
		{"x/7d", Limit{}, false},
		{"3/0", Limit{}, false},
		{"-1/7d", Limit{}, false},
		{"3/abc", Limit{}, false},
		{"3/-1d", Limit{}, false},
		{"", Limit{}, false},
		{"20/1d", Limit{Count: 20, Period: Duration(day)}, true},
		{"30/30d", Limit{Count: 30, Period: Duration(30 * day)}, true},
		{"200/30d", Limit{Count: 200, Period: Duration(30 * day)}, true},
		{"201/30d", Limit{}, false}, // only MaxSends sends are kept: 201 could never bind
		{"3/1d12h", Limit{}, false}, // neither calendar days nor under a day
	} {
		got, err := ParseLimit(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if s := (Limit{}).String(); s != "none" {
		t.Errorf("zero limit prints %q", s)
	}
}

func TestParseRepeat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Repeat
		ok   bool
	}{
		{"", Repeat{}, true},
		{"once", Repeat{Kind: RepeatOnce}, true},
		{"yearly", Repeat{Kind: RepeatYearly}, true},
		{"every 30d", Repeat{Kind: RepeatEvery, Every: Duration(30 * day)}, true},
		{"every 1d12h", Repeat{Kind: RepeatEvery, Every: Duration(36 * time.Hour)}, true},
		{"every", Repeat{}, false},
		{"every 0d", Repeat{}, false},
		{"every -1d", Repeat{}, false},
		{"every x", Repeat{}, false},
		{"weekly", Repeat{}, false},
	} {
		got, err := ParseRepeat(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRepeat(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParsePercent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Percent
		ok   bool
	}{
		{"10%", 0.1, true},
		{"12.5%", 0.125, true},
		{"0%", 0, true},
		{"100%", 1, true},
		{" 5 %", 0.05, true},
		{"", 0, true},
		{"10", 0, false},
		{"101%", 0, false},
		{"-1%", 0, false},
		{"abc%", 0, false},
	} {
		got, err := ParsePercent(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseCoupon(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Coupon
		ok   bool
	}{
		{"10%", Coupon{Percent: 0.1}, true},
		{"5", Coupon{Amount: 5}, true},
		{"5 EUR", Coupon{Amount: 5, Currency: "EUR"}, true},
		{"2.5 USD", Coupon{Amount: 2.5, Currency: "USD"}, true},
		{"0%", Coupon{}, false},
		{"0", Coupon{}, false},
		{"-5", Coupon{}, false},
		{"5 eur", Coupon{}, false},
		{"5 EURO", Coupon{}, false},
		{"ten", Coupon{}, false},
		{"", Coupon{}, false},
	} {
		got, err := ParseCoupon(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCoupon(%q) = %+v, %v; want %+v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseCronAcceptsDescriptorsAndRefusesTimeZones(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"0 10 * * MON", true},
		{"@daily", true},
		{"@every 10m", true},
		{"0 10 * *", false},
		{"0 25 * * *", false},
		{"TZ=UTC", false}, // robfig/cron panics on this one
		{"CRON_TZ=Europe/Berlin 0 10 * * *", false},
		{"", false},
		{"@every 1m", true},
		{"@every 90s", true},
		{"@every 2s", false},
		{"@every 30s", false},
		{"@every 59s", false},
		{"@every 500ms", false},
		{"@every -5m", false}, // robfig/cron makes this every second
		{"*/2 * * * * *", false},
		{"0 0 10 * * MON", false},
	} {
		_, err := ParseCron(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseCron(%q): err = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestParseMonthDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		month time.Month
		day   int
		ok    bool
	}{
		{"02-29", time.February, 29, true},
		{"12-31", time.December, 31, true},
		{"02-30", 0, 0, false},
		{"13-01", 0, 0, false},
		{"2-01", 0, 0, false},
		{"2024-01-01", 0, 0, false},
	} {
		m, d, err := ParseMonthDay(tc.in)
		if (err == nil) != tc.ok || m != tc.month || d != tc.day {
			t.Errorf("ParseMonthDay(%q) = %v %d, %v; want %v %d ok=%v", tc.in, m, d, err, tc.month, tc.day, tc.ok)
		}
	}
}

func TestWindowTo24LoadsInConfigurationAndCampaign(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "rapport.yaml", "window: \"00:00-24:00\"\nemail: {sender_address: \"Shop Ltd, 1 Example Street\"}\n")
	writeFile(t, dir, "campaigns/late.yaml", `id: late
trigger: {event: E}
window: "18:00-24:00"
variants: [{id: a, email: {subject: Hi, html: a.html}}]
`)
	cfg, err := Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Window.String() != "00:00-24:00" {
		t.Errorf("window = %s", cfg.Window)
	}
	set, err := LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w := set.Campaign("late").Window; w == nil || w.String() != "18:00-24:00" {
		t.Errorf("campaign window = %v", w)
	}
}
