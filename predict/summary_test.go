package predict

import (
	"math"
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string, v float64) Day { return Day{Day: DayOf(date(s)), Value: v, Orders: 1} }

func TestSummarizeFollowsTheLiteraturesConventions(t *testing.T) {
	t.Parallel()
	asOf := date("1997-09-30")
	cases := []struct {
		name string
		days []Day
		asOf time.Time
		unit Unit
		want Summary
		ok   bool
	}{
		{"no purchases", nil, asOf, Weeks, Summary{}, false},
		{"only purchases after asOf", []Day{day("1997-10-01", 5)}, asOf, Weeks, Summary{}, false},
		{"single purchase is birth, not a repeat", []Day{day("1997-01-01", 29.33)}, asOf, Days,
			Summary{X: 0, Tx: 0, T: 272}, true},
		{"CDNOW customer 1 in weeks", []Day{day("1997-01-01", 29.33), day("1997-01-18", 29.73), day("1997-08-02", 14.96), day("1997-12-12", 26.48)}, asOf, Weeks,
			Summary{X: 2, Tx: 213.0 / 7, T: 272.0 / 7, Monetary: (29.73 + 14.96) / 2}, true},
		{"same-day orders are one purchase, values summed", []Day{day("1997-01-01", 10), day("1997-02-01", 5), day("1997-02-01", 7)}, asOf, Days,
			Summary{X: 1, Tx: 31, T: 272, Monetary: 12}, true},
		{"second order on the birth day is not a repeat", []Day{day("1997-01-01", 10), day("1997-01-01", 4)}, asOf, Days,
			Summary{X: 0, Tx: 0, T: 272}, true},
		{"out-of-order days give the in-order summary", []Day{day("1997-03-01", 20), day("1997-01-01", 10), day("1997-02-01", 30)}, asOf, Days,
			Summary{X: 2, Tx: 59, T: 272, Monetary: 25}, true},
		{"orders after asOf are ignored", []Day{day("1997-01-01", 10), day("1997-09-30", 8), day("1997-10-01", 99)}, asOf, Days,
			Summary{X: 1, Tx: 272, T: 272, Monetary: 8}, true},
		{"asOf late in the day counts its whole day", []Day{day("1997-01-01", 10), day("1997-09-30", 8)}, asOf.Add(23 * time.Hour), Days,
			Summary{X: 1, Tx: 272, T: 272, Monetary: 8}, true},
		{"non-finite value counts as zero", []Day{day("1997-01-01", 10), day("1997-02-01", math.NaN())}, asOf, Days,
			Summary{X: 1, Tx: 31, T: 272, Monetary: 0}, true},
		{"unknown unit", []Day{day("1997-01-01", 10)}, asOf, Unit(9), Summary{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Summarize(c.days, c.asOf, c.unit)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v", ok, c.ok)
			}
			if math.Abs(got.X-c.want.X) > 0 || math.Abs(got.Tx-c.want.Tx) > 1e-12 ||
				math.Abs(got.T-c.want.T) > 1e-12 || math.Abs(got.Monetary-c.want.Monetary) > 1e-12 {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestSummarizeDoesNotReorderTheCallersDays(t *testing.T) {
	t.Parallel()
	days := []Day{day("1997-03-01", 20), day("1997-01-01", 10)}
	Summarize(days, date("1997-09-30"), Days)
	if days[0].Day != DayOf(date("1997-03-01")) {
		t.Errorf("Summarize sorted its argument in place: %+v", days)
	}
}

func TestDayOfFloorsInstantsBefore1970(t *testing.T) {
	t.Parallel()
	if got := DayOf(time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)); got != -1 {
		t.Errorf("DayOf(1969-12-31T23:00Z) = %d, want -1", got)
	}
	if got := DayOf(time.Date(1970, 1, 2, 1, 0, 0, 0, time.FixedZone("X", 3*3600))); got != 0 {
		t.Errorf("DayOf(1970-01-02T01:00+03:00) = %d, want 0 (its UTC day)", got)
	}
}

func TestParseUnitReadsTheCLIsWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Unit{"days": Days, "Weeks": Weeks, " w ": Weeks, "d": Days} {
		if got, err := ParseUnit(in); err != nil || got != want {
			t.Errorf("ParseUnit(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseUnit("months"); err == nil {
		t.Error("ParseUnit(months) succeeded")
	}
	if !math.IsNaN(Unit(5).Days()) {
		t.Error("an unknown unit has a length")
	}
}
