package decide

import (
	"testing"
	"time"
)

// A window may end at 24:00 (ISO 8601's end of the day): the decision sends up to midnight
// and defers after it, as config.Window.Contains counts the end as minute 1440.
func TestWindowEndingAt24SendsUntilMidnight(t *testing.T) {
	t.Parallel()
	utc := func(d, h, mi int) time.Time { return time.Date(2027, 3, d, h, mi, 0, 0, time.UTC) }
	for _, tt := range []struct {
		name, window string
		now, want    time.Time // Berlin is UTC+1 in March 2027 before the 28th
	}{
		{"whole day sends at 23:59", "00:00-24:00", utc(10, 22, 59), utc(10, 22, 59)},
		{"whole day sends at midnight", "00:00-24:00", utc(10, 23, 0), utc(10, 23, 0)},
		{"evening window sends at 23:30", "18:00-24:00", utc(10, 22, 30), utc(10, 22, 30)},
		{"evening window waits from midnight to 18:00", "18:00-24:00", utc(10, 23, 0), utc(11, 17, 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input(t)
			in.Customer.Timezone = "Europe/Berlin"
			in.Now, in.Due = tt.now, tt.now
			w := window(t, tt.window)
			in.Campaign.Window = &w
			d := Decide(in)
			if !d.Eligible {
				t.Fatalf("not eligible: %s %v", d.Skip, d.Reasons)
			}
			if !d.SendAt.Equal(tt.want) {
				t.Errorf("SendAt %s, want %s", d.SendAt, tt.want)
			}
		})
	}
}
