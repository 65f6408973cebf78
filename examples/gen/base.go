package main

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// customer is one row of customers.csv plus what the generator knows about their habits.
type customer struct {
	ID, Email, Phone                string
	FirstName, LastName, Birthday   string
	Country, Timezone, Locale, Tier string
	ConsentEmail, ConsentSMS        bool

	country *country
	loc     *time.Location
	// Habits: days between orders on average, average order in dollars, favourite local hour.
	gapDays, basketUSD float64
	hour               int
	orders             []order
}

// order is one row of orders.csv. Amounts are in minor units of the currency (cents; whole
// roubles and yen), so totals add up exactly.
type order struct {
	UserID   string
	At       time.Time
	Total    int64
	ID       string
	Currency string
	Coupon   string
}

// base is the whole synthetic customer base.
type base struct {
	customers []*customer
	orders    []*order
}

func newBase(r *rand.Rand) *base {
	b := &base{}
	seq := 0
	for ci := range countries {
		c := &countries[ci]
		for i := range c.Count {
			seq++
			b.customers = append(b.customers, newCustomer(r, c, seq, i))
		}
	}
	for _, cu := range b.customers {
		cu.orders = history(r, cu)
	}
	assignTiers(r, b.customers)
	b.numberOrders()
	return b
}

func newCustomer(r *rand.Rand, c *country, seq, inCountry int) *customer {
	cu := &customer{
		ID:       fmt.Sprintf("u%04d", seq),
		Email:    fmt.Sprintf("user%04d@example.com", seq),
		Country:  c.Code,
		Timezone: pickZone(r, c.Zones),
		Locale:   c.Locale,
		country:  c,
	}
	loc, err := time.LoadLocation(cu.Timezone)
	if err != nil {
		panic(err) // the zones above are constants; time/tzdata is embedded
	}
	cu.loc = loc

	female := r.IntN(2) == 0
	if female {
		cu.FirstName = pick(r, c.Names.Female)
	} else {
		cu.FirstName = pick(r, c.Names.Male)
	}
	cu.LastName = pick(r, c.Names.Last)
	if c.Names.DoubleLast {
		second := pick(r, c.Names.Last)
		for second == cu.LastName {
			second = pick(r, c.Names.Last)
		}
		cu.LastName += " " + second
	}
	if female && c.Names.Feminine != nil {
		cu.LastName = c.Names.Feminine(cu.LastName)
	}

	e164, national := c.Phone(r, inCountry, cu.Timezone)
	switch x := r.Float64(); {
	case x < 0.08: // no phone on file
	case x < 0.33:
		cu.Phone = national // as typed into a form; the importer normalises it with the country
	default:
		cu.Phone = e164
	}
	cu.Birthday = birthday(r, seq)

	// About 5% agreed to nothing; of the rest nearly all take email and about 40% texts.
	if r.Float64() >= 0.05 {
		cu.ConsentEmail = r.Float64() < 0.95
		cu.ConsentSMS = cu.Phone != "" && r.Float64() < 0.45
		if !cu.ConsentEmail && !cu.ConsentSMS {
			cu.ConsentEmail = true
		}
	}

	// Habits. Gaps between orders are log-normal around 50 days; baskets around 55 dollars.
	cu.gapDays = clamp(50*math.Exp(0.6*r.NormFloat64()), 10, 240)
	cu.basketUSD = clamp(55*math.Exp(0.55*r.NormFloat64()), 12, 600)
	cu.hour = pick(r, []int{8, 12, 13, 18, 19, 20, 20, 21, 21, 22})
	return cu
}

// birthday is a date of birth for an adult, or "" for about one customer in nine. A few are
// born on 29 February, to show how yearly greetings handle them.
func birthday(r *rand.Rand, seq int) string {
	if seq%97 == 13 {
		return fmt.Sprintf("%d-02-29", pick(r, []int{1972, 1980, 1988, 1992, 1996, 2000, 2004}))
	}
	if r.Float64() < 0.11 {
		return ""
	}
	year := reference.Year() - 18 - r.IntN(58)
	day := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
	return day.Format(time.DateOnly)
}

// history draws a customer's orders over the two years before the reference date, the way
// customer-base models see a shop ("buy till you die"): a first order, then gaps from a gamma
// distribution around the customer's own mean gap (a regular rhythm with some noise), and
// after every purchase a chance to leave for good. That chance is the customer's own, drawn
// from Beta(1, 3) (a quarter on average): some customers leave after their first order, some
// stay for years, which is what lets `rapport predict fit` tell them apart. A base where every
// customer had the same chance would make the dropout part of the model unidentifiable, and
// the fit would rightly refuse it. One customer in ten never ordered.
func history(r *rand.Rand, cu *customer) []order {
	if r.Float64() < 0.10 {
		return nil
	}
	start := reference.AddDate(0, 0, -730)
	at := start.Add(time.Duration(r.Float64() * float64(reference.Sub(start))))
	out := []order{newOrder(r, cu, at, true)}
	x, y := r.ExpFloat64(), r.ExpFloat64()+r.ExpFloat64()+r.ExpFloat64()
	leave := x / (x + y) // Beta(1, 3)
	for len(out) < 20 {
		if r.Float64() < leave {
			break
		}
		// Gamma(3, gap/3): the sum of three exponential draws.
		gap := cu.gapDays / 3 * (r.ExpFloat64() + r.ExpFloat64() + r.ExpFloat64())
		at = at.Add(time.Duration(math.Max(gap, 1) * 24 * float64(time.Hour)))
		if !at.Before(reference) {
			break
		}
		out = append(out, newOrder(r, cu, at, false))
	}
	return out
}

// newOrder places an order on the day of at, at the customer's favourite local hour give or
// take, with a basket around their usual spend.
func newOrder(r *rand.Rand, cu *customer, at time.Time, first bool) order {
	local := at.In(cu.loc)
	hour := cu.hour + int(math.Round(1.5*r.NormFloat64()))
	hour = int(clamp(float64(hour), 7, 23))
	placed := time.Date(local.Year(), local.Month(), local.Day(), hour, r.IntN(60), r.IntN(60), 0, cu.loc)
	usd := cu.basketUSD * math.Exp(0.35*r.NormFloat64())
	return order{
		UserID:   cu.ID,
		At:       placed.UTC(),
		Total:    minorUnits(usd, cu.country.Money),
		Currency: cu.country.Money.Code,
		Coupon:   coupon(r, placed, first),
	}
}

// coupon is the code a customer used, if any: welcome codes on first orders, seasonal ones
// in season, Black Friday at the end of November.
func coupon(r *rand.Rand, at time.Time, first bool) string {
	x := r.Float64()
	switch {
	case first && x < 0.15:
		return "WELCOME10"
	case at.Month() == time.November && at.Day() >= 20 && x < 0.30:
		return "BLACKFRIDAY25"
	case at.Month() >= time.March && at.Month() <= time.May && x < 0.06:
		return "SPRING15"
	case at.Month() >= time.June && at.Month() <= time.August && x < 0.06:
		return "SUMMER20"
	case x < 0.03:
		return "LOYAL5"
	}
	return ""
}

// assignTiers makes the top spenders gold (about 15%) and the next silver (about 25%),
// ranked by dollar spend with a little noise, as a loyalty programme would have it.
func assignTiers(r *rand.Rand, cs []*customer) {
	type ranked struct {
		c     *customer
		score float64
	}
	rs := make([]ranked, len(cs))
	for i, c := range cs {
		spent := 0.0
		for _, o := range c.orders {
			spent += float64(o.Total) / math.Pow10(c.country.Money.Decimals) / c.country.Money.PerUSD
		}
		rs[i] = ranked{c, spent * math.Exp(0.25*r.NormFloat64())}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(b.score, a.score) })
	for i, x := range rs {
		switch {
		case len(x.c.orders) == 0:
			x.c.Tier = "standard"
		case i < len(rs)*15/100:
			x.c.Tier = "gold"
		case i < len(rs)*40/100:
			x.c.Tier = "silver"
		default:
			x.c.Tier = "standard"
		}
	}
}

// numberOrders sorts every order by time and numbers them in that order, as a shop's order
// ids grow.
func (b *base) numberOrders() {
	for _, c := range b.customers {
		for i := range c.orders {
			b.orders = append(b.orders, &c.orders[i])
		}
	}
	slices.SortStableFunc(b.orders, func(x, y *order) int { return x.At.Compare(y.At) })
	for i, o := range b.orders {
		o.ID = fmt.Sprintf("o%06d", 100001+i)
	}
}

func (b *base) nextOrderID() int { return 100001 + len(b.orders) }

func (b *base) writeCustomers(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"userId", "email", "phone", "firstName", "lastName", "birthday", "country", "timezone", "locale", "consent_email", "consent_sms", "tier"})
	for _, c := range b.customers {
		cw.Write([]string{c.ID, c.Email, c.Phone, c.FirstName, c.LastName, c.Birthday, c.Country, c.Timezone, c.Locale,
			strconv.FormatBool(c.ConsentEmail), strconv.FormatBool(c.ConsentSMS), c.Tier})
	}
	cw.Flush()
	return cw.Error()
}

func (b *base) writeOrders(w io.Writer) error {
	dec := map[string]int{}
	for _, c := range countries {
		dec[c.Money.Code] = c.Money.Decimals
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"userId", "timestamp", "total", "order_id", "currency", "coupon"})
	for _, o := range b.orders {
		cw.Write([]string{o.UserID, o.At.Format(time.RFC3339), formatMinor(o.Total, dec[o.Currency]), o.ID, o.Currency, o.Coupon})
	}
	cw.Flush()
	return cw.Error()
}

func (b *base) summary(w io.Writer) {
	perCountry := map[string]int{}
	tiers := map[string]int{}
	var email, sms, neither, leap, noBirthday, noOrders int
	for _, c := range b.customers {
		perCountry[c.Country]++
		tiers[c.Tier]++
		switch {
		case c.ConsentEmail && c.ConsentSMS:
			email++
			sms++
		case c.ConsentEmail:
			email++
		case c.ConsentSMS:
			sms++
		default:
			neither++
		}
		if len(c.Birthday) == 10 && c.Birthday[5:] == "02-29" {
			leap++
		}
		if c.Birthday == "" {
			noBirthday++
		}
		if len(c.orders) == 0 {
			noOrders++
		}
	}
	fmt.Fprintf(w, "customers: %d %v\ntiers: %v\nconsent: email %d, sms %d, neither %d\nbirthdays: %d on 29 February, %d unknown\norders: %d (%d customers without any)\n",
		len(b.customers), perCountry, tiers, email, sms, neither, leap, noBirthday, len(b.orders), noOrders)
}

// minorUnits converts a dollar amount into the currency's minor units, rounded as a shop
// rounds: cents, whole yuan, tens of roubles and yen.
func minorUnits(usd float64, m currency) int64 {
	v := usd * m.PerUSD
	switch m.Code {
	case "RUB", "JPY":
		return int64(math.Round(v/10) * 10)
	}
	return int64(math.Round(v * math.Pow10(m.Decimals)))
}

// formatMinor writes minor units as a plain decimal: 4599 with 2 decimals is "45.99".
func formatMinor(v int64, decimals int) string {
	if decimals == 0 {
		return strconv.FormatInt(v, 10)
	}
	p := int64(math.Pow10(decimals))
	return fmt.Sprintf("%d.%0*d", v/p, decimals, v%p)
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
