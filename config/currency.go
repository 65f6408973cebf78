package config

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Currency is the shop's reporting currency and the rates that convert orders into it.
// Customers' money (revenue, CLV, the loyalty report) is counted in Base; an order in a
// currency without a rate is counted as an order but its value is left out of money totals,
// never converted 1:1.
type Currency struct {
	// Base is the ISO 4217 code of the reporting currency, e.g. EUR. Default none: each
	// customer's money is then in the currency of their latest order, and orders in other
	// currencies are left out of it.
	Base string `yaml:"base"`
	// Rates give what one unit of each currency is worth in Base: with base EUR,
	// {RUB: 0.0102} says a rouble is worth 0.0102 euros (the inverse of the "1 EUR = 98 RUB"
	// that most rate feeds publish). After Load it holds RatesFile's rates too; a rate
	// written here wins over the file's, so that one can be pinned by hand.
	Rates Rates `yaml:"rates"`
	// RatesFile is a file of rates refreshed by the operator, relative to rapport.yaml, read
	// with the configuration: YAML or JSON ({base: EUR, rates: {RUB: 0.0102}}, base optional
	// but checked when given) or CSV (currency,rate rows, header optional). Default none.
	RatesFile string `yaml:"rates_file"`
}

// Rates maps ISO 4217 codes to what one unit is worth in the base currency. From the
// environment: RAPPORT_CURRENCY_RATES=RUB=0.0102,USD=0.92.
type Rates map[string]float64

// ParseRates parses "RUB=0.0102,USD=0.92" (or RUB:0.0102).
func ParseRates(s string) (Rates, error) {
	r := Rates{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		code, num, ok := strings.Cut(item, "=")
		if !ok {
			code, num, ok = strings.Cut(item, ":")
		}
		if !ok {
			return nil, fmt.Errorf("rate %q: want CODE=RATE, e.g. RUB=0.0102", item)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil {
			return nil, fmt.Errorf("rate %q: %q is not a number", item, num)
		}
		r[strings.TrimSpace(code)] = v
	}
	return r, nil
}

// rateProblem returns what is wrong with one rate into base, "" when nothing.
func rateProblem(code string, v float64, base string) string {
	switch {
	case !isCurrencyCode(code):
		return fmt.Sprintf("%q is not an ISO 4217 currency code in upper case, such as RUB", code)
	case !(v > 0) || math.IsInf(v, 0):
		return fmt.Sprintf("rate %v is not a positive number", v)
	case code == base && v != 1:
		return fmt.Sprintf("the base currency's rate is 1, not %v", v)
	}
	return ""
}

func isCurrencyCode(c string) bool {
	u, err := currency.ParseISO(c)
	return err == nil && u.String() == c
}

// checkCurrency checks base and the rates written in rapport.yaml or the environment; the
// rates file is checked as it is read (loadRatesFile).
func (k *configChecker) checkCurrency() {
	c := k.c.Currency
	if c.Base != "" && !isCurrencyCode(c.Base) {
		k.errorf("currency.base", "%q is not an ISO 4217 currency code in upper case, such as EUR", c.Base)
	}
	if c.Base == "" && (len(c.Rates) > 0 || c.RatesFile != "") {
		k.errorf("currency.base", "rates need a base currency to convert into, e.g. base: EUR")
		return
	}
	codes := make([]string, 0, len(c.Rates))
	for code := range c.Rates {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		if msg := rateProblem(code, c.Rates[code], c.Base); msg != "" {
			path := "currency.rates." + code
			if k.c.origin != nil {
				if _, fromEnv := k.c.origin.env["currency.rates"]; fromEnv {
					path = "currency.rates"
				}
			}
			k.errorf(path, "%s", msg)
		}
	}
}

// ratesFile is a YAML or JSON rates file.
type ratesFile struct {
	Base  string `yaml:"base"`
	Rates Rates  `yaml:"rates"`
}

// loadRatesFile reads currency.rates_file and merges its rates under those written in
// rapport.yaml. Errors name the file and the line.
func (c *Config) loadRatesFile() error {
	if c.Currency.RatesFile == "" {
		return nil
	}
	path := c.Dir(c.Currency.RatesFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("currency.rates_file: %w", err)
	}
	var rates Rates
	var errs ErrorList
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		rates, errs = parseRatesCSV(path, data, c.Currency.Base)
	case ".yaml", ".yml", ".json":
		rates, errs = parseRatesYAML(path, data, c.Currency.Base)
	default:
		return fmt.Errorf("currency.rates_file: %s: want a .yaml, .yml, .json or .csv file", path)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	merged := make(Rates, len(rates)+len(c.Currency.Rates))
	for code, v := range rates {
		merged[code] = v
	}
	for code, v := range c.Currency.Rates {
		merged[code] = v // written in rapport.yaml: pinned by hand
	}
	c.Currency.Rates = merged
	return nil
}

func parseRatesYAML(path string, data []byte, base string) (Rates, ErrorList) {
	d, body := parseDoc(path, data)
	var f ratesFile
	if body != nil {
		d.decode(body, reflect.ValueOf(&f).Elem(), "")
	}
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	if f.Base != "" && f.Base != base {
		d.errorAt("base", "the rates are into %s but currency.base is %s", f.Base, base)
	}
	for code, v := range f.Rates {
		if msg := rateProblem(code, v, base); msg != "" {
			d.errorAt("rates."+code, "%s", msg)
		}
	}
	return f.Rates, d.errs
}

func parseRatesCSV(path string, data []byte, base string) (Rates, ErrorList) {
	r := csv.NewReader(strings.NewReader(string(data)))
	r.FieldsPerRecord = 2
	r.TrimLeadingSpace = true
	r.Comment = '#'
	rates := Rates{}
	var errs ErrorList
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				errs.add(path, Pos{Line: perr.Line, Col: perr.Column}, "", "%v", perr.Err)
				continue
			}
			errs.add(path, Pos{}, "", "%v", err)
			break
		}
		line, col := r.FieldPos(1)
		code, num := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first && strings.EqualFold(code, "currency") {
			continue // the header
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			errs.add(path, Pos{Line: line, Col: col}, code, "rate %q is not a number", num)
			continue
		}
		if _, dup := rates[code]; dup {
			errs.add(path, Pos{Line: line, Col: 1}, code, "a second rate for %s", code)
			continue
		}
		if msg := rateProblem(code, v, base); msg != "" {
			errs.add(path, Pos{Line: line, Col: 1}, code, "%s", msg)
			continue
		}
		rates[code] = v
	}
	return rates, errs
}
