package decide

import (
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

func TestSendTimeRespectsLocalWindow(t *testing.T) {
	t.Parallel()
	la := mustZone("America/Los_Angeles")
	utc := func(y int, mo time.Month, d, h, mi int) time.Time { return time.Date(y, mo, d, h, mi, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		zone     string
		window   string // campaign window; "" uses the policy's 09:00-20:00
		anyTime  bool   // campaign window "any"
		now, due time.Time
		want     time.Time
		reason   string
	}{
		{
			name: "inside the window sends when due",
			zone: "Europe/Berlin", now: now, due: now, want: now,
			reason: "window 09:00-20:00: 2027-03-10 11:00 CET is inside",
		},
		{
			name: "event at 23:00 in Berlin waits for 09:00 the next day",
			zone: "Europe/Berlin", now: utc(2027, 3, 10, 22, 0), due: utc(2027, 3, 10, 22, 0),
			want:   utc(2027, 3, 11, 8, 0),
			reason: "2027-03-10 23:00 CET is outside, deferred to its next opening 2027-03-11 09:00 CET",
		},
		{
			name: "early morning waits for the same day's opening",
			zone: "Europe/Berlin", now: utc(2027, 3, 10, 5, 0), due: utc(2027, 3, 10, 5, 0),
			want: utc(2027, 3, 10, 8, 0),
		},
		{
			name: "delay is kept when due is later than now",
			zone: "Europe/Berlin", now: now, due: now.Add(2 * time.Hour), want: now.Add(2 * time.Hour),
			reason: "due 2027-03-10T12:00:00Z",
		},
		{
			name: "past due sends from now",
			zone: "Europe/Berlin", now: now, due: now.Add(-3 * time.Hour), want: now,
			reason: "due 2027-03-10T07:00:00Z has passed: from now 2027-03-10T10:00:00Z",
		},
		{
			name: "window spanning midnight: noon waits for the evening",
			zone: "Europe/Berlin", window: "20:00-08:00", now: now, due: now,
			want: utc(2027, 3, 10, 19, 0),
		},
		{
			name: "window spanning midnight: 23:00 is inside",
			zone: "Europe/Berlin", window: "20:00-08:00", now: utc(2027, 3, 10, 22, 0), due: utc(2027, 3, 10, 22, 0),
			want: utc(2027, 3, 10, 22, 0),
		},
		{
			name: "window spanning midnight: 07:59 is inside",
			zone: "Europe/Berlin", window: "20:00-08:00", now: utc(2027, 3, 10, 6, 59), due: utc(2027, 3, 10, 6, 59),
			want: utc(2027, 3, 10, 6, 59),
		},
		{
			name: "window spanning midnight: 08:00 waits until 20:00",
			zone: "Europe/Berlin", window: "20:00-08:00", now: utc(2027, 3, 10, 7, 0), due: utc(2027, 3, 10, 7, 0),
			want: utc(2027, 3, 10, 19, 0),
		},
		{
			// Clocks spring forward at 02:00 on 2027-03-14: 22:00 PST on the 13th waits for
			// 09:00 PDT, which is 16:00 UTC, not 17:00 as adding 11 hours would give.
			name: "DST change day in Los Angeles",
			zone: "America/Los_Angeles", now: time.Date(2027, 3, 13, 22, 0, 0, 0, la), due: time.Date(2027, 3, 13, 22, 0, 0, 0, la),
			want:   utc(2027, 3, 14, 16, 0),
			reason: "deferred to its next opening 2027-03-14 09:00 PDT",
		},
		{
			name: "window in the DST gap opens at the first instant after it",
			zone: "America/Los_Angeles", window: "02:30-04:00",
			now: time.Date(2027, 3, 14, 1, 0, 0, 0, la), due: time.Date(2027, 3, 14, 1, 0, 0, 0, la),
			want: time.Date(2027, 3, 14, 3, 30, 0, 0, la).UTC(),
		},
		{
			name: "campaign window any sends at once",
			zone: "Europe/Berlin", anyTime: true, now: utc(2027, 3, 10, 22, 0), due: utc(2027, 3, 10, 22, 0),
			want:   utc(2027, 3, 10, 22, 0),
			reason: "no sending window: any time",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Customer.Timezone = tt.zone
			in.Now, in.Due = tt.now, tt.due
			switch {
			case tt.anyTime:
				in.Campaign.Window = &config.Window{}
			case tt.window != "":
				w := window(t, tt.window)
				in.Campaign.Window = &w
			}
			d := Decide(in)
			if !d.Eligible {
				t.Fatalf("not eligible: %s %v", d.Skip, d.Reasons)
			}
			if !d.SendAt.Equal(tt.want) || d.SendAt.Location() != time.UTC {
				t.Errorf("SendAt %s, want %s in UTC", d.SendAt, tt.want)
			}
			if tt.reason != "" {
				requireReason(t, d, tt.reason)
			}
		})
	}
}

func TestSendTimeOptimizeWithoutHistoryIsExact(t *testing.T) {
	t.Parallel()
	in := input(t)
	in.Campaign.SendTime = "optimize"
	d := Decide(in)
	if !d.SendAt.Equal(now) {
		t.Errorf("SendAt %s, want %s", d.SendAt, now)
	}
	requireReason(t, d, "send_time optimize: no opens or clicks of the customer or the base yet: exact")
}

func TestRepeatRule(t *testing.T) {
	t.Parallel()
	every30d := config.Repeat{Kind: config.RepeatEvery, Every: config.Duration(30 * 24 * time.Hour)}
	tests := []struct {
		name   string
		repeat config.Repeat
		sends  []Send
		want   SkipReason
		reason string
	}{
		{"once, never sent", config.Repeat{Kind: config.RepeatOnce}, nil, SkipNone, "repeat once: no earlier send"},
		{"once, sent a year ago", config.Repeat{Kind: config.RepeatOnce},
			[]Send{{Campaign: "thank-you", Channel: "email", At: now.AddDate(-1, 0, 0)}}, SkipRepeat, "repeat once: already sent at 2026-03-10 11:00 CET"},
		{"once, another campaign sent", config.Repeat{Kind: config.RepeatOnce},
			[]Send{{Campaign: "welcome", Channel: "email", At: now.AddDate(0, 0, -1)}}, SkipNone, ""},
		{"every 30d, sent 10 days ago", every30d,
			[]Send{{Campaign: "thank-you", Channel: "email", At: now.AddDate(0, 0, -10)}}, SkipRepeat, "repeat every 30d: sent at"},
		{"every 30d, sent 40 days ago", every30d,
			[]Send{{Campaign: "thank-you", Channel: "email", At: now.AddDate(0, 0, -40)}}, SkipNone, ""},
		{"yearly, sent last year", config.Repeat{Kind: config.RepeatYearly},
			[]Send{{Campaign: "thank-you", Channel: "email", At: time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)}}, SkipNone, ""},
		// 23:30 UTC on New Year's Eve is already 2027 in Berlin.
		{"yearly, sent this year in the customer's zone", config.Repeat{Kind: config.RepeatYearly},
			[]Send{{Campaign: "thank-you", Channel: "email", At: time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)}}, SkipRepeat, "repeat yearly: already sent at 2027-01-01 00:30 CET, in 2027"},
		{"each occurrence, same occurrence already sent", config.Repeat{},
			[]Send{{Campaign: "thank-you", Occurrence: "m-1", Channel: "email", At: now.Add(-time.Minute)}}, SkipRepeat, `occurrence "m-1" already sent`},
		{"each occurrence, another occurrence sent", config.Repeat{},
			[]Send{{Campaign: "thank-you", Occurrence: "m-0", Channel: "email", At: now.Add(-time.Hour)}}, SkipNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Campaign.Repeat = tt.repeat
			in.Customer.Sends = tt.sends
			d := Decide(in)
			if d.Skip != tt.want {
				t.Fatalf("skip %q, want %q; reasons %v", d.Skip, tt.want, d.Reasons)
			}
			if tt.reason != "" {
				requireReason(t, d, tt.reason)
			}
		})
	}
}

func TestWindowOpeningInDSTGapComesAfterTheGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone   string
		window string
		from   time.Time // local midnight before the change
		want   string
	}{
		{"America/Los_Angeles", "02:30-04:00", time.Date(2027, 3, 14, 0, 0, 0, 0, mustZone("America/Los_Angeles")), "2027-03-14 03:30 PDT"},
		{"Europe/Berlin", "02:30-04:00", time.Date(2027, 3, 28, 0, 0, 0, 0, berlin), "2027-03-28 03:30 CEST"},
		// Lord Howe Island moves its clocks by 30 minutes, from 02:00 to 02:30.
		{"Australia/Lord_Howe", "02:15-04:00", time.Date(2027, 10, 3, 0, 0, 0, 0, mustZone("Australia/Lord_Howe")), "2027-10-03 02:45 +11"},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			t.Parallel()
			if got := nextOpening(window(t, tt.window), tt.from).Format(localFormat); got != tt.want {
				t.Errorf("opening %s, want %s", got, tt.want)
			}
		})
	}
}
