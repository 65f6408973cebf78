package customers

// OrderValue reads the value of an order (or of any goal event shaped like one) as the store
// does: properties.total, else revenue, else the sum of products; the currency ("" when the
// event names none). ok is false when the properties are not a valid order. results uses it
// to attribute revenue to campaigns exactly as the purchase summary counts it.
func OrderValue(props map[string]any) (amount float64, currency string, ok bool) {
	o, ferr := parseOrder(props)
	if ferr != nil {
		return 0, "", false
	}
	return float64(o.milli) / 1000, o.currency, true
}
