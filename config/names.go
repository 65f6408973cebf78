package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// ComputedCustomerNames are the names decide.Env computes under "customer" (decide/env.go
// documents each), besides the traits. A test in decide keeps the two lists equal.
var ComputedCustomerNames = []string{
	"id", "email", "phone", "first_name", "last_name", "country", "locale", "timezone",
	"birthday", "created_at", "orders", "revenue", "currency", "first_order_at",
	"last_order_at", "days_since_last_order", "last_order_total", "last_categories",
	"last_coupon", "gap_mean_days", "rfm", "lifecycle", "clv", "p_alive",
	"expected_orders_90d", "next_order_at", "traits",
}

// CheckCustomerNames warns about every customer.NAME of the set's conditions that is
// neither a computed name nor one of traits (the configuration's traits and any trait
// names the caller sampled from the customer base). Such a name compiles, since any trait
// may exist, but is most often a typo ("customer.order >= 3") that reads as nil and makes
// the condition quietly false for everybody. customer.traits.NAME is never warned about:
// it is how a condition reaches a trait it knows is there.
//
// The warnings are Errors (file:line:col: field: message) for lint to print; they do not
// make the Set unusable.
func (s *Set) CheckCustomerNames(traits []string) ErrorList {
	known := map[string]bool{}
	for _, n := range ComputedCustomerNames {
		known[n] = true
	}
	for _, n := range traits {
		known[n] = true
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	sort.Strings(names)

	var out ErrorList
	check := func(file, path string, c *Condition) {
		if c == nil {
			return
		}
		for _, u := range customerNames(c.Source) {
			if known[u.name] {
				continue
			}
			out = append(out, Error{File: file, Line: c.Pos.Line, Col: c.Pos.Col, Field: path,
				Msg: unknownNameMessage(c.Source, u, names)})
		}
	}
	for _, c := range s.Campaigns {
		check(c.File, "trigger.where", c.Trigger.Where)
		check(c.File, "audience.where", c.Audience.Where)
		for i, v := range c.Variants {
			check(c.File, fmt.Sprintf("variants[%d].when", i), v.When)
		}
		for i, r := range c.Rewards {
			check(c.File, fmt.Sprintf("rewards[%d].when", i), r.When)
		}
	}
	ids := make([]string, 0, len(s.Segments))
	for id := range s.Segments {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		check(s.Segments[id].File, "where", s.Segments[id].Where)
	}
	out.sort()
	return out
}

// unknownNameMessage says which name is unknown, where in the condition, and the closest
// known name when one is close.
func unknownNameMessage(source string, u usedName, known []string) string {
	line, col := lineCol(source, u.offset)
	where := fmt.Sprintf("column %d of %q", col, source)
	if strings.Contains(source, "\n") {
		where = fmt.Sprintf("line %d, column %d of the condition", line, col)
	}
	msg := fmt.Sprintf("warning: customer.%s (%s) is neither a computed name nor a known trait", u.name, where)
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(u.name, k); d < bestDist && k != "traits" {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return msg + fmt.Sprintf("; did you mean customer.%s?", best)
	}
	return msg + fmt.Sprintf("; declare it under traits in rapport.yaml, or write customer.traits.%s", u.name)
}

// usedName is one customer.NAME read by a condition, at an offset of its source in runes.
type usedName struct {
	name   string
	offset int
}

// customerNames lists the names read directly under customer (customer.x, customer["x"],
// customer?.x), in the order written. A condition that does not parse gives none: its
// compile error is reported by the loader.
func customerNames(source string) []usedName {
	tree, err := parser.Parse(source)
	if err != nil {
		return nil
	}
	v := &memberVisitor{}
	ast.Walk(&tree.Node, v)
	slices.SortStableFunc(v.found, func(a, b usedName) int { return a.offset - b.offset })
	return v.found
}

type memberVisitor struct{ found []usedName }

func (v *memberVisitor) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "customer" {
		return
	}
	if p, ok := m.Property.(*ast.StringNode); ok {
		v.found = append(v.found, usedName{name: p.Value, offset: id.Location().From})
	}
}

// lineCol turns an offset of s in runes, as expr counts them, into a 1-based line and
// column.
func lineCol(s string, offset int) (line, col int) {
	r := []rune(s)
	before := r[:min(max(offset, 0), len(r))]
	line, col = 1, 1
	for _, c := range before {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
