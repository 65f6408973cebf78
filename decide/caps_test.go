package decide

import (
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// cet is a wall-clock time in Berlin ("2027-03-04 08:00").
func cet(t testing.TB, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// sentAt are sends of campaign at priority p at the given Berlin wall-clock times.
func sentAt(t testing.TB, campaign string, p config.Priority, channel string, local ...string) []Send {
	var out []Send
	for _, s := range local {
		out = append(out, Send{Campaign: campaign, Channel: channel, Priority: p, At: cet(t, s)})
	}
	return out
}

// daily are sends of campaign "other" at 10:00 Berlin on n days ending on last.
func daily(t testing.TB, last string, n int) []Send {
	end := cet(t, last+" 10:00")
	var out []Send
	for i := range n {
		out = append(out, Send{Campaign: "other", Channel: "email", At: end.AddDate(0, 0, -i)})
	}
	return out
}

// TestCapsCountLocalCalendarDaysAndRespectPriority decides at Wed 2027-03-10 11:00 Berlin
// (the fixture's now) unless a case moves the clock, with the default 09:00-20:00 window.
func TestCapsCountLocalCalendarDaysAndRespectPriority(t *testing.T) {
	t.Parallel()
	week := []string{"2027-03-04 08:00", "2027-03-06 12:00", "2027-03-08 19:00"} // Thu, Sat, Mon
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		global, own string // rapport.yaml's per_customer, the campaign's
		sms, ownSMS string // rapport.yaml's sms, the campaign's
		priority    string // the campaign's, as written
		onCap       string
		maxDelay    config.Duration // the campaign's max_delay
		tz          string          // the customer's time zone; Berlin when empty
		now, due    time.Time       // the fixture's now when zero
		channels    []string
		sends       []Send
		wantSkip    SkipReason
		wantAt      time.Time // zero when skipped
		wantChannel string
		reason      string
	}{
		{
			name: "the 4th message in a local week is deferred to the day the oldest leaves", global: "3/7d",
			sends:  sentAt(t, "other", config.PriorityNormal, "email", week...),
			wantAt: utc(2027, 3, 11, 8, 0),
			reason: "cap 3/7d (local days, Europe/Berlin): 3 sent since Thu 2027-03-04, deferred to Thu 2027-03-11 09:00 CET",
		},
		{
			name: "the 4th message in a local week is skipped with on_cap skip", global: "3/7d", onCap: config.OnCapSkip,
			sends: sentAt(t, "other", config.PriorityNormal, "email", week...), wantSkip: SkipFrequencyCap,
			reason: "cap 3/7d (local days, Europe/Berlin): 3 sent since Thu 2027-03-04, at the cap: skipped (on_cap: skip)",
		},
		{
			name: "a deferral beyond the campaign's max_delay is skipped", global: "3/7d", maxDelay: config.Duration(6 * time.Hour),
			sends: sentAt(t, "other", config.PriorityNormal, "email", week...), wantSkip: SkipFrequencyCap,
			reason: "more than 6h0m0s after due: skipped",
		},
		{
			name: "a high-priority campaign does not count lower-priority sends", global: "3/7d", priority: "high",
			sends: sentAt(t, "other", config.PriorityLow, "email", week...), wantAt: now,
			reason: "cap 3/7d (local days, Europe/Berlin): 0 sent since Thu 2027-03-04 at priority high or above (3 of lower priority not counted), room for more",
		},
		{
			name: "critical is high", global: "3/7d", priority: "critical",
			sends: sentAt(t, "other", config.PriorityNormal, "email", week...), wantAt: now,
		},
		{
			name: "a low-priority campaign counts every send", global: "3/7d", priority: "low",
			sends: sentAt(t, "other", config.PriorityNormal, "email", week...), wantAt: utc(2027, 3, 11, 8, 0),
		},
		{
			name: "high-priority sends hold back a high-priority campaign", global: "3/7d", priority: "high", onCap: config.OnCapSkip,
			sends: sentAt(t, "other", config.PriorityHigh, "email", week...), wantSkip: SkipFrequencyCap,
		},
		{
			// Wed 23:30 is within 7×24 hours of now, but on the day before the seven local days.
			name: "a send on the local day before the period does not count", global: "3/7d",
			sends:  sentAt(t, "other", config.PriorityNormal, "email", "2027-03-03 23:30", "2027-03-06 12:00", "2027-03-08 19:00"),
			wantAt: now, reason: "2 sent since Thu 2027-03-04, room for more",
		},
		{
			name: "a send just after the period's first midnight counts", global: "3/7d",
			sends:  sentAt(t, "other", config.PriorityNormal, "email", "2027-03-04 00:30", "2027-03-06 12:00", "2027-03-08 19:00"),
			wantAt: utc(2027, 3, 11, 8, 0),
		},
		{
			// Berlin falls back on Sun 2026-10-25: the seven local days Mon 19 to Sun 25 last
			// 169 hours, so a send on Monday at 00:30 is counted 7 days and 23 hours later.
			name: "across the end of summer time the week is seven local days", global: "1/7d",
			now: utc(2026, 10, 25, 22, 45), sends: []Send{{Campaign: "other", Channel: "email", At: utc(2026, 10, 18, 22, 30)}},
			wantAt: utc(2026, 10, 26, 8, 0),
			reason: "cap 1/7d (local days, Europe/Berlin): 1 sent since Mon 2026-10-19, deferred to Mon 2026-10-26 09:00 CET",
		},
		{
			// Berlin springs forward on Sun 2027-03-28: Sunday has 23 hours, Monday opens at
			// midnight CEST.
			name: "across the start of summer time a day cap opens at the next local midnight", global: "1/1d",
			now: utc(2027, 3, 28, 13, 0), sends: []Send{{Campaign: "other", Channel: "email", At: utc(2027, 3, 28, 8, 0)}},
			wantAt: utc(2027, 3, 29, 7, 0), reason: "deferred to Mon 2027-03-29 09:00 CEST",
		},
		{
			// The same three sends as for Berlin, on New York's days: Thu 00:30 in Berlin was
			// Wed 18:30 there, before the period.
			name: "a customer who moved is counted on the days of their new zone", global: "3/7d", tz: "America/New_York",
			now:    utc(2027, 3, 10, 16, 0),
			sends:  sentAt(t, "other", config.PriorityNormal, "email", "2027-03-04 00:30", "2027-03-06 12:00", "2027-03-08 19:00"),
			wantAt: utc(2027, 3, 10, 16, 0),
			reason: "cap 3/7d (local days, America/New_York): 2 sent since Thu 2027-03-04, room for more",
		},
		{
			name: "the same sends bind in the old zone", global: "3/7d",
			now:    utc(2027, 3, 10, 16, 0),
			sends:  sentAt(t, "other", config.PriorityNormal, "email", "2027-03-04 00:30", "2027-03-06 12:00", "2027-03-08 19:00"),
			wantAt: utc(2027, 3, 11, 8, 0),
		},
		{
			name: "a cap of 30/30d has room after 29 sends", global: "30/30d",
			sends: daily(t, "2027-03-10", 29), wantAt: now, reason: "cap 30/30d (local days, Europe/Berlin): 29 sent since Tue 2027-02-09, room for more",
		},
		{
			name: "a cap of 30/30d binds after 30 sends", global: "30/30d",
			sends: daily(t, "2027-03-10", 30), wantAt: utc(2027, 3, 11, 8, 0),
			reason: "cap 30/30d (local days, Europe/Berlin): 30 sent since Tue 2027-02-09, deferred to Thu 2027-03-11 09:00 CET",
		},
		{
			name: "a campaign's cap counts only its own sends", global: "3/7d", own: "1/7d",
			sends: append(sentAt(t, "thank-you", config.PriorityLow, "email", "2027-03-08 19:00"),
				sentAt(t, "other", config.PriorityNormal, "email", "2027-03-09 10:00")...),
			wantAt: utc(2027, 3, 15, 8, 0),
			reason: "campaign cap 1/7d (local days, Europe/Berlin): 1 of this campaign's sent since Thu 2027-03-04, deferred to Mon 2027-03-15 09:00 CET",
		},
		{
			name: "other campaigns' sends leave a campaign's cap alone", own: "1/7d",
			sends: sentAt(t, "other", config.PriorityNormal, "email", week...), wantAt: now,
		},
		{
			name: "a rolling cap under a day", global: "2/12h",
			sends:  sentAt(t, "other", config.PriorityNormal, "email", "2027-03-10 10:00", "2027-03-10 06:00"),
			wantAt: utc(2027, 3, 10, 17, 0), reason: "cap 2/12h0m0s (rolling): 2 sent since Tue 2027-03-09 23:00 CET, deferred",
		},
		{
			// Found by FuzzCaps: a send after the decision's time was left out, and the
			// message deferred to a day when that send was counted.
			name: "a send recorded ahead of this worker's clock counts", global: "1/7d",
			sends:  sentAt(t, "other", config.PriorityNormal, "email", "2027-03-10 12:00"),
			wantAt: utc(2027, 3, 17, 8, 0),
		},
		{
			name: "a zero count allows nothing", global: "0/1d", wantSkip: SkipFrequencyCap,
			reason: "cap 0/1d (local days, Europe/Berlin): 0 sent since Wed 2027-03-10: allows no message",
		},
		{
			name: "room more than 7 days after due is a skip", global: "1/30d",
			sends: sentAt(t, "other", config.PriorityNormal, "email", "2027-03-09 10:00"), wantSkip: SkipFrequencyCap,
			reason: "room again Thu 2027-04-08 00:00 CEST, more than 7d after due: skipped",
		},
		{
			// Due six days ago (deferred before): room on Friday is more than 7 days after due.
			name: "a deferred message cannot wander past 7 days after due", global: "1/7d",
			due:   utc(2027, 3, 4, 10, 0),
			sends: sentAt(t, "other", config.PriorityNormal, "email", "2027-03-05 10:00"), wantSkip: SkipFrequencyCap,
		},
		{
			name: "a high-priority SMS is not held back by a lower one's", sms: "1/1d", priority: "high", channels: []string{"sms"},
			sends: sentAt(t, "other", config.PriorityNormal, "sms", "2027-03-10 09:30"), wantAt: now, wantChannel: "sms",
		},
		{
			name: "an SMS-only campaign at the sms cap is deferred to the next local day", sms: "1/1d", channels: []string{"sms"},
			sends: sentAt(t, "other", config.PriorityHigh, "sms", "2027-03-10 09:30"), wantAt: utc(2027, 3, 11, 8, 0), wantChannel: "sms",
			reason: "sms cap 1/1d (local days, Europe/Berlin): 1 sent since Wed 2027-03-10, deferred to Thu 2027-03-11 09:00 CET",
		},
		{
			name: "an SMS-only campaign at the sms cap is skipped with on_cap skip", sms: "1/1d", channels: []string{"sms"}, onCap: config.OnCapSkip,
			sends: sentAt(t, "other", config.PriorityNormal, "sms", "2027-03-10 09:30"), wantSkip: SkipFrequencyCap,
		},
		{
			name: "a capped SMS falls back to email", sms: "1/1d",
			sends: sentAt(t, "other", config.PriorityNormal, "sms", "2027-03-10 09:30"), channels: []string{"sms", "email"}, wantAt: now, wantChannel: "email",
			reason: "sms: cap 1/1d (local days, Europe/Berlin): 1 sent since Wed 2027-03-10, reached",
		},
		{
			name: "a campaign's own sms cap counts its SMS only", sms: "3/1d", ownSMS: "1/1d", channels: []string{"sms", "email"},
			sends:  append(sentAt(t, "thank-you", config.PriorityNormal, "sms", "2027-03-10 09:30"), sentAt(t, "other", config.PriorityNormal, "sms", "2027-03-10 09:40")...),
			wantAt: now, wantChannel: "email",
			reason: "sms: campaign cap 1/1d (local days, Europe/Berlin): 1 of this campaign's sent since Wed 2027-03-10, reached",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			if !tt.now.IsZero() {
				in.Now, in.Due = tt.now, tt.now
			}
			if !tt.due.IsZero() {
				in.Due = tt.due
			}
			if tt.tz != "" {
				in.Customer.Timezone = tt.tz
			}
			if tt.channels != nil {
				in.Campaign.Channels = tt.channels
			}
			in.Policy.PerCustomer, in.Policy.SMS = limit(t, tt.global), limit(t, tt.sms)
			in.Campaign.Limits.PerCustomer, in.Campaign.Limits.SMS = limit(t, tt.own), limit(t, tt.ownSMS)
			in.Campaign.Priority, in.Campaign.OnCap, in.Campaign.MaxDelay = tt.priority, tt.onCap, tt.maxDelay
			in.Customer.Sends = tt.sends
			d := Decide(in)
			if d.Skip != tt.wantSkip || !d.SendAt.Equal(tt.wantAt) {
				t.Fatalf("skip %q SendAt %s, want %q %s; reasons:\n  %s", d.Skip, d.SendAt, tt.wantSkip, tt.wantAt, joinReasons(d))
			}
			if tt.wantChannel != "" && d.Channel != tt.wantChannel {
				t.Errorf("channel %q, want %q", d.Channel, tt.wantChannel)
			}
			if tt.reason != "" {
				requireReason(t, d, tt.reason)
			}
		})
	}
}

// TestCapReleaseDoesNotDependOnTheOrderOfSends feeds the sends oldest first, as no store
// keeps them, to show that the release is computed from times, not positions.
func TestCapReleaseDoesNotDependOnTheOrderOfSends(t *testing.T) {
	t.Parallel()
	in := input(t)
	in.Policy.PerCustomer = limit(t, "2/7d")
	in.Customer.Sends = sentAt(t, "other", config.PriorityNormal, "email", "2027-03-05 10:00", "2027-03-04 10:00", "2027-03-09 10:00")
	d := Decide(in)
	// Three counted, room for two: the 2nd newest (Fri 5th) must leave, on Fri 12th.
	if want := time.Date(2027, 3, 12, 8, 0, 0, 0, time.UTC); !d.SendAt.Equal(want) {
		t.Fatalf("SendAt %s, want %s; reasons:\n  %s", d.SendAt, want, joinReasons(d))
	}
}

func joinReasons(d Decision) string {
	s := ""
	for i, r := range d.Reasons {
		if i > 0 {
			s += "\n  "
		}
		s += r
	}
	return s
}

// BenchmarkDecideAtCap is a decision deferred by a 30/30d cap over 30 daily sends, with the
// sms cap on the same log: the longest count a cap makes in practice.
func BenchmarkDecideAtCap(b *testing.B) {
	in := input(b)
	in.Policy.PerCustomer, in.Policy.SMS = limit(b, "30/30d"), limit(b, "1/1d")
	in.Customer.Sends = daily(b, "2027-03-10", 30)
	b.ReportAllocs()
	for b.Loop() {
		if d := Decide(in); !d.Eligible || d.SendAt.Equal(now) {
			b.Fatal(d.Reasons)
		}
	}
}

// FuzzCaps decides over arbitrary send logs, caps and zones: Decide never panics, never sends
// before it was due, and a message it sends has room under the cap at its send time.
func FuzzCaps(f *testing.F) {
	f.Add(int64(-3600), int64(-90000), int64(-500000), uint8(3), uint8(7), "Europe/Berlin", uint8(0))
	f.Add(int64(0), int64(1), int64(-1), uint8(1), uint8(1), "America/New_York", uint8(2))
	f.Add(int64(-86400*29), int64(-86400), int64(86400), uint8(0), uint8(30), "Pacific/Chatham", uint8(1))
	f.Fuzz(func(t *testing.T, a, b, c int64, count, days uint8, zone string, prio uint8) {
		in := input(t)
		in.Policy.Window = config.Window{} // any time: the send time is the caps' alone
		in.Customer.Timezone = zone
		in.Campaign.Priority = []string{"low", "normal", "high"}[prio%3]
		lim := config.Limit{Count: int(count % 40), Period: config.Duration(time.Duration(days%60+1) * 24 * time.Hour)}
		in.Policy.PerCustomer = lim
		for i, off := range []int64{a, b, c} {
			off %= 400 * 86400
			in.Customer.Sends = append(in.Customer.Sends, Send{Campaign: "other", Channel: "email",
				Priority: config.Priority(i%3 - 1), At: now.Add(time.Duration(off) * time.Second)})
		}
		d := Decide(in)
		if !d.Eligible {
			return
		}
		if d.SendAt.Before(now) {
			t.Fatalf("sends at %s, before due %s", d.SendAt, now)
		}
		loc, _ := location(in.Customer, time.UTC)
		r := capRule{what: "cap", lim: lim, min: in.Campaign.CapPriority()}
		if n := r.apply(in.Customer.Sends, d.SendAt, loc); !n.release.Equal(d.SendAt) {
			t.Fatalf("sent at %s with %d counted under %s, room only at %s; reasons %v", d.SendAt, n.counted, lim, n.release, d.Reasons)
		}
	})
}
