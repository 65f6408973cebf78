// Package predict holds the customer-base models: BG/NBD for purchase counts and P(alive),
// Gamma-Gamma for spend, customer lifetime value, RFM scores and lifecycle stages. It is pure
// math on gonum: no Redis, no clock reads (the as-of date is a parameter).
package predict

// Day is one purchase day of a customer: all orders of one UTC calendar day merged, as the
// literature counts them (two orders on one day are one purchase, their values summed).
type Day struct {
	// Day is the number of days since 1970-01-01 (UTC).
	Day int32
	// Value is the total spent that day.
	Value float64
	// Orders is how many orders were merged into the day.
	Orders int32
}
