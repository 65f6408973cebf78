package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestCurrencyRatesLoadFromTheConfigTheEnvironmentAndTheRatesFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		yaml  string
		file  [2]string // name, content
		env   []string
		base  string
		rates Rates
	}{
		{name: "inline", yaml: "currency: {base: EUR, rates: {RUB: 0.0102, USD: 0.92}}\n",
			base: "EUR", rates: Rates{"RUB": 0.0102, "USD": 0.92}},
		{name: "none", yaml: "listen: 127.0.0.1:8080\n"},
		{name: "environment", yaml: "currency: {base: EUR}\n", env: []string{"RAPPORT_CURRENCY_RATES=RUB=0.0102, USD=0.92"},
			base: "EUR", rates: Rates{"RUB": 0.0102, "USD": 0.92}},
		{name: "YAML file under an inline rate that wins",
			yaml: "currency:\n  base: EUR\n  rates: {USD: 0.9}\n  rates_file: rates/today.yaml\n",
			file: [2]string{"rates/today.yaml", "base: EUR\nrates:\n  RUB: 0.0102\n  USD: 0.92\n"},
			base: "EUR", rates: Rates{"RUB": 0.0102, "USD": 0.9}},
		{name: "JSON file", yaml: "currency: {base: EUR, rates_file: rates.json}\n",
			file: [2]string{"rates.json", `{"rates": {"RUB": 0.0102, "GBP": 1.17}}`},
			base: "EUR", rates: Rates{"RUB": 0.0102, "GBP": 1.17}},
		{name: "CSV file with a header", yaml: "currency: {base: EUR, rates_file: rates.csv}\n",
			file: [2]string{"rates.csv", "currency,rate\n# from the bank, 2025-03-01\nRUB,0.0102\nUSD, 0.92\n"},
			base: "EUR", rates: Rates{"RUB": 0.0102, "USD": 0.92}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "rapport.yaml", tc.yaml)
			if tc.file[0] != "" {
				writeFile(t, dir, tc.file[0], tc.file[1])
			}
			c, err := Load(path, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Currency.Base != tc.base || !reflect.DeepEqual(c.Currency.Rates, tc.rates) {
				t.Fatalf("currency %+v, want base %s rates %v", c.Currency, tc.base, tc.rates)
			}
		})
	}
}

func TestBadCurrencyConfigurationIsRefusedNamingTheLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		yaml string
		file [2]string
		env  []string
		want string
	}{
		{name: "rates without a base", yaml: "currency:\n  rates: {RUB: 0.0102}\n",
			want: "rapport.yaml:1:1: currency.base: rates need a base currency"},
		{name: "base not a code", yaml: "currency: {base: Euro}\n",
			want: `rapport.yaml:1:18: currency.base: "Euro" is not an ISO 4217 currency code`},
		{name: "lower-case code", yaml: "currency:\n  base: EUR\n  rates:\n    rub: 0.0102\n",
			want: `rapport.yaml:4:10: currency.rates.rub: "rub" is not an ISO 4217 currency code in upper case`},
		{name: "zero rate", yaml: "currency:\n  base: EUR\n  rates:\n    RUB: 0\n",
			want: "rapport.yaml:4:10: currency.rates.RUB: rate 0 is not a positive number"},
		{name: "rate that is text", yaml: "currency:\n  base: EUR\n  rates:\n    RUB: cheap\n",
			want: `rapport.yaml:4:10: currency.rates.RUB: expected a number, got "cheap"`},
		{name: "base rate not 1", yaml: "currency: {base: EUR, rates: {EUR: 2}}\n",
			want: "currency.rates.EUR: the base currency's rate is 1, not 2"},
		{name: "environment", yaml: "currency: {base: EUR}\n", env: []string{"RAPPORT_CURRENCY_RATES=RUB=-1"},
			want: "currency.rates: rate -1 is not a positive number (set by RAPPORT_CURRENCY_RATES)"},
		{name: "YAML file into another base", yaml: "currency: {base: EUR, rates_file: r.yaml}\n",
			file: [2]string{"r.yaml", "base: USD\nrates: {RUB: 0.011}\n"},
			want: "r.yaml:1:7: base: the rates are into USD but currency.base is EUR"},
		{name: "YAML file with an unknown key", yaml: "currency: {base: EUR, rates_file: r.yaml}\n",
			file: [2]string{"r.yaml", "rates: {RUB: 0.011}\ndate: 2025-03-01\n"},
			want: "r.yaml:2:1: date: unknown key"},
		{name: "CSV row that is not a number", yaml: "currency: {base: EUR, rates_file: r.csv}\n",
			file: [2]string{"r.csv", "RUB,0.0102\nUSD,n/a\n"},
			want: `r.csv:2:5: USD: rate "n/a" is not a number`},
		{name: "CSV row with a bad code", yaml: "currency: {base: EUR, rates_file: r.csv}\n",
			file: [2]string{"r.csv", "RUB,0.0102\nXYZ,3\n"},
			want: `r.csv:2:1: XYZ: "XYZ" is not an ISO 4217 currency code`},
		{name: "missing file", yaml: "currency: {base: EUR, rates_file: nowhere.csv}\n",
			want: "currency.rates_file: open"},
		{name: "file of another kind", yaml: "currency: {base: EUR, rates_file: rates.txt}\n",
			file: [2]string{"rates.txt", "RUB 0.0102\n"},
			want: "want a .yaml, .yml, .json or .csv file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := writeFile(t, dir, "rapport.yaml", tc.yaml)
			if tc.file[0] != "" {
				writeFile(t, dir, tc.file[0], tc.file[1])
			}
			_, err := Load(path, tc.env)
			lines := errorLines(err, dir)
			if len(lines) == 0 || !strings.Contains(lines[0], tc.want) {
				t.Fatalf("error %q, want it to contain %q", lines, tc.want)
			}
		})
	}
}
