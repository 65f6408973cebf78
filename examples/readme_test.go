package examples_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readRows returns the data rows of a CSV file of the example base.
func readRows(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("customers", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows[1:]
}

// The documentation quotes the size of the example base; it must be the size of the files
// (it once said 6,259 past orders where `rapport import` read 4,762).
func TestReadmeFiguresAreThoseOfTheData(t *testing.T) {
	t.Parallel()
	customers, orders := readRows(t, "customers.csv"), readRows(t, "orders.csv")
	byCountry := map[string]int{}
	for _, r := range customers {
		byCountry[r[6]]++
	}
	buyers := map[string]bool{}
	for _, r := range orders {
		buyers[r[0]] = true
	}
	want := map[string]int{"customers": len(customers), "past orders": len(orders), "customers,": len(buyers)}
	figure := regexp.MustCompile(`([0-9][0-9,]*) (customers,?|past orders)`)
	for _, readme := range []string{"README.md", "customers/README.md"} {
		b, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, m := range figure.FindAllStringSubmatch(string(b), -1) {
			n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
			if err != nil {
				t.Fatal(err)
			}
			found++
			// "4,762 past orders from 1,139 customers," counts the customers who ordered.
			if w := want[m[2]]; n != w && !(m[2] == "customers" && n == len(buyers)) {
				t.Errorf("%s: %q, but the data has %d", readme, m[0], w)
			}
		}
		if found == 0 {
			t.Errorf("%s quotes no figure of the example base", readme)
		}
	}
	// The country table of customers/README.md.
	b, err := os.ReadFile("customers/README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| ([A-Z]{2}) \| ([0-9]+) \|`)
	rows := row.FindAllStringSubmatch(string(b), -1)
	if len(rows) != len(byCountry) {
		t.Errorf("customers/README.md lists %d countries, the data has %d", len(rows), len(byCountry))
	}
	for _, m := range rows {
		if n, _ := strconv.Atoi(m[2]); n != byCountry[m[1]] {
			t.Errorf("customers/README.md: %s has %d customers, the data %d", m[1], n, byCountry[m[1]])
		}
	}
}
