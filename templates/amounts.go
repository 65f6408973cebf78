package templates

import (
	"fmt"
	"math"
	"strings"

	"golang.org/x/text/currency"
	"golang.org/x/text/number"

	"github.com/rapporthq/rapport/config"
)

// symbolOverrides are currency symbols where golang.org/x/text's CLDR 32 tables differ from
// what shops of the language print: they give Chinese the full-width ￥ for the yuan, which
// later CLDR versions and Chinese shops write ¥ (¥88, not ￥88.00).
var symbolOverrides = map[string]string{"zh CNY": "¥"}

// percent formats a fraction as a percentage the locale's way: 15% in English, 15 % in German
// and Russian, ۱۵٪ in Persian; at most two decimals, or exactly decimals[0] when given.
func (l *lang) percent(v any, decimals []int) (string, error) {
	f, ok, err := toFloat(v)
	if err != nil {
		return "", fmt.Errorf("percent: %w", err)
	}
	if !ok {
		return toString(v), nil
	}
	minD, maxD := 0, 2
	if len(decimals) == 1 {
		if decimals[0] < 0 || decimals[0] > 12 {
			return "", fmt.Errorf("percent: %d decimals (want 0 to 12)", decimals[0])
		}
		minD, maxD = decimals[0], decimals[0]
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", nil
	}
	return l.printer.Sprint(number.Percent(f, number.MinFractionDigits(minD), number.MaxFractionDigits(maxD))), nil
}

// amount writes a reward value as campaigns give it ("10%", "88 CNY", "5", "200") in the
// locale: 10 % and 88,00 ₽ in Russian, ۱۰٪ in Persian, ¥88 in Chinese. A value without a
// currency ("5", points) is a number, or money in currency when one is passed (a coupon of
// "5" is worth 5 in the order's currency). A whole amount drops its minor units, ¥88 rather
// than ¥88.00: a reward is a round figure the marketer chose, and .00 makes it read like a
// price. A value that is not one of these forms is written as given, since it comes from data.
func (l *lang) amount(v any, currency []any) (string, error) {
	if len(currency) > 1 {
		return "", fmt.Errorf("amount takes a value and at most one currency, got %d", len(currency))
	}
	s, isString := v.(string)
	if !isString {
		f, ok, err := toFloat(v)
		if err != nil {
			return "", fmt.Errorf("amount: %w", err)
		}
		if !ok {
			return toString(v), nil
		}
		s = fmt.Sprint(f)
	}
	c, err := config.ParseCoupon(s)
	if err != nil {
		return strings.TrimSpace(s), nil
	}
	if c.Percent > 0 {
		return l.percent(float64(c.Percent), nil)
	}
	code := c.Currency
	if code == "" && len(currency) == 1 {
		code = toString(currency[0])
	}
	if strings.TrimSpace(code) == "" {
		return l.number(c.Amount, nil)
	}
	if c.Amount == math.Trunc(c.Amount) {
		return l.moneyScale(c.Amount, code, 0)
	}
	return l.money(c.Amount, code)
}

// symbolFor is currencySymbol with symbolOverrides.
func (l *lang) symbolFor(u currency.Unit) string {
	if s, ok := symbolOverrides[l.base+" "+u.String()]; ok {
		return s
	}
	return l.currencySymbol(u)
}
