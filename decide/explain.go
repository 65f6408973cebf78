package decide

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/rapporthq/rapport/config"
)

// outcome is a condition evaluated for a reason: whether it holds, the values it read, and
// the runtime error if any.
type outcome struct {
	holds bool
	err   error
	// env is where the condition was evaluated: describe writes the values it read from it
	// (" (total=42.5, tier=\"gold\")") only when the reason is written.
	env map[string]any
}

// evaluate runs cond over env and collects the values it refers to, so a reason says not only
// that "event.total >= 20" failed but that total was 12. A nil condition holds.
func evaluate(cond *config.Condition, env map[string]any) outcome {
	if cond == nil {
		return outcome{holds: true}
	}
	ok, err := cond.Eval(env)
	return outcome{holds: ok, err: err, env: env}
}

// describe renders an outcome as `"SOURCE" holds (facts)` for reasons.
func (o outcome) describe(cond *config.Condition) string {
	var b []byte
	if cond != nil {
		b = make([]byte, 0, 64+2*len(cond.Source)) // one allocation for most reasons
	}
	return string(o.appendDescribe(b, cond))
}

// appendDescribe is describe appending to b.
func (o outcome) appendDescribe(b []byte, cond *config.Condition) []byte {
	if cond == nil {
		return append(b, "no condition"...)
	}
	b = appendQuoteSource(b, cond.Source)
	switch {
	case o.err != nil:
		b = append(b, " failed: "...)
		b = append(b, conditionError(o.err, cond.Source)...)
	case o.holds:
		b = append(b, " holds"...)
	default:
		b = append(b, " does not hold"...)
	}
	return appendFacts(b, cond.Source, o.env)
}

// quoteSource quotes a condition for a reason without escaping, when it can, the string
// literals conditions are full of: "event.total >= 20", `customer.tier == "gold"`.
func quoteSource(s string) string { return string(appendQuoteSource(nil, s)) }

func appendQuoteSource(b []byte, s string) []byte {
	switch {
	case !strings.ContainsAny(s, "\"\\\n"):
		return append(append(append(b, '"'), s...), '"')
	case !strings.ContainsAny(s, "`\n"):
		return append(append(append(b, '`'), s...), '`')
	}
	return strconv.AppendQuote(b, s)
}

// conditionError keeps the first line of an expr error (the rest is a caret drawing) without
// the "evaluate SOURCE:" prefix that the reason already shows.
func conditionError(err error, source string) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	msg = strings.TrimPrefix(msg, "evaluate "+strconv.Quote(source)+": ")
	return msg
}

// references caches, per condition source, the paths it reads (["event","total"]).
// Sources come from loaded configuration; maxReferences bounds the cache anyway.
var (
	references     sync.Map // string -> [][]string
	referenceCount atomic.Int64
)

const maxReferences = 4096

// facts formats the values a condition refers to: " (total=42.5, tier=\"gold\")".
func facts(source string, env map[string]any) string {
	return string(appendFacts(nil, source, env))
}

// appendFacts is facts appending to b: the common values are written in place, without a
// string each.
func appendFacts(b []byte, source string, env map[string]any) []byte {
	n := 0
	for _, p := range referencedPaths(source) {
		v, ok := lookup(env, p)
		if !ok {
			continue
		}
		if n == 0 {
			b = append(b, " ("...)
		} else {
			b = append(b, ", "...)
		}
		n++
		if len(p) == 1 {
			b = append(b, p[0]...)
		}
		for i, k := range p[1:] {
			if i > 0 {
				b = append(b, '.')
			}
			b = append(b, k...)
		}
		b = append(b, '=')
		b = appendValue(b, v, personalPath(p))
	}
	if n > 0 {
		b = append(b, ')')
	}
	return b
}

// appendValue is formatValue appending to b.
func appendValue(b []byte, v any, personal bool) []byte {
	switch x := v.(type) {
	case string:
		if x == "" || !(personal || looksPersonal(x)) && len(x) <= 40 {
			return strconv.AppendQuote(b, x)
		}
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return append(b, formatValue(v, personal, 0)...)
}

func referencedPaths(source string) [][]string {
	if v, ok := references.Load(source); ok {
		return v.([][]string)
	}
	var paths [][]string
	if tree, err := parser.Parse(source); err == nil {
		c := &pathCollector{seen: map[string]bool{}}
		ast.Walk(&tree.Node, c)
		paths = c.maximal()
	}
	if referenceCount.Load() < maxReferences {
		if _, loaded := references.LoadOrStore(source, paths); !loaded {
			referenceCount.Add(1)
		}
	}
	return paths
}

// pathCollector gathers member chains rooted at customer, event and event_name.
type pathCollector struct {
	seen  map[string]bool
	paths [][]string
}

// Visit implements ast.Visitor.
func (c *pathCollector) Visit(n *ast.Node) {
	var p []string
	switch v := (*n).(type) {
	case *ast.IdentifierNode:
		if v.Value == "event_name" {
			p = []string{v.Value}
		}
	case *ast.MemberNode:
		if !v.Method {
			p = memberPath(v)
		}
	}
	if len(p) == 0 || (p[0] != "customer" && p[0] != "event" && p[0] != "event_name") {
		return
	}
	if len(p) == 1 && p[0] != "event_name" {
		return // the whole customer or event map says nothing useful
	}
	key := strings.Join(p, "\x00")
	if !c.seen[key] {
		c.seen[key] = true
		c.paths = append(c.paths, p)
	}
}

// maximal drops paths that are prefixes of longer ones (customer.traits of
// customer.traits.orders), keeping first-seen order.
func (c *pathCollector) maximal() [][]string {
	var out [][]string
	for i, p := range c.paths {
		prefix := false
		for j, q := range c.paths {
			if i != j && len(q) > len(p) && equalPrefix(q, p) {
				prefix = true
				break
			}
		}
		if !prefix {
			out = append(out, p)
		}
	}
	return out
}

func equalPrefix(long, short []string) bool {
	for i := range short {
		if long[i] != short[i] {
			return false
		}
	}
	return true
}

// memberPath returns ["customer","traits","orders"] for customer.traits.orders, or nil when
// the chain has a computed part (customer[x]).
func memberPath(n ast.Node) []string {
	switch v := n.(type) {
	case *ast.IdentifierNode:
		return []string{v.Value}
	case *ast.ChainNode:
		return memberPath(v.Node)
	case *ast.MemberNode:
		prop, ok := v.Property.(*ast.StringNode)
		if !ok {
			return nil
		}
		base := memberPath(v.Node)
		if base == nil {
			return nil
		}
		return append(base[:len(base):len(base)], prop.Value)
	}
	return nil
}

func lookup(env map[string]any, path []string) (any, bool) {
	var cur any = env
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur = m[k]
	}
	return cur, true
}

// personalPath reports a path naming an address: customer.email, customer.traits.phone.
func personalPath(p []string) bool {
	for _, k := range p[1:] {
		switch strings.ToLower(k) {
		case "email", "phone", "mobile", "address":
			return true
		}
	}
	return false
}

// formatValue prints a value for a reason: short, and masked when it may be an address.
func formatValue(v any, personal bool, depth int) string {
	const maxString = 40
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		if x != "" && (personal || looksPersonal(x)) {
			return strconv.Quote(maskText(x))
		}
		if len(x) > maxString {
			x = strings.ToValidUTF8(x[:maxString], "") + "..."
		}
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return formatList(items, personal, depth)
	case []any:
		return formatList(x, personal, depth)
	case map[string]any:
		return fmt.Sprintf("{%d keys}", len(x))
	}
	if personal {
		return "***"
	}
	s := fmt.Sprintf("%v", v)
	if len(s) > maxString || looksPersonal(s) {
		return fmt.Sprintf("(%T)", v)
	}
	return s
}

func formatList(items []any, personal bool, depth int) string {
	const maxItems = 5
	if depth > 0 {
		return fmt.Sprintf("[%d items]", len(items))
	}
	parts := make([]string, 0, min(len(items), maxItems)+1)
	for i, it := range items {
		if i == maxItems {
			parts = append(parts, fmt.Sprintf("... %d more", len(items)-maxItems))
			break
		}
		parts = append(parts, formatValue(it, personal, depth+1))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
