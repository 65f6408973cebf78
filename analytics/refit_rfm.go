package analytics

import "github.com/rapporthq/rapport/predict"

// RFMBase holds every customer's RFM values and currency for the RFM cut points of a refit:
// 26 bytes a customer (the values and a 2-byte index into the currencies seen), since the
// quintiles need the whole population.
//
// Monetary is a total spend in the customer's currency. In a base in several currencies
// the cut points are taken on totals divided by the currency's price level
// (Model.SpendScales), as the Gamma-Gamma spends are, and a customer's total is divided
// the same way when scored: otherwise every yen customer would score M = 5 and every pound
// customer M = 1.
type RFMBase struct {
	values []predict.RFMValues
	cur    []uint16
	names  []string
	index  map[string]uint16
}

// Add counts one customer. ISO 4217 has fewer than 300 codes, far below the index's 65,536;
// a currency beyond it is counted without one (its totals are not scaled).
func (b *RFMBase) Add(v predict.RFMValues, currency string) {
	if b.index == nil {
		b.index = map[string]uint16{}
	}
	i, ok := b.index[currency]
	if !ok && len(b.names) < 1<<16-1 {
		i = uint16(len(b.names))
		b.index[currency] = i
		b.names = append(b.names, currency)
	} else if !ok {
		i = 1<<16 - 1
	}
	b.values = append(b.values, v)
	b.cur = append(b.cur, i)
}

// Len returns how many customers were added.
func (b *RFMBase) Len() int {
	if b == nil {
		return 0
	}
	return len(b.values)
}

// scaled returns the values with each Monetary divided by the scale of the customer's
// currency in scales; a currency without a scale keeps its total. With no scales (a base
// without currencies) it returns the values as they are.
func (b *RFMBase) scaled(scales map[string]float64) []predict.RFMValues {
	if len(scales) == 0 {
		return b.values
	}
	ks := make([]float64, len(b.names))
	for i, c := range b.names {
		ks[i] = 1
		if k, ok := scales[c]; ok {
			ks[i] = k
		}
	}
	out := make([]predict.RFMValues, len(b.values))
	for i, v := range b.values {
		if c := int(b.cur[i]); c < len(ks) {
			v.Monetary /= ks[c]
		}
		out[i] = v
	}
	return out
}
