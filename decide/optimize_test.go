package decide

import (
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/config"
)

// baseAtNoon is a base whose opens peak at 12:00 local, with some at every hour.
func baseAtNoon() [24]float64 {
	var b [24]float64
	for h := range b {
		b[h] = 1
	}
	b[11], b[12], b[13] = 6, 10, 6
	return b
}

// opensAt is email engagement with n opens at each of the hours.
func opensAt(n int, hours ...int) map[string]Engagement {
	e := Engagement{}
	for _, h := range hours {
		e.Hours[h] += n
		e.Opens += n
		e.Engaged += n
		e.Received += n
	}
	return map[string]Engagement{"email": e}
}

func TestSendTimeOptimize(t *testing.T) {
	t.Parallel()
	tehran := mustZone("Asia/Tehran")
	tests := []struct {
		name   string
		change func(*Input)
		want   time.Time // local wall clock, in the customer's zone
		reason string
	}{
		{
			name:   "a customer who always opens at 19:00 gets 19:00",
			change: func(in *Input) { in.Customer.Engagement = opensAt(14, 19) },
			want:   time.Date(2027, 3, 10, 19, 0, 0, 0, berlin),
			reason: "send time 19:00 Europe/Berlin: 14 of Jane's 14 opens and clicks were 18:00–20:00 (the base's hours weigh 42%)",
		},
		{
			name: "the window's edge when the window excludes 19:00",
			change: func(in *Input) {
				in.Customer.Engagement = opensAt(14, 19)
				w := window(t, "09:00-18:00")
				in.Campaign.Window = &w
			},
			want:   time.Date(2027, 3, 10, 17, 0, 0, 0, berlin),
			reason: "send time 17:00 Europe/Berlin: the best hour 19:00 (Jane's usual hour, 14 opens and clicks) is outside the window 09:00-18:00: the nearest allowed",
		},
		{
			name: "the edge is the next morning's opening when that is nearer",
			change: func(in *Input) {
				in.Customer.Engagement = opensAt(14, 7)
				in.Customer.FirstName = ""
			},
			want:   time.Date(2027, 3, 11, 9, 0, 0, 0, berlin),
			reason: "the best hour 07:00 (the customer's usual hour, 14 opens and clicks) is outside the window 09:00-20:00",
		},
		{
			name:   "one event: the base's hour",
			change: func(in *Input) { in.Customer.Engagement = opensAt(1, 19) },
			want:   time.Date(2027, 3, 10, 12, 0, 0, 0, berlin),
			reason: "send time 12:00 Europe/Berlin: the base's best hour; Jane's 1 opens and clicks weigh 9% against it",
		},
		{
			name: "no base, one event: that hour",
			change: func(in *Input) {
				in.BaseHours = [24]float64{}
				in.Customer.Engagement = opensAt(1, 15)
			},
			want: time.Date(2027, 3, 10, 15, 0, 0, 0, berlin),
		},
		{
			name: "the current hour is the best: now, not the next o'clock",
			change: func(in *Input) {
				in.Now, in.Due = now.Add(20*time.Minute), now.Add(20*time.Minute)
				in.Customer.Engagement = opensAt(14, 11)
			},
			want: time.Date(2027, 3, 10, 11, 20, 0, 0, berlin),
		},
		{
			name: "a triggered campaign looks no further than max_delay",
			change: func(in *Input) {
				in.Customer.Engagement = opensAt(14, 19)
				in.Campaign.MaxDelay = config.Duration(3 * time.Hour)
			},
			// 19:00 is out of reach: among 11:00-14:00, the base's noon scores best.
			want:   time.Date(2027, 3, 10, 12, 0, 0, 0, berlin),
			reason: "the best hour 19:00 (Jane's usual hour, 14 opens and clicks) is not within max_delay 3h",
		},
		{
			name: "Tehran, half an hour off UTC, opens 17:00-19:00",
			change: func(in *Input) {
				in.Customer.Timezone, in.Customer.FirstName = "Asia/Tehran", "Reza"
				in.Customer.Engagement = opensAt(4, 17, 18, 18, 19)
			},
			want:   time.Date(2027, 3, 10, 18, 0, 0, 0, tehran),
			reason: "send time 18:00 Asia/Tehran: 16 of Reza's 16 opens and clicks were 17:00–19:00",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Campaign.SendTime = config.SendTimeOptimize
			in.BaseHours = baseAtNoon()
			tt.change(&in)
			d := Decide(in)
			if !d.Eligible || !d.SendAt.Equal(tt.want) {
				t.Fatalf("eligible %v send at %s, want %s; reasons:\n  %s", d.Eligible,
					d.SendAt.In(tt.want.Location()), tt.want, strings.Join(d.Reasons, "\n  "))
			}
			if tt.reason != "" {
				requireReason(t, d, tt.reason)
			}
		})
	}
}

// TestSendTimeOptimizeAcrossDST: on the night Berlin springs forward (2027-03-28, 02:00
// becomes 03:00), a customer of 19:00 still gets 19:00 local, now UTC+2.
func TestSendTimeOptimizeAcrossDST(t *testing.T) {
	t.Parallel()
	in := input(t)
	in.Campaign.SendTime = config.SendTimeOptimize
	in.Customer.Engagement = opensAt(14, 19)
	in.Now = time.Date(2027, 3, 27, 20, 30, 0, 0, time.UTC) // 21:30 CET, after the window
	in.Due = in.Now
	in.Event.Timestamp = in.Now
	d := Decide(in)
	want := time.Date(2027, 3, 28, 17, 0, 0, 0, time.UTC) // 19:00 CEST
	if !d.SendAt.Equal(want) {
		t.Errorf("send at %s, want %s; reasons:\n  %s", d.SendAt, want, strings.Join(d.Reasons, "\n  "))
	}
}

// TestOneEventMostlyGetsTheBasesHour: whatever the hour of a customer's only open, the base's
// hour wins, but for an open next to it (the kernel lets 11:00 and 13:00 pull a little).
func TestOneEventMostlyGetsTheBasesHour(t *testing.T) {
	t.Parallel()
	base := 0
	for h := range 24 {
		in := input(t)
		in.Campaign.SendTime = config.SendTimeOptimize
		in.BaseHours = baseAtNoon()
		in.Customer.Engagement = opensAt(1, h)
		in.Now = time.Date(2027, 3, 10, 7, 0, 0, 0, time.UTC) // 08:00 in Berlin, before the window
		in.Due = in.Now
		d := Decide(in)
		if d.SendAt.In(berlin).Hour() == 12 {
			base++
		}
	}
	if base < 20 {
		t.Errorf("%d of 24 single-open customers got the base's 12:00, want at least 20", base)
	}
}

func TestSendTimeReasonNeverNamesAnAddressAsAFirstName(t *testing.T) {
	t.Parallel()
	in := input(t)
	in.Campaign.SendTime = config.SendTimeOptimize
	in.Customer.FirstName = "jane@example.org"
	in.Customer.Engagement = opensAt(14, 19)
	d := Decide(in)
	requireReason(t, d, "14 of the customer's 14 opens and clicks")
}
