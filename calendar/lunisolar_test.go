package calendar

import (
	"strings"
	"testing"
	"time"
)

// Published Lunar New Year dates, 2025-2030: China (State Council holiday notices), Vietnam
// (UTC+7: Tết 2030 falls on 2 February, a day before China's, as Vietnamese almanacs print
// it) and Korea (UTC+9: Seollal 2027 and 2028 fall a day after China's, the new moon being
// between 15:00 and 16:00 UTC).
func TestLunarNewYearPublishedDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		clock int
		where string
		want  []string
	}{
		{chinaClock, "China", []string{"2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03"}},
		{vietnamClock, "Vietnam", []string{"2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-02"}},
		{koreaClock, "Korea", []string{"2025-01-29", "2026-02-17", "2027-02-07", "2028-01-27", "2029-02-13", "2030-02-03"}},
	}
	for _, tt := range tests {
		for i, want := range tt.want {
			year := 2025 + i
			if got, ok := lunarNewYear(year, tt.clock); !ok || got.String() != want {
				t.Errorf("%s lunar new year %d = %v, want %s", tt.where, year, got, want)
			}
		}
	}
}

func TestVietnameseNewYearDiffersWhereHistoryRecordsIt(t *testing.T) {
	t.Parallel()
	// 1968: Tết was a day before China's (the eve of the Tết Offensive); 1985: a whole month
	// before, Vietnam's month 11 having started a day earlier; 2007: a day before.
	for year, want := range map[int]string{1968: "1968-01-29", 1985: "1985-01-21", 2007: "2007-02-17"} {
		if got, _ := lunarNewYear(year, vietnamClock); got.String() != want {
			t.Errorf("Tết %d = %v, want %s", year, got, want)
		}
	}
	if got, _ := lunarNewYear(1985, chinaClock); got.String() != "1985-02-20" {
		t.Errorf("Chinese New Year 1985 = %v, want 1985-02-20", got)
	}
}

// chineseNewYears lists the Chinese New Year, MMDD, for 1930-2099, as given by lunar-javascript
// 1.7.7 (github.com/6tail/lunar-javascript), which follows the Purple Mountain Observatory
// tables; it checks the whole rule, leap months 11 and 12 included (2033-34).
const chineseNewYears = `
0130 0217 0206 0126 0214 0204 0124 0211 0131 0219 0208 0127 0215 0205 0125 0213 0202 0122 0210 0129
0217 0206 0127 0214 0203 0124 0212 0131 0218 0208 0128 0215 0205 0125 0213 0202 0121 0209 0130 0217
0206 0127 0215 0203 0123 0211 0131 0218 0207 0128 0216 0205 0125 0213 0202 0220 0209 0129 0217 0206
0127 0215 0204 0123 0210 0131 0219 0207 0128 0216 0205 0124 0212 0201 0122 0209 0129 0218 0207 0126
0214 0203 0123 0210 0131 0219 0208 0128 0216 0205 0125 0212 0201 0122 0210 0129 0217 0206 0126 0213
0203 0123 0211 0131 0219 0208 0128 0215 0204 0124 0212 0201 0122 0210 0130 0217 0206 0126 0214 0202
0123 0211 0201 0219 0208 0128 0215 0204 0124 0212 0202 0121 0209 0129 0217 0205 0126 0214 0203 0123
0211 0131 0219 0207 0127 0215 0205 0124 0212 0202 0122 0209 0129 0217 0206 0126 0214 0203 0124 0210
0130 0218 0207 0127 0215 0205 0125 0212 0201 0121`

func TestChineseNewYear1930To2099MatchesPublishedTables(t *testing.T) {
	t.Parallel()
	for i, mmdd := range strings.Fields(chineseNewYears) {
		year := 1930 + i
		got, ok := lunarNewYear(year, chinaClock)
		if !ok || got.String()[5:] != mmdd[:2]+"-"+mmdd[2:] {
			t.Errorf("Chinese New Year %d = %v, want %s", year, got, mmdd)
		}
	}
}

func TestLeapMonthsFollowTheNoPrincipalTermRule(t *testing.T) {
	t.Parallel()
	// Leap months 2020-2050 (same source as chineseNewYears); 2033's leap 11th month is the
	// case where New Year is the third new moon after the solstice.
	want := map[int]int{2020: 4, 2023: 2, 2025: 6, 2028: 5, 2031: 3, 2033: 11, 2036: 6, 2039: 5, 2042: 2, 2044: 7, 2047: 5, 2050: 3}
	for year := 2020; year <= 2050; year++ {
		leap := 0
		for _, m := range lunarYear(year, chinaClock) {
			if m.leap {
				leap = m.number
			}
		}
		if leap != want[year] {
			t.Errorf("leap month of %d = %d, want %d (months %v)", year, leap, want[year], lunarYear(year, chinaClock))
		}
	}
}

func TestChineseFestivalDates(t *testing.T) {
	t.Parallel()
	// Dragon Boat (5/5) and Mid-Autumn (8/15), 2025-2030, as in China's holiday notices.
	dragon := []string{"2025-05-31", "2026-06-19", "2027-06-09", "2028-05-28", "2029-06-16", "2030-06-05"}
	midAutumn := []string{"2025-10-06", "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12"}
	for i := range dragon {
		year := 2025 + i
		if got, _ := lunarDate(year, 5, 5, chinaClock); got.String() != dragon[i] {
			t.Errorf("Dragon Boat %d = %v, want %s", year, got, dragon[i])
		}
		if got, _ := lunarDate(year, 8, 15, chinaClock); got.String() != midAutumn[i] {
			t.Errorf("Mid-Autumn %d = %v, want %s", year, got, midAutumn[i])
		}
	}
}

func TestLunarDateRejectsDaysThatDoNotExist(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ year, m, d int }{
		{2027, 1, 0}, {2027, 1, 31}, {2027, 13, 1}, {2027, 0, 1}, {1929, 1, 1}, {2151, 1, 1},
	} {
		if got, ok := lunarDate(tt.year, tt.m, tt.d, chinaClock); ok {
			t.Errorf("lunarDate(%d, %d, %d) = %v, want none", tt.year, tt.m, tt.d, got)
		}
	}
	// Every month has 29 or 30 days: day 30 exists in some months of a year, not in all.
	long := 0
	for m := 1; m <= 12; m++ {
		if _, ok := lunarDate(2027, m, 30, chinaClock); ok {
			long++
		}
	}
	if long < 4 || long > 9 {
		t.Errorf("2027 has %d thirty-day months, want between 4 and 9", long)
	}
}

func TestLunarYearsTileTheCalendar(t *testing.T) {
	t.Parallel()
	// Each lunisolar year ends the day before the next one starts, and has 12 or 13 months
	// of 29 or 30 days.
	for year := minAstroYear; year < maxAstroYear; year++ {
		months := lunarYear(year, chinaClock)
		next, _ := lunarNewYear(year+1, chinaClock)
		if n := len(months); n != 12 && n != 13 {
			t.Fatalf("%d has %d months: %v", year, n, months)
		}
		for i, m := range months {
			end := next.jdn()
			if i+1 < len(months) {
				end = months[i+1].start
			}
			if l := end - m.start; l != 29 && l != 30 {
				t.Fatalf("%d month %v lasts %d days", year, m, l)
			}
		}
		if d := fromJDN(months[0].start); d.Month > time.February || d.Year != year {
			t.Fatalf("%d starts on %v", year, d)
		}
	}
}
