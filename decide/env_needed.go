package decide

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/rapporthq/rapport/config"
)

// A decision evaluates a handful of conditions that read a few names each, while Env boxes
// some thirty values into maps: building it was a quarter of the allocations of a decision
// (BenchmarkDecideLearning, 26 of 100). So the decider builds the environment of the names
// that the campaign's conditions can reach, all of them at once (a step may evaluate several
// conditions in the environment built for the first, as reward does), with the same values
// Env would give them. A condition that reaches the customer map other than by constant
// names (customer[k], a function over customer) gets the whole of it.

// needs is what one condition source reads of the environment.
type needs struct {
	// wholeCustomer: customer is used other than as customer.NAME.
	wholeCustomer         bool
	customer              []string // NAMEs of customer.NAME
	event, eventName, now bool
}

// needsCache caches needs per condition source, as references does for facts.
var (
	needsCache sync.Map // string -> *needs
	needsCount atomic.Int64
)

func needsOf(source string) *needs {
	if v, ok := needsCache.Load(source); ok {
		return v.(*needs)
	}
	n := &needs{wholeCustomer: true, event: true, eventName: true, now: true}
	if tree, err := parser.Parse(source); err == nil {
		c := &needsCollector{seen: map[string]bool{}}
		ast.Walk(&tree.Node, c)
		n = &needs{
			wholeCustomer: c.customerIdents > c.customerMembers,
			customer:      c.keys,
			event:         c.idents["event"],
			eventName:     c.idents["event_name"],
			now:           c.idents["now"],
		}
	}
	if needsCount.Load() < maxReferences {
		if _, loaded := needsCache.LoadOrStore(source, n); !loaded {
			needsCount.Add(1)
		}
	}
	return n
}

// needsCollector counts the uses of the identifier customer and those of them that are the
// object of a constant member (customer.tier, customer?.tier, customer["tier"]).
type needsCollector struct {
	seen                            map[string]bool
	keys                            []string
	idents                          map[string]bool
	customerIdents, customerMembers int
}

// Visit implements ast.Visitor.
func (c *needsCollector) Visit(n *ast.Node) {
	switch v := (*n).(type) {
	case *ast.IdentifierNode:
		if c.idents == nil {
			c.idents = map[string]bool{}
		}
		c.idents[v.Value] = true
		if v.Value == "customer" {
			c.customerIdents++
		}
	case *ast.MemberNode:
		obj := v.Node
		if ch, ok := obj.(*ast.ChainNode); ok {
			obj = ch.Node
		}
		id, ok := obj.(*ast.IdentifierNode)
		if !ok || id.Value != "customer" {
			return
		}
		prop, ok := v.Property.(*ast.StringNode)
		if !ok || v.Method {
			return
		}
		c.customerMembers++
		if !c.seen[prop.Value] {
			c.seen[prop.Value] = true
			c.keys = append(c.keys, prop.Value)
		}
	}
}

// neededEnv builds the environment for every condition the decision may evaluate: the
// trigger's, the segment's and audience's, the variants' and the rewards'.
func (d *decider) neededEnv() map[string]any {
	c := d.c
	var buf [16]*needs
	list := buf[:0]
	add := func(cond *config.Condition) {
		if cond != nil {
			list = append(list, needsOf(cond.Source))
		}
	}
	add(c.Trigger.Where)
	if d.in.Segment != nil {
		add(d.in.Segment.Where)
	}
	add(c.Audience.Where)
	for i := range c.Variants {
		add(c.Variants[i].When)
	}
	for i := range c.Rewards {
		add(c.Rewards[i].When)
	}
	var all needs
	keys := 0
	for _, n := range list {
		all.wholeCustomer = all.wholeCustomer || n.wholeCustomer
		all.event = all.event || n.event
		all.eventName = all.eventName || n.eventName
		all.now = all.now || n.now
		keys += len(n.customer)
	}
	if all.wholeCustomer {
		return Env(d.cust, d.in.Event, d.in.Now)
	}
	env := make(map[string]any, 4)
	if all.event {
		if ev := d.in.Event; ev != nil && ev.Properties != nil {
			env["event"] = ev.Properties
		} else {
			env["event"] = map[string]any{}
		}
	}
	if all.eventName {
		env["event_name"] = ""
		if d.in.Event != nil {
			env["event_name"] = d.in.Event.Name
		}
	}
	if all.now {
		env["now"] = d.in.Now
	}
	if keys > 0 {
		m := make(map[string]any, keys)
		for _, n := range list {
			for _, k := range n.customer {
				if v, ok := customerValue(d.cust, k, d.in.Now); ok {
					m[k] = v
				}
			}
		}
		env["customer"] = m
	}
	return env
}

// customerValue is the value of customer.NAME in Env: a computed name (absent when
// unknown), else the trait. Env's customerEnv gives the same answers for every name
// (TestNeededEnvAgreesWithEnv).
func customerValue(c *Customer, k string, now time.Time) (any, bool) {
	if v, ok, computed := computedValue(c, k, now); computed {
		return v, ok
	}
	v, ok := c.Traits[k]
	return v, ok
}

// computedValue answers a computed name; computed is false for any other name.
func computedValue(c *Customer, k string, now time.Time) (v any, ok, computed bool) {
	s := c.Summary
	some := func(x any) (any, bool, bool) { return x, true, true }
	at := func(t time.Time) (any, bool, bool) {
		if t.IsZero() {
			return nil, false, true
		}
		return t, true, true
	}
	switch k {
	case "traits":
		if c.Traits == nil {
			return some(map[string]any{})
		}
		return some(c.Traits)
	case "id":
		return some(c.ID)
	case "email":
		return some(c.Email)
	case "phone":
		return some(c.Phone)
	case "first_name":
		return some(c.FirstName)
	case "last_name":
		return some(c.LastName)
	case "country":
		return some(c.Country)
	case "locale":
		return some(c.Locale)
	case "timezone":
		return some(c.Timezone)
	case "birthday":
		return some(c.Birthday)
	case "created_at":
		return at(c.CreatedAt)
	case "orders":
		return some(s.Orders)
	case "revenue":
		return some(s.Revenue)
	case "currency":
		return some(s.Currency)
	case "first_order_at":
		return at(s.FirstOrderAt)
	case "last_order_at":
		return at(s.LastOrderAt)
	case "days_since_last_order":
		if s.LastOrderAt.IsZero() {
			return nil, false, true
		}
		return some(now.Sub(s.LastOrderAt).Hours() / 24)
	case "last_order_total":
		return some(s.LastOrderTotal)
	case "last_categories":
		return some(s.LastCategories)
	case "last_coupon":
		return some(s.LastCoupon)
	case "gap_mean_days":
		if s.GapMeanDays > 0 {
			return some(s.GapMeanDays)
		}
		return nil, false, true
	case "email_engagement", "sms_engagement", "best_hour":
		m := map[string]any{}
		engagementEnv(m, c)
		v, ok := m[k]
		return v, ok, true
	}
	p := c.Predicted
	switch k {
	case "rfm", "lifecycle", "clv", "p_alive", "expected_orders_90d", "next_order_at":
		if p == nil {
			return nil, false, true
		}
	}
	switch k {
	case "rfm":
		return some(p.RFM)
	case "lifecycle":
		return some(p.Lifecycle)
	case "clv":
		return some(p.CLV)
	case "p_alive":
		return some(p.PAlive)
	case "expected_orders_90d":
		return some(p.ExpectedOrders90d)
	case "next_order_at":
		return at(p.NextOrderAt)
	}
	return nil, false, false
}
