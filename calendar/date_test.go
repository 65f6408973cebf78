package calendar

import (
	"testing"
	"time"
)

func TestParseDateAcceptsOnlyRealDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2027-03-21", Date{2027, time.March, 21}, true},
		{"2024-02-29", Date{2024, time.February, 29}, true},
		{"2025-02-29", Date{}, false}, // not a leap year
		{"2100-02-29", Date{}, false}, // century, not divisible by 400
		{"2000-02-29", Date{2000, time.February, 29}, true},
		{"2027-13-01", Date{}, false},
		{"2027-04-31", Date{}, false},
		{"2027-00-10", Date{}, false},
		{"0000-01-01", Date{}, false},
		{"2027-3-21", Date{}, false},
		{"+027-03-21", Date{}, false},
		{"2027/03/21", Date{}, false},
		{"", Date{}, false},
		{"２０２７-03-21", Date{}, false}, // non-ASCII digits
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDateArithmeticAgreesWithTimePackage(t *testing.T) {
	t.Parallel()
	// Every day from 1582 to 2400 and some beyond: day numbers, weekdays and AddDays must
	// agree with the standard library's proleptic Gregorian calendar.
	start := time.Date(1582, time.October, 15, 0, 0, 0, 0, time.UTC)
	d := DateOf(start)
	for day := 0; day < 300_000; day += 7 {
		want := start.AddDate(0, 0, day)
		got := d.AddDays(day)
		if got != DateOf(want) {
			t.Fatalf("%v + %d days = %v, want %v", d, day, got, DateOf(want))
		}
		if got.Weekday() != want.Weekday() {
			t.Fatalf("%v weekday = %v, want %v", got, got.Weekday(), want.Weekday())
		}
		if fromJDN(got.jdn()) != got {
			t.Fatalf("fromJDN(jdn(%v)) = %v", got, fromJDN(got.jdn()))
		}
	}
	if j := (Date{2000, time.January, 1}).jdn(); j != 2451545 {
		t.Errorf("JDN of 2000-01-01 = %d, want 2451545 (Meeus, example 7.a)", j)
	}
}

func TestDateCompareAndIn(t *testing.T) {
	t.Parallel()
	a, b := Date{2026, time.December, 31}, Date{2027, time.January, 1}
	if !a.Before(b) || b.Before(a) || !b.After(a) || a.Compare(a) != 0 {
		t.Errorf("ordering of %v and %v is wrong", a, b)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	if got := b.In(tokyo); !got.Equal(time.Date(2026, time.December, 31, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("%v.In(JST) = %v, want midnight JST", b, got)
	}
	if got := b.In(nil); got.Location() != time.UTC || DateOf(got) != b {
		t.Errorf("%v.In(nil) = %v, want midnight UTC", b, got)
	}
	if s := (Date{987, time.May, 9}).String(); s != "0987-05-09" {
		t.Errorf("String() = %q", s)
	}
}

func TestJulianCalendarConversion(t *testing.T) {
	t.Parallel()
	// The Gregorian reform: Thursday 4 October 1582 (Julian) was followed by Friday
	// 15 October 1582 (Gregorian).
	if got := fromJDN(julianJDN(1582, time.October, 4) + 1); got != (Date{1582, time.October, 15}) {
		t.Errorf("day after Julian 1582-10-04 = %v, want 1582-10-15", got)
	}
	// Russia switched in 1918: 31 January (Julian) was followed by 14 February.
	if got := fromJDN(julianJDN(1918, time.January, 31) + 1); got != (Date{1918, time.February, 14}) {
		t.Errorf("day after Julian 1918-01-31 = %v, want 1918-02-14", got)
	}
}
