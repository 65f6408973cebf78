package calendar

import "testing"

func TestOrthodoxEasterPublishedDates(t *testing.T) {
	t.Parallel()
	// Russian Orthodox Church, 2021-2030; 2025 coincides with Western Easter.
	want := map[int]string{
		2021: "2021-05-02", 2024: "2024-05-05", 2025: "2025-04-20", 2026: "2026-04-12",
		2027: "2027-05-02", 2028: "2028-04-16", 2029: "2029-04-08", 2030: "2030-04-28",
	}
	for year, w := range want {
		if got, ok := orthodoxEaster(year); !ok || got.String() != w {
			t.Errorf("Orthodox Easter %d = %v, want %s", year, got, w)
		}
	}
}

func TestOrthodoxEasterIsASundayNeverBeforeWestern(t *testing.T) {
	t.Parallel()
	for year := 1900; year <= 2400; year++ {
		got, _ := orthodoxEaster(year)
		western := easter("easter", 0).dates(year, 0)[0]
		if got.Weekday() != 0 || got.Before(western) {
			t.Fatalf("Orthodox Easter %d = %v (%v), Western %v", year, got, got.Weekday(), western)
		}
	}
}

func TestOrthodoxChristmasMovesToJanuaryEighthIn2101(t *testing.T) {
	t.Parallel()
	// The Julian calendar loses a day to the Gregorian on 29 February 2100 (Julian).
	for year, want := range map[int]string{1901: "1901-01-07", 2027: "2027-01-07", 2100: "2100-01-07", 2101: "2101-01-08"} {
		if got, ok := orthodoxChristmas(year); !ok || got.String() != want {
			t.Errorf("Orthodox Christmas %d = %v, want %s", year, got, want)
		}
	}
	if _, ok := orthodoxChristmas(1000); ok {
		t.Error("Orthodox Christmas before the Gregorian reform should be absent")
	}
}
