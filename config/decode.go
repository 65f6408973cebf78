package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The loader decodes the YAML syntax tree itself rather than calling yaml.Unmarshal with
// yaml.Strict(): the library stops at the first problem, and a marketer fixing a campaign
// should see every unknown key, bad value and broken condition of the file in one lint run.
// Walking the tree also records where each key path was written, so that checks made after
// decoding (a bad cron, a duplicate id) still point at file:line:col.

// nodeUnmarshaler is implemented by the value types (Duration, Window, Condition, ...).
type nodeUnmarshaler interface {
	UnmarshalYAML(ast.Node) error
}

// shorthand is a mapping type that may also be written as one scalar (api_keys: a bare key,
// or {key, scopes}): a scalar goes to UnmarshalYAMLScalar, a mapping is decoded by key.
type shorthand interface {
	UnmarshalYAMLScalar(ast.Node) error
}

// maxDepth bounds nesting through aliases; Rapport's own types are a few levels deep.
const maxDepth = 32

// spot is where one key path was written: its key and its value.
type spot struct {
	Key, Value Pos
}

// doc is one YAML file being decoded: the problems found and where each key path was written.
type doc struct {
	file    string
	root    Pos // position reported for a problem with no better place; zero for rapport.yaml
	spots   map[string]spot
	anchors map[string]ast.Node
	errs    ErrorList
	depth   int

	// reported holds the problems already in errs: a key merged from one anchor many times
	// has one problem, not one per merge.
	reported map[Error]bool
	// sizes memoizes the node count under each anchor; expanded is the total charged for the
	// aliases followed so far, and exhausted is set once it passed maxExpansion (limits.go).
	sizes     map[ast.Node]int
	expanded  int
	exhausted bool
	// quiet is set while an alias is followed for a position only, which charges nothing.
	quiet bool
}

// parseDoc parses one file holding one YAML document. body is nil for an empty file; a syntax
// error, or nesting deeper than maxNesting, is returned in d.errs with its position.
func parseDoc(file string, data []byte) (d *doc, body ast.Node) {
	d = &doc{file: file, spots: map[string]spot{}, anchors: map[string]ast.Node{},
		reported: map[Error]bool{}, sizes: map[ast.Node]int{}}
	tokens, tk := tokenize(string(data))
	if tk != nil {
		d.errs.add(file, Pos{Line: tk.Position.Line, Col: tk.Position.Column}, "",
			"nested more than %d levels deep", maxNesting)
		return d, nil
	}
	// Duplicate keys are reported by decode, so that they do not hide the file's other problems.
	f, err := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) && yerr.GetToken() != nil {
			p := yerr.GetToken().Position
			d.errs.add(file, Pos{Line: p.Line, Col: p.Column}, "", "invalid YAML: %s", yerr.GetMessage())
		} else {
			d.errs.add(file, Pos{Line: 1, Col: 1}, "", "invalid YAML: %v", err)
		}
		return d, nil
	}
	for _, dn := range f.Docs {
		if dn == nil || dn.Body == nil {
			continue
		}
		if _, null := dn.Body.(*ast.NullNode); null {
			continue
		}
		if body != nil {
			d.errs.add(file, posOf(dn.Body), "", "a file holds one YAML document; this is a second one")
			break
		}
		body = dn.Body
	}
	if body != nil {
		d.collectAnchors(body)
	}
	return d, body
}

// collectAnchors records every anchor before decoding, so an alias resolves even when its
// anchor sits under a key that is itself reported as unknown.
func (d *doc) collectAnchors(body ast.Node) {
	ast.Walk(anchorVisitor(d.anchors), body)
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil && a.Value != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// errorf reports a problem at a node, once.
func (d *doc) errorf(n ast.Node, path, format string, args ...any) {
	p := posOf(n)
	e := Error{File: d.file, Line: p.Line, Col: p.Col, Field: path, Msg: fmt.Sprintf(format, args...)}
	if d.reported[e] {
		return
	}
	d.reported[e] = true
	d.errs = append(d.errs, e)
}

// errorAt reports a problem about a key path, at the best position known for it. A key
// that already has a problem gets no second one: "invalid time of day" followed by "at:
// required" for the same key would only be noise.
func (d *doc) errorAt(path, format string, args ...any) {
	for _, e := range d.errs {
		if e.Field == path && e.File == d.file {
			return
		}
	}
	p, _ := d.at(path)
	d.errs.add(d.file, p, path, format, args...)
}

// at returns where path was written: its value when present, else the key of its nearest
// written ancestor (a missing key is reported at its parent), else the document's root.
func (d *doc) at(path string) (Pos, bool) {
	if s, ok := d.spots[path]; ok {
		if s.Value.Line > 0 {
			return s.Value, true
		}
		return s.Key, s.Key.Line > 0
	}
	for p := parentPath(path); p != ""; p = parentPath(p) {
		if s, ok := d.spots[p]; ok {
			if s.Key.Line > 0 {
				return s.Key, true
			}
			return s.Value, s.Value.Line > 0
		}
	}
	return d.root, d.root.Line > 0
}

// isMapping reports whether a document's body is a mapping, as every Rapport file is; when it
// is not, decode has said so and checking keys that cannot be there would only add noise.
func (d *doc) isMapping(body ast.Node) bool {
	_, ok := d.resolveQuiet(body).(ast.MapNode)
	return ok
}

// written reports whether the file set this key path.
func (d *doc) written(path string) bool {
	_, ok := d.spots[path]
	return ok
}

// parentPath strips the last ".key" or "[i]" of a path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// decode stores node into v, which must be addressable. A null leaves v as it was, so a key
// written without a value keeps its default.
func (d *doc) decode(n ast.Node, v reflect.Value, path string) {
	if d.exhausted {
		return
	}
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	if _, null := n.(*ast.NullNode); null {
		return
	}
	if d.depth >= maxDepth {
		d.errorf(n, path, "nested too deeply")
		return
	}
	d.depth++
	defer func() { d.depth-- }()

	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	if u, ok := v.Addr().Interface().(shorthand); ok && isScalar(n) {
		if err := u.UnmarshalYAMLScalar(n); err != nil {
			d.errorf(n, path, "%v", err)
		}
		return
	}
	if u, ok := v.Addr().Interface().(nodeUnmarshaler); ok {
		if !isScalar(n) {
			d.errorf(n, path, "expected a single value, got %s", describe(n))
			return
		}
		if err := u.UnmarshalYAML(n); err != nil {
			d.errorf(n, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		if !isScalar(n) {
			d.errorf(n, path, "expected text, got %s", describe(n))
			return
		}
		v.SetString(scalar(n))
	case reflect.Int, reflect.Int64:
		d.decodeInt(n, v, path)
	case reflect.Float64:
		switch x := n.(type) {
		case *ast.FloatNode:
			v.SetFloat(x.Value)
		case *ast.IntegerNode:
			i, ok := intValue(x)
			if !ok {
				d.errorf(n, path, "number %s out of range", x.Token.Value)
				return
			}
			v.SetFloat(float64(i))
		default:
			d.errorf(n, path, "expected a number, got %s", describe(n))
		}
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.errorf(n, path, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b.Value)
	default:
		d.errorf(n, path, "cannot decode into %s", v.Type()) // a type added to types.go without support here
	}
}

// resolve follows anchors, aliases and tags to the node holding the value.
func (d *doc) resolve(n ast.Node, path string) ast.Node {
	for range maxDepth {
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.TagNode:
			n = x.Value
		case *ast.AliasNode:
			name := ""
			if x.Value != nil {
				name = x.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.errorf(x, path, "unknown alias *%s", name)
				return nil
			}
			if !d.quiet && !d.charge(x, target, path) {
				return nil
			}
			n = target
		default:
			return n
		}
	}
	d.errorf(n, path, "aliases nested too deeply")
	return nil
}

func (d *doc) decodeInt(n ast.Node, v reflect.Value, path string) {
	x, ok := n.(*ast.IntegerNode)
	if !ok {
		d.errorf(n, path, "expected a whole number, got %s", describe(n))
		return
	}
	i, ok := intValue(x)
	if !ok || v.OverflowInt(i) {
		d.errorf(n, path, "number %s out of range", x.Token.Value)
		return
	}
	v.SetInt(i)
}

func intValue(x *ast.IntegerNode) (int64, bool) {
	switch i := x.Value.(type) {
	case int64:
		return i, true
	case uint64:
		return int64(i), i <= math.MaxInt64
	}
	return 0, false
}

// decodeStruct decodes a mapping into a struct by yaml tags. Unknown and duplicate keys are
// reported and skipped; the other keys are still decoded.
func (d *doc) decodeStruct(n ast.Node, v reflect.Value, path string) {
	if d.exhausted {
		return
	}
	m, ok := n.(ast.MapNode)
	if !ok {
		d.errorf(n, path, "expected a mapping of keys, got %s", describe(n))
		return
	}
	fields, names := yamlFields(v.Type())
	// Merge keys first: the mapping's own keys win over merged ones wherever they are written.
	var own []*ast.MappingValueNode
	for it := m.MapRange(); it.Next(); {
		mv := it.KeyValue()
		if mv.Key.IsMergeKey() {
			d.merge(mv.Value, v, path)
			continue
		}
		own = append(own, mv)
	}
	seen := map[string]Pos{}
	for _, mv := range own {
		name := scalar(mv.Key)
		keyPos := posOf(mv.Key)
		full := joinPath(path, name)
		if first, dup := seen[name]; dup {
			d.errorf(mv.Key, full, "duplicate key (first written at line %d)", first.Line)
			continue
		}
		seen[name] = keyPos
		i, known := fields[name]
		if !known {
			d.errorf(mv.Key, full, "unknown key%s", suggest(name, names))
			continue
		}
		sp := spot{Key: keyPos}
		// A null has no text of its own, so a problem with it is shown at its key.
		if r := d.resolveQuiet(mv.Value); r != nil {
			if _, null := r.(*ast.NullNode); !null {
				sp.Value = posOf(r)
			}
		}
		d.spots[full] = sp
		d.decode(mv.Value, v.Field(i), full)
	}
	// Types that carry their own position (Variant, Reward, ...) get the mapping's.
	if f := v.FieldByName("Pos"); f.IsValid() && f.Type() == reflect.TypeFor[Pos]() {
		f.Set(reflect.ValueOf(posOf(n)))
	}
}

// merge applies a "<<" merge key: a mapping or a list of mappings.
func (d *doc) merge(n ast.Node, v reflect.Value, path string) {
	n = d.resolve(n, path)
	if seq, ok := n.(*ast.SequenceNode); ok {
		for _, item := range seq.Values {
			if r := d.resolve(item, path); r != nil {
				d.decodeStruct(r, v, path)
			}
		}
		return
	}
	if n != nil {
		d.decodeStruct(n, v, path)
	}
}

// resolveQuiet follows aliases for position lookup only; problems are reported by decode.
func (d *doc) resolveQuiet(n ast.Node) ast.Node {
	saved := len(d.errs)
	d.quiet = true
	r := d.resolve(n, "")
	d.quiet = false
	for _, e := range d.errs[saved:] {
		delete(d.reported, e)
	}
	d.errs = d.errs[:saved]
	if r == nil {
		return n
	}
	return r
}

// decodeSlice replaces v (and any default it held) with the decoded list.
func (d *doc) decodeSlice(n ast.Node, v reflect.Value, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.errorf(n, path, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		p := fmt.Sprintf("%s[%d]", path, i)
		r := d.resolveQuiet(item)
		if _, null := r.(*ast.NullNode); null {
			// A null has no text of its own; point at its "-" when there is one.
			pos := posOf(item)
			if i < len(seq.Entries) && seq.Entries[i] != nil && seq.Entries[i].Start != nil {
				pos = Pos{Line: seq.Entries[i].Start.Position.Line, Col: seq.Entries[i].Start.Position.Column}
			}
			d.errs.add(d.file, pos, p, "empty list entry")
			continue
		}
		d.spots[p] = spot{Value: posOf(r)}
		d.decode(item, s.Index(i), p)
	}
	v.Set(s)
}

// decodeMap replaces v (and any default it held) with the decoded mapping of text keys
// (calendar.islamic_offset: {IR: 1}, currency.rates: {RUB: 0.0102}), each value decoded by
// the map's element type at path.KEY, so a bad value is reported at its place.
func (d *doc) decodeMap(n ast.Node, v reflect.Value, path string) {
	m, ok := n.(ast.MapNode)
	if !ok || v.Type().Key().Kind() != reflect.String {
		d.errorf(n, path, "expected a mapping of keys, got %s", describe(n))
		return
	}
	out := reflect.MakeMap(v.Type())
	seen := map[string]Pos{}
	for it := m.MapRange(); it.Next(); {
		mv := it.KeyValue()
		name := scalar(mv.Key)
		full := joinPath(path, name)
		if first, dup := seen[name]; dup {
			d.errorf(mv.Key, full, "duplicate key (first written at line %d)", first.Line)
			continue
		}
		seen[name] = posOf(mv.Key)
		sp := spot{Key: posOf(mv.Key)}
		if r := d.resolveQuiet(mv.Value); r != nil {
			if _, null := r.(*ast.NullNode); !null {
				sp.Value = posOf(r)
			}
		}
		d.spots[full] = sp
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(mv.Value, elem, full)
		out.SetMapIndex(reflect.ValueOf(name).Convert(v.Type().Key()), elem)
	}
	v.Set(out)
}

// yamlFields maps yaml key names to field indexes, and lists the names in declaration order
// for "unknown key" messages.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		fields[name] = i
		names = append(names, name)
	}
	return fields, names
}

// suggest names the closest known key, or lists them all when none is close.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(name, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; expected one of: " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between two short keys.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// isScalar reports a single value rather than a mapping or a list.
func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.LiteralNode,
		*ast.NullNode, *ast.InfinityNode, *ast.NanNode:
		return true
	}
	return false
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case ast.MapNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	s := scalar(n)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%q", s)
}
