package decide

import (
	"sync"
	"sync/atomic"
	"time"
)

// Env builds the environment conditions are evaluated in (see config.Condition):
//
//   - "customer": every trait by its name, overlaid by computed names, which win over a trait
//     of the same name: id, email, phone, first_name, last_name, country, locale, timezone,
//     birthday (as given on the profile), created_at, orders, revenue, currency,
//     first_order_at, last_order_at, days_since_last_order (float days before now),
//     last_order_total, last_categories, last_coupon, gap_mean_days, and from the fitted
//     models rfm, lifecycle, clv, p_alive, expected_orders_90d, next_order_at, and from the
//     tracked opens and clicks email_engagement, sms_engagement (0-1) and best_hour. "traits" is
//     the raw traits map, so customer.traits.orders reaches a trait shadowed by a computed name.
//   - "event": the event's properties ({} when there is no event), "event_name" its name.
//   - "now": the decision time.
//
// A computed value that is unknown is absent (nil in a condition), never a zero that reads
// as a fact: a customer without orders has no last_order_at rather than one in year 1, and
// no days_since_last_order rather than 0, so "customer.days_since_last_order > 90" fails to
// evaluate for them instead of silently holding or not. Conditions test such names with
// "customer.orders > 0 && ..." or expr's "??". Prediction names are absent without a fit.
func Env(c *Customer, ev *Event, now time.Time) map[string]any {
	env := map[string]any{
		"customer":   customerEnv(c, now),
		"event":      map[string]any{},
		"event_name": "",
		"now":        now,
	}
	if ev != nil {
		if ev.Properties != nil {
			env["event"] = ev.Properties
		}
		env["event_name"] = ev.Name
	}
	return env
}

// customerEnv is the "customer" map of Env.
func customerEnv(c *Customer, now time.Time) map[string]any {
	if c == nil {
		return map[string]any{"traits": map[string]any{}}
	}
	m := make(map[string]any, len(c.Traits)+32)
	for k, v := range c.Traits {
		m[k] = v
	}
	traits := c.Traits
	if traits == nil {
		// An empty map, not nil: expr cannot fetch a member of nil, and
		// customer.traits.x on a profile without traits should be nil, not an error.
		traits = map[string]any{}
	}
	m["traits"] = traits
	m["id"] = c.ID
	m["email"] = c.Email
	m["phone"] = c.Phone
	m["first_name"] = c.FirstName
	m["last_name"] = c.LastName
	m["country"] = c.Country
	m["locale"] = c.Locale
	m["timezone"] = c.Timezone
	m["birthday"] = c.Birthday
	setTime(m, "created_at", c.CreatedAt)

	s := c.Summary
	m["orders"] = s.Orders
	m["revenue"] = s.Revenue
	m["currency"] = s.Currency
	setTime(m, "first_order_at", s.FirstOrderAt)
	setTime(m, "last_order_at", s.LastOrderAt)
	if !s.LastOrderAt.IsZero() {
		m["days_since_last_order"] = now.Sub(s.LastOrderAt).Hours() / 24
	} else {
		delete(m, "days_since_last_order")
	}
	m["last_order_total"] = s.LastOrderTotal
	m["last_categories"] = s.LastCategories
	m["last_coupon"] = s.LastCoupon
	if s.GapMeanDays > 0 { // 0 means fewer than two purchase days: no cycle known yet
		m["gap_mean_days"] = s.GapMeanDays
	} else {
		delete(m, "gap_mean_days")
	}

	engagementEnv(m, c)

	predicted := []string{"rfm", "lifecycle", "clv", "p_alive", "expected_orders_90d", "next_order_at"}
	if p := c.Predicted; p != nil {
		m["rfm"] = p.RFM
		m["lifecycle"] = p.Lifecycle
		m["clv"] = p.CLV
		m["p_alive"] = p.PAlive
		m["expected_orders_90d"] = p.ExpectedOrders90d
		setTime(m, "next_order_at", p.NextOrderAt)
	} else {
		// Computed names win even when unknown: a trait "clv" imported from another tool
		// must not pass for the model's value (it stays at customer.traits.clv).
		for _, k := range predicted {
			delete(m, k)
		}
	}
	return m
}

// setTime sets a time value, or removes the name when the time is unknown, so that a trait
// of the same name does not stand in for it.
func setTime(m map[string]any, k string, t time.Time) {
	if t.IsZero() {
		delete(m, k)
		return
	}
	m[k] = t
}

// zones caches time.LoadLocation by name: the first load of a zone reads tzdata, later ones
// must not (decide does no I/O on the hot path). Failures are cached too (as nil), since a
// bad timezone trait is seen on every decision for that customer. maxZones bounds the cache,
// because names come from profile traits that anyone posting to /v1/identify controls.
var (
	zones     sync.Map // string -> *time.Location (nil when invalid)
	zoneCount atomic.Int64
)

const maxZones = 2048

// Location returns the customer's time zone, or def (UTC when nil) when the customer has none
// or an unknown one. "Local" is refused: it is the worker machine's zone, not the customer's,
// and would make the same input decide differently on two machines.
func Location(c *Customer, def *time.Location) *time.Location {
	loc, _ := location(c, def)
	return loc
}

// location is Location that also says whether the customer's own zone was used.
func location(c *Customer, def *time.Location) (*time.Location, bool) {
	if def == nil {
		def = time.UTC
	}
	if c == nil || c.Timezone == "" {
		return def, false
	}
	if loc := loadZone(c.Timezone); loc != nil {
		return loc, true
	}
	return def, false
}

func loadZone(name string) *time.Location {
	if name == "Local" || len(name) > 64 {
		return nil
	}
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	if zoneCount.Load() >= maxZones {
		return loc
	}
	// LoadOrStore so every caller shares one *Location per name.
	v, loaded := zones.LoadOrStore(name, loc)
	if !loaded {
		zoneCount.Add(1)
	}
	return v.(*time.Location)
}
