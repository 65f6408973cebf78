package customers

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/text/currency"
)

// Money is the shop's reporting currency and the rates that convert order values into it.
// The store keeps every order in its own currency and converts on read, so that a new rate
// applies to every customer at once and nothing is ever lost by a conversion.
type Money struct {
	// Base is the ISO 4217 code of the reporting currency (config currency.base). Empty
	// means none: each customer's money is then counted in the currency of their latest
	// order, and orders in any other currency are left out of it (Summary.Unconverted).
	Base string
	// Rates give, per ISO 4217 code, what one unit is worth in Base (RUB: 0.0102 when a
	// rouble is worth 0.0102 euros). Base itself is always 1. A currency without a rate is
	// never converted: its orders are counted (orders, recency, frequency) but their value
	// is left out of every money total and shown in Summary.Unconverted.
	Rates map[string]float64
}

// Validate reports a Money that cannot convert: codes that are not upper-case ISO 4217 (as
// orders are stored), rates that are not positive finite numbers, rates without a base.
func (m Money) Validate() error {
	if m.Base == "" {
		if len(m.Rates) > 0 {
			return fmt.Errorf("currency rates need a base currency to convert into")
		}
		return nil
	}
	if !isCurrencyCode(m.Base) {
		return fmt.Errorf("currency base %q is not an ISO 4217 code such as EUR", m.Base)
	}
	codes := make([]string, 0, len(m.Rates))
	for c := range m.Rates {
		codes = append(codes, c)
	}
	slices.Sort(codes) // the first problem reported is the same on every run
	for _, c := range codes {
		r := m.Rates[c]
		switch {
		case !isCurrencyCode(c):
			return fmt.Errorf("currency rate %q: not an ISO 4217 code such as RUB", c)
		case !(r > 0) || math.IsInf(r, 0):
			return fmt.Errorf("currency rate %s: %v is not a positive number", c, r)
		case c == m.Base && r != 1:
			return fmt.Errorf("currency rate %s: the base currency's rate is 1, not %v", c, r)
		}
	}
	return nil
}

// isCurrencyCode reports an ISO 4217 code in the form parseOrder stores.
func isCurrencyCode(c string) bool {
	u, err := currency.ParseISO(c)
	return err == nil && u.String() == c
}

// rate returns what one unit of cur is worth in target, where target is m.Base or, without a
// base, the customer's own currency. An order without a currency ("") is in the base.
func (m *Money) rate(cur, target string) (float64, bool) {
	if cur == target {
		return 1, true
	}
	if m.Base == "" || target != m.Base {
		return 0, false
	}
	r, ok := m.Rates[cur]
	return r, ok && r > 0 && !math.IsInf(r, 0)
}

// resolver returns the function that gives the currency an order of l is counted in: its
// own, or for an order that names none (a shop in one currency often never sends it) Base,
// or without a base the one currency the customer's other orders name, if they name one.
func (m *Money) resolver(currencies []string) func(string) string {
	own := m.Base
	if own == "" && len(currencies) == 2 && currencies[0] == "" {
		own = currencies[1] // sorted: "" first
	}
	return func(cur string) string {
		if cur == "" {
			return own
		}
		return cur
	}
}

// converter is the Money a store converts with, and the warnings it has given: a currency
// without a rate is logged once per process and currency, not on every read of a profile
// (a fan-out reads tens of thousands a second). Currency codes are validated ISO 4217
// (parseOrder), so the set of warnings is bounded by the standard's ~180 codes.
type converter struct {
	Money
	log    *zap.Logger
	warned sync.Map // currency -> struct{}
}

// unconverted reports a currency whose orders were left out of money totals.
func (c *converter) unconverted(cur string) {
	if c == nil || c.log == nil {
		return
	}
	if _, seen := c.warned.LoadOrStore(cur, struct{}{}); seen {
		return
	}
	if c.Base == "" {
		c.log.Warn("customers have orders in several currencies and no currency.base is configured: "+
			"each customer's money is counted in the currency of their latest order, orders in other currencies are left out of money totals",
			zap.String("currency", cur))
		return
	}
	c.log.Warn("orders in a currency without a rate: counted as orders, their value left out of money totals; add it to currency.rates",
		zap.String("currency", cur), zap.String("base", c.Base))
}

// roundMilli rounds a converted amount to thousandths, the precision orders are kept in, so
// that a rate such as 0.0102 gives 431.562 and not 431.56199999999995.
func roundMilli(v float64) float64 { return math.Round(v*1000) / 1000 }
