package customers

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/predict"
)

const msPerDay = 24 * 60 * 60 * 1000

// orderDay is the orders of one UTC day in one currency: money in thousandths of that
// currency, so that sums are exact.
type orderDay struct {
	day    int32
	cur    int // index into orderLog.currencies
	orders int32
	milli  int64
}

// orderLog is everything the store keeps about a customer's orders. The purchase summary is
// derived from it on read, never stored: every part of it is a sum, a minimum, a maximum or
// the attributes of the latest order by event time, so historical, out-of-order and replayed
// orders give exactly the same summary as orders that arrived in time.
//
// Money is kept per currency and never added across currencies here: the conversion into
// the shop's reporting currency (Money) happens on read, with the rates of the moment.
type orderLog struct {
	// currencies are the distinct currencies of the orders, sorted ("" for orders that
	// named none); a customer has one in all but a few cases.
	currencies []string
	days       []orderDay // sorted by day then currency, one entry per UTC day and currency
	// firstAt and lastAt are the event times (unix ms) of the first and last order.
	firstAt, lastAt int64
	// lastRank breaks ties between orders with the same lastAt so that the winner does not
	// depend on arrival order: the order whose dedupe member hashes higher is the last one.
	lastRank   uint32
	lastMilli  int64
	lastCur    int // index into currencies of the last order's currency
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

// currencyIndex returns the index of cur in l.currencies, inserting it in sorted place (and
// renumbering the days and the last order) when it is new.
func (l *orderLog) currencyIndex(cur string) int {
	i, found := slices.BinarySearch(l.currencies, cur)
	if found {
		return i
	}
	l.currencies = slices.Insert(l.currencies, i, cur)
	for k := range l.days {
		if l.days[k].cur >= i {
			l.days[k].cur++
		}
	}
	if len(l.days) > 0 && l.lastCur >= i {
		l.lastCur++
	}
	// Keep the days sorted by (day, currency): renumbering preserves the order, since every
	// index at or above i moved up by one.
	return i
}

// add merges one order at event time at (unix ms) into the log.
func (l *orderLog) add(at int64, rank uint32, o order) {
	first := len(l.days) == 0
	cur := l.currencyIndex(o.currency)
	day := dayOf(at)
	i := sort.Search(len(l.days), func(i int) bool {
		d := l.days[i]
		return d.day > day || (d.day == day && d.cur >= cur)
	})
	if i < len(l.days) && l.days[i].day == day && l.days[i].cur == cur {
		l.days[i].orders++
		l.days[i].milli += o.milli
	} else {
		l.days = slices.Insert(l.days, i, orderDay{day: day, cur: cur, orders: 1, milli: o.milli})
	}
	if first || at < l.firstAt {
		l.firstAt = at
	}
	if first || at > l.lastAt || (at == l.lastAt && rank > l.lastRank) {
		l.lastAt, l.lastRank, l.lastMilli, l.lastCur = at, rank, o.milli, cur
		l.coupon, l.categories = o.coupon, o.categories
	}
}

// view derives the purchase summary and the purchase days as the models take them, with
// money converted by m; unconverted is called with each currency left out of money totals.
//
// Summary: Orders, the order times and the spending cycle count every order whatever its
// currency. Currency is m.Base, or without one the currency of the latest order; Revenue
// (and LastOrderTotal) is in Currency: the sum of every order that converts into it.
// ByCurrency is the total of each currency as ordered; Unconverted the totals left out of
// Revenue, because their currency has no rate. GapMeanDays is the mean number of days between
// consecutive purchase days; GapStdDays their sample standard deviation (n-1), 0 with fewer
// than two gaps.
//
// An order that names no currency is in m.Base, or without a base in the one currency the
// customer's other orders name (see Money.resolver).
//
// Days: one per UTC day with orders, its value in daysCurrency: Currency when at least one
// order converts into it, else (every order in currencies without a rate) the latest order's
// currency unconverted, so that the models can still value such a customer on the price
// level of that currency. An order that does not convert into daysCurrency adds its day and
// its count but nothing to the day's value.
func (l *orderLog) view(m *Money, unconverted func(string)) (s decide.Summary, days []predict.Day, daysCurrency string) {
	if len(l.days) == 0 {
		return s, nil, ""
	}
	resolve := m.resolver(l.currencies)
	last := resolve(l.currencies[l.lastCur])
	s.Currency = m.Base
	if s.Currency == "" {
		s.Currency = last
	}
	totals := make([]int64, len(l.currencies))
	for _, d := range l.days {
		s.Orders += int(d.orders)
		totals[d.cur] += d.milli
	}
	s.ByCurrency = make(map[string]float64, len(l.currencies))
	rates := make([]float64, len(l.currencies)) // into s.Currency; 0: no rate
	converted := false
	for i, c := range l.currencies {
		c = resolve(c)
		s.ByCurrency[c] += float64(totals[i]) / 1000
		if r, ok := m.rate(c, s.Currency); ok {
			rates[i], converted = r, true
			s.Revenue += float64(totals[i]) / 1000 * r
			continue
		}
		if s.Unconverted == nil {
			s.Unconverted = map[string]float64{}
		}
		s.Unconverted[c] += float64(totals[i]) / 1000
		if unconverted != nil {
			unconverted(c)
		}
	}
	s.Revenue = roundMilli(s.Revenue)
	s.LastOrderTotal = roundMilli(float64(l.lastMilli) / 1000 * rates[l.lastCur])

	daysCurrency = s.Currency
	if !converted {
		daysCurrency = last
		for i, c := range l.currencies {
			rates[i] = 0
			if resolve(c) == last {
				rates[i] = 1
			}
		}
	}
	days = make([]predict.Day, 0, len(l.days))
	for _, d := range l.days {
		v := float64(d.milli) / 1000 * rates[d.cur]
		if n := len(days); n > 0 && days[n-1].Day == d.day {
			days[n-1].Value += v
			days[n-1].Orders += d.orders
			continue
		}
		days = append(days, predict.Day{Day: d.day, Value: v, Orders: d.orders})
	}
	for i := range days {
		days[i].Value = roundMilli(days[i].Value) // idempotent on amounts in thousandths
	}

	s.FirstOrderAt = time.UnixMilli(l.firstAt).UTC()
	s.LastOrderAt = time.UnixMilli(l.lastAt).UTC()
	s.LastCoupon = l.coupon
	if len(l.categories) > 0 {
		s.LastCategories = append([]string(nil), l.categories...)
	}
	if n := len(days) - 1; n >= 1 {
		span := float64(days[n].Day - days[0].Day)
		s.GapMeanDays = span / float64(n)
		if n >= 2 {
			var ss float64
			for i := 1; i <= n; i++ {
				g := float64(days[i].Day-days[i-1].Day) - s.GapMeanDays
				ss += g * g
			}
			s.GapStdDays = math.Sqrt(ss / float64(n-1))
		}
	}
	return s, days, daysCurrency
}
