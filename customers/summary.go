package customers

import (
	"math"
	"sort"
	"time"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/predict"
)

const msPerDay = 24 * 60 * 60 * 1000

// orderDay is a predict.Day as stored: money in thousandths, so that sums are exact.
type orderDay struct {
	day    int32
	orders int32
	milli  int64
}

// orderLog is everything the store keeps about a customer's orders. The purchase summary is
// derived from it on read, never stored: every part of it is a sum, a minimum, a maximum or
// the attributes of the latest order by event time, so historical, out-of-order and replayed
// orders give exactly the same summary as orders that arrived in time.
type orderLog struct {
	days []orderDay // sorted by day, one entry per UTC day with orders
	// firstAt and lastAt are the event times (unix ms) of the first and last order.
	firstAt, lastAt int64
	// lastRank breaks ties between orders with the same lastAt so that the winner does not
	// depend on arrival order: the order whose dedupe member hashes higher is the last one.
	lastRank   uint32
	lastMilli  int64
	currency   string
	coupon     string
	categories []string
}

// dayOf returns the UTC day number of a unix-ms instant, rounding down before 1970 too.
func dayOf(ms int64) int32 {
	d := ms / msPerDay
	if ms%msPerDay < 0 {
		d--
	}
	return int32(d)
}

// add merges one order at event time at (unix ms) into the log.
func (l *orderLog) add(at int64, rank uint32, o order) {
	day := dayOf(at)
	i := sort.Search(len(l.days), func(i int) bool { return l.days[i].day >= day })
	if i < len(l.days) && l.days[i].day == day {
		l.days[i].orders++
		l.days[i].milli += o.milli
	} else {
		l.days = append(l.days, orderDay{})
		copy(l.days[i+1:], l.days[i:])
		l.days[i] = orderDay{day: day, orders: 1, milli: o.milli}
	}
	first := len(l.days) == 1 && l.days[0].orders == 1
	if first || at < l.firstAt {
		l.firstAt = at
	}
	if first || at > l.lastAt || (at == l.lastAt && rank > l.lastRank) {
		l.lastAt, l.lastRank, l.lastMilli = at, rank, o.milli
		l.currency, l.coupon, l.categories = o.currency, o.coupon, o.categories
	}
}

// predictDays returns the purchase days as the models take them.
func (l *orderLog) predictDays() []predict.Day {
	if len(l.days) == 0 {
		return nil
	}
	out := make([]predict.Day, len(l.days))
	for i, d := range l.days {
		out[i] = predict.Day{Day: d.day, Value: float64(d.milli) / 1000, Orders: d.orders}
	}
	return out
}

// summary derives the purchase summary. GapMeanDays is the mean number of days between
// consecutive purchase days; GapStdDays their sample standard deviation (n-1), 0 with fewer
// than two gaps. Revenue sums every order whatever its currency: Rapport does not convert.
func (l *orderLog) summary() decide.Summary {
	var s decide.Summary
	if len(l.days) == 0 {
		return s
	}
	var milli int64
	for _, d := range l.days {
		s.Orders += int(d.orders)
		milli += d.milli
	}
	s.Revenue = float64(milli) / 1000
	s.FirstOrderAt = time.UnixMilli(l.firstAt).UTC()
	s.LastOrderAt = time.UnixMilli(l.lastAt).UTC()
	s.Currency = l.currency
	s.LastCoupon = l.coupon
	s.LastOrderTotal = float64(l.lastMilli) / 1000
	if len(l.categories) > 0 {
		s.LastCategories = append([]string(nil), l.categories...)
	}
	if n := len(l.days) - 1; n >= 1 {
		span := float64(l.days[n].day - l.days[0].day)
		s.GapMeanDays = span / float64(n)
		if n >= 2 {
			var ss float64
			for i := 1; i <= n; i++ {
				g := float64(l.days[i].day-l.days[i-1].day) - s.GapMeanDays
				ss += g * g
			}
			s.GapStdDays = math.Sqrt(ss / float64(n-1))
		}
	}
	return s
}
