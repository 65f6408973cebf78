package customers

// OrderCoupon is what an Order Completed tells a coupon ledger: the coupon code it presents
// (properties.coupon, "" when none), its total, currency and order id, read as the purchase
// summary reads them (parseOrder). ok is false for another event or properties the summary
// refused.
func OrderCoupon(ev *Event) (code string, total float64, currency, orderID string, ok bool) {
	if ev.Type != TypeTrack || ev.Event != OrderCompleted {
		return "", 0, "", "", false
	}
	o, ferr := parseOrder(ev.Properties)
	if ferr != nil {
		return "", 0, "", "", false
	}
	return o.coupon, float64(o.milli) / 1000, o.currency, o.id, true
}
