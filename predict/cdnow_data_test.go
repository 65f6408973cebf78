package predict

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cdnowDir finds shared/data/cdnow by walking up from the test's working directory (the
// reference data lives next to the repository, in ../shared/data/cdnow from its root), and
// skips the test, saying why, when it is absent.
func cdnowDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Skipf("CDNOW reference data: cannot read the working directory: %v", err)
	}
	for {
		p := filepath.Join(dir, "shared", "data", "cdnow")
		if _, err := os.Stat(filepath.Join(p, "cdnow_summary.csv")); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("CDNOW reference data not found: no shared/data/cdnow/cdnow_summary.csv in any parent of the working directory; these checks against the published values did not run")
		}
		dir = parent
	}
}

// cdnowRow is one line of cdnow_summary.csv.
type cdnowRow struct {
	id string
	s  Summary
}

func loadCDNOWSummary(tb testing.TB) []cdnowRow {
	tb.Helper()
	f, err := os.Open(filepath.Join(cdnowDir(tb), "cdnow_summary.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var rows []cdnowRow
	for i, rec := range recs[1:] {
		var v [4]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(rec[j+1], 64); err != nil {
				tb.Fatalf("cdnow_summary.csv line %d: %v", i+2, err)
			}
		}
		rows = append(rows, cdnowRow{id: rec[0], s: Summary{X: v[0], Tx: v[1], T: v[2], Monetary: v[3]}})
	}
	return rows
}

func cdnowSummaries(tb testing.TB) []Summary {
	rows := loadCDNOWSummary(tb)
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = r.s
	}
	return out
}

// loadCDNOWDays reads CDNOW_sample.txt into purchase days per sample id (1..2357), merging
// the transactions of one customer on one day as the customers package does.
func loadCDNOWDays(tb testing.TB) map[int][]Day {
	tb.Helper()
	f, err := os.Open(filepath.Join(cdnowDir(tb), "CDNOW_sample.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	out := map[int][]Day{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 5 {
			tb.Fatalf("CDNOW_sample.txt line %d: %d fields", line, len(fs))
		}
		id, err1 := strconv.Atoi(fs[1])
		date, err2 := time.Parse("20060102", fs[2])
		value, err3 := strconv.ParseFloat(fs[4], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			tb.Fatalf("CDNOW_sample.txt line %d: %v %v %v", line, err1, err2, err3)
		}
		day := DayOf(date)
		days := out[id]
		merged := false
		for i := range days {
			if days[i].Day == day {
				days[i].Value += value
				days[i].Orders++
				merged = true
			}
		}
		if !merged {
			days = append(days, Day{Day: day, Value: value, Orders: 1})
		}
		out[id] = days
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
