package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
)

// The stream that `rapport demo` plays at start-up. Each line is a Segment identify or track
// call without a timestamp (the demo stamps them as it plays them), chosen so that every
// example campaign has something to do:
//
//   - a gold and two other loyal customers per template language: thank-you, both variants;
//   - new customers (identify, then their first order) and customers who had never ordered:
//     welcome;
//   - large orders from VIP and other customers: big-order, both variants;
//   - a loyal customer who only agreed to texts (thank-you by SMS), one who agreed to nothing
//     (nothing is sent, and the reason is recorded), and an order below the thank-you minimum;
//   - two replays of the same messageId, which change nothing.

const streamTracks = 60 // track lines, replays included

// Bars mirrored from the example campaigns, in US dollars: an order of at least bigOrderUSD is
// above the big-order bar in every currency (campaigns/big-order.yaml), and vipUSD is the VIP
// bar of segments/vip.yaml.
const (
	bigOrderUSD = 320
	vipUSD      = 1000
)

// categories and their usual prices in US dollars.
var categories = []struct {
	Name   string
	Prices []float64
}{
	{"shoes", []float64{59, 89, 119, 149}},
	{"outerwear", []float64{129, 189, 249, 329}},
	{"knitwear", []float64{49, 69, 89}},
	{"shirts", []float64{29, 39, 49}},
	{"accessories", []float64{15, 25, 35, 45}},
	{"home", []float64{19, 29, 49, 79}},
	{"beauty", []float64{12, 18, 24, 32}},
}

type line struct {
	Type       string      `json:"type"`
	MessageID  string      `json:"messageId"`
	UserID     string      `json:"userId"`
	Event      string      `json:"event,omitempty"`
	Traits     *traits     `json:"traits,omitempty"`
	Properties *properties `json:"properties,omitempty"`
	note       string      // why this line is in the stream, for the summary
}

type traits struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Phone     string `json:"phone,omitempty"`
	Birthday  string `json:"birthday,omitempty"`
	Address   struct {
		Country string `json:"country"`
	} `json:"address"`
	Timezone string `json:"timezone"`
	Locale   string `json:"locale"`
	Consent  struct {
		Email bool `json:"email"`
		SMS   bool `json:"sms"`
	} `json:"consent"`
	Tier string `json:"tier"`
}

type properties struct {
	OrderID  string      `json:"order_id"`
	Total    json.Number `json:"total"`
	Currency string      `json:"currency"`
	Products []product   `json:"products"`
}

type product struct {
	Category string      `json:"category"`
	Price    json.Number `json:"price"`
	Quantity int         `json:"quantity"`
}

type stream struct {
	lines []line
}

// newStream picks the customers of each scene from the base, each at most once.
func newStream(r *rand.Rand, b *base) *stream {
	s := &stream{}
	p := &picker{r: r, b: b, used: map[string]bool{}}
	var scenes [][]line
	order := func(c *customer, minUSD, maxUSD float64, note string) {
		if c != nil {
			scenes = append(scenes, []line{s.track(r, c, minUSD, maxUSD, note)})
		}
	}
	loyal := func(c *customer) bool { return len(c.orders) >= 3 && c.ConsentEmail }
	vip := func(c *customer) bool { return spentUSD(c) >= vipUSD*1.1 }
	notVIP := func(c *customer) bool { return spentUSD(c) < vipUSD*0.6 }
	languages := []string{"RU", "IR", "CN", "DE", "ES", "US"}

	for _, cc := range languages {
		order(p.find(cc, func(c *customer) bool { return loyal(c) && c.Tier == "gold" }), 40, 200, "thank-you, gold")
		for range 2 {
			order(p.find(cc, func(c *customer) bool { return loyal(c) && c.Tier != "gold" }), 25, 200, "thank-you, standard")
		}
	}
	for _, cc := range []string{"GB", "AU", "JP"} {
		order(p.find(cc, loyal), 25, 200, "thank-you, English")
	}
	for i, cc := range languages {
		c := newCustomer(r, countryByCode(cc), len(b.customers)+i+1, 900+i)
		c.ConsentEmail, c.Tier = true, "standard"
		scenes = append(scenes, []line{identify(c), s.track(r, c, 30, 150, "welcome, new customer")})
	}
	for _, cc := range []string{"GB", "JP"} {
		order(p.find(cc, func(c *customer) bool { return len(c.orders) == 0 && c.ConsentEmail }), 30, 150, "welcome, first order of a known customer")
	}
	order(p.find("RU", func(c *customer) bool { return loyal(c) && vip(c) && c.Tier == "gold" }), bigOrderUSD, 600, "big-order, vip (and thank-you, gold)")
	for _, cc := range []string{"CN", "US"} {
		order(p.find(cc, func(c *customer) bool { return c.ConsentEmail && vip(c) }), bigOrderUSD, 600, "big-order, vip")
	}
	for _, cc := range []string{"DE", "ES", "IR"} {
		order(p.find(cc, func(c *customer) bool { return c.ConsentEmail && notVIP(c) }), bigOrderUSD, 450, "big-order, standard")
	}
	for _, tier := range []string{"gold", "standard"} {
		smsOnly := func(c *customer) bool { return len(c.orders) >= 3 && !c.ConsentEmail && c.ConsentSMS && c.Tier == tier }
		order(p.find("", smsOnly), 30, 150, "thank-you by SMS: no email consent")
	}
	noConsent := func(c *customer) bool { return len(c.orders) >= 3 && !c.ConsentEmail && !c.ConsentSMS }
	order(p.find("", noConsent), 30, 150, "nothing sent: no consent at all")
	order(p.find("DE", loyal), 5, 12, "nothing sent: below the thank-you minimum")

	// Everyday orders from anyone not yet in the stream fill it up; many of these customers
	// are not loyal yet, so only some of them are thanked.
	for tracks(scenes) < streamTracks-2 {
		order(p.find("", func(c *customer) bool { return len(c.orders) > 0 && c.ConsentEmail }), 20, 180, "everyday order")
	}

	// Shuffle the scenes, keeping each identify before its order; number messages and orders
	// in playing order; then replay two orders: one straight away (a retried request), one at
	// the end (a late replay).
	r.Shuffle(len(scenes), func(i, j int) { scenes[i], scenes[j] = scenes[j], scenes[i] })
	next := b.nextOrderID()
	for _, sc := range scenes {
		for _, l := range sc {
			l.MessageID = fmt.Sprintf("demo-%04d", len(s.lines)+1)
			if l.Properties != nil {
				l.Properties.OrderID = fmt.Sprintf("o%06d", next)
				next++
			}
			s.lines = append(s.lines, l)
		}
	}
	retried := slices.IndexFunc(s.lines, func(l line) bool { return l.note == "thank-you, gold" })
	replayed := slices.IndexFunc(s.lines, func(l line) bool { return l.note == "welcome, new customer" })
	again, late := s.lines[retried], s.lines[replayed]
	again.note = "retry of " + again.MessageID + ": ignored"
	late.note = "replay of " + late.MessageID + ": ignored"
	s.lines = slices.Insert(s.lines, retried+1, again)
	s.lines = append(s.lines, late)
	return s
}

// picker draws customers from the base, each at most once.
type picker struct {
	r    *rand.Rand
	b    *base
	used map[string]bool
}

// find draws a customer of country (any country when "") for whom ok holds; nil when none is left.
func (p *picker) find(country string, ok func(*customer) bool) *customer {
	var cands []*customer
	for _, c := range p.b.customers {
		if !p.used[c.ID] && (country == "" || c.Country == country) && ok(c) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	c := pick(p.r, cands)
	p.used[c.ID] = true
	return c
}

func countryByCode(code string) *country {
	return &countries[slices.IndexFunc(countries, func(c country) bool { return c.Code == code })]
}

func tracks(scenes [][]line) int {
	n := 0
	for _, sc := range scenes {
		n += len(sc) - countType(sc, "identify")
	}
	return n
}

type item struct {
	category string
	usd      float64
}

// track is an Order Completed for c worth between minUSD and maxUSD, in c's currency.
func (s *stream) track(r *rand.Rand, c *customer, minUSD, maxUSD float64, note string) line {
	m := c.country.Money
	target := minUSD + r.Float64()*(maxUSD-minUSD)
	var items []product
	var total int64
	spent := func() float64 { return float64(total) / math.Pow10(m.Decimals) / m.PerUSD }
	for spent() < target {
		// An item that fits what is left of the target (give or take a fifth), or else the
		// cheapest: a small beauty item.
		cat, usd := categories[len(categories)-1].Name, 12.0
		if minUSD >= 15 {
			var fits []item
			for _, c := range categories {
				for _, p := range c.Prices {
					if p <= (target-spent())*1.2 {
						fits = append(fits, item{c.Name, p})
					}
				}
			}
			if len(fits) > 0 {
				f := pick(r, fits)
				cat, usd = f.category, f.usd
			}
		}
		q := 1
		if 2*usd <= (target-spent())*1.2 && r.IntN(3) == 0 {
			q = 2 // two of a small thing
		}
		price := shelfPrice(usd, m)
		p := product{Category: cat, Price: json.Number(formatMinor(price, m.Decimals)), Quantity: q}
		if i := slices.IndexFunc(items, func(x product) bool { return x.Category == p.Category && x.Price == p.Price }); i >= 0 {
			items[i].Quantity += q // the same item again: one line, a larger quantity
		} else {
			items = append(items, p)
		}
		total += price * int64(q)
		if minUSD < 15 {
			break
		}
	}
	return line{
		Type: "track", UserID: c.ID, Event: "Order Completed", note: note,
		Properties: &properties{
			Total:    json.Number(formatMinor(total, m.Decimals)),
			Currency: m.Code,
			Products: items,
		},
	}
}

// identify creates a customer who is not in customers.csv.
func identify(c *customer) line {
	t := &traits{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, Birthday: c.Birthday,
		Timezone: c.Timezone, Locale: c.Locale, Tier: c.Tier}
	t.Address.Country = c.Country
	t.Consent.Email, t.Consent.SMS = c.ConsentEmail, c.ConsentSMS
	return line{Type: "identify", UserID: c.ID, Traits: t, note: "new customer"}
}

// shelfPrice turns a dollar price into a price as shops write it in the currency:
// 59.99 dollars or euros, 5 290 roubles, 8 880 yen, 409 yuan.
func shelfPrice(usd float64, m currency) int64 {
	v := usd * m.PerUSD
	switch m.Code {
	case "RUB":
		return int64(math.Round(v/100))*100 - 10
	case "JPY":
		return int64(math.Round(v/100))*100 - 20
	case "CNY":
		return int64(math.Round(v/10))*10 - 1
	}
	return int64(math.Round(v))*100 - 1
}

// spentUSD is what c has spent so far, in dollars.
func spentUSD(c *customer) float64 {
	var t int64
	for _, o := range c.orders {
		t += o.Total
	}
	return float64(t) / math.Pow10(c.country.Money.Decimals) / c.country.Money.PerUSD
}

func countType(ls []line, typ string) int {
	n := 0
	for _, l := range ls {
		if l.Type == typ {
			n++
		}
	}
	return n
}

func (s *stream) write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, l := range s.lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

func (s *stream) summary(w io.Writer) {
	fmt.Fprintf(w, "stream: %d lines, %d track, %d identify\n", len(s.lines), len(s.lines)-countType(s.lines, "identify"), countType(s.lines, "identify"))
	notes := map[string]int{}
	for _, l := range s.lines {
		notes[l.note]++
	}
	for _, l := range s.lines {
		if n, ok := notes[l.note]; ok {
			fmt.Fprintf(w, "  %2d × %s\n", n, l.note)
			delete(notes, l.note)
		}
	}
}
