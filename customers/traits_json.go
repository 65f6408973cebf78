package customers

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeTraits decodes a profile's traits (a JSON object) into *m as json.Unmarshal does. Every
// read of a profile decodes them, and a scheduled send reads each profile twice (fan-out and
// batch), where encoding/json's reflection on map[string]any was most of the read's cost. The
// fast path takes the JSON that traits are in practice (strings without escapes, numbers,
// booleans, null, nested objects and arrays); anything else, and anything malformed, goes to
// json.Unmarshal, so the result and the errors are encoding/json's in every case.
func decodeTraits(b []byte, m *map[string]any) error {
	// One conversion for the whole document: keys and string values are slices of it, rather
	// than an allocation each.
	p := traitsParser{b: b, s: string(b)}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '{' {
		if obj, ok := p.object(0); ok {
			if p.space(); p.i == len(p.b) {
				if *m == nil {
					*m = obj
					return nil
				}
				for k, v := range obj {
					(*m)[k] = v
				}
				return nil
			}
		}
	}
	return json.Unmarshal(b, m)
}

// maxTraitsDepth bounds the fast path's nesting; deeper documents go to encoding/json.
const maxTraitsDepth = 32

type traitsParser struct {
	b []byte
	s string // b as a string
	i int
}

func (p *traitsParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *traitsParser) value(depth int) (any, bool) {
	p.space()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; c {
	case '{':
		return p.object(depth + 1)
	case '[':
		return p.array(depth + 1)
	case '"':
		return p.str()
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return nil, p.literal("null")
	}
	return p.number()
}

func (p *traitsParser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

// object reads {...} at p.i.
func (p *traitsParser) object(depth int) (map[string]any, bool) {
	if depth > maxTraitsDepth {
		return nil, false
	}
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		p.space()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

// array reads [...] at p.i.
func (p *traitsParser) array(depth int) ([]any, bool) {
	if depth > maxTraitsDepth {
		return nil, false
	}
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, true
	}
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// str reads a string without escapes at p.i; escapes, control characters and invalid UTF-8
// (which encoding/json replaces) leave the fast path.
func (p *traitsParser) str() (string, bool) {
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(p.b[start:j]) {
				return "", false
			}
			p.i = j + 1
			return p.s[start:j], true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// number reads a JSON number at p.i as float64, as encoding/json does for interface values.
func (p *traitsParser) number() (any, bool) {
	start, j := p.i, p.i
	digits := func() int {
		n := 0
		for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	switch {
	case j < len(p.b) && p.b[j] == '0':
		j++
	case digits() == 0:
		return nil, false
	}
	if j < len(p.b) && p.b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(p.b) && (p.b[j] == 'e' || p.b[j] == 'E') {
		j++
		if j < len(p.b) && (p.b[j] == '+' || p.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(p.s[start:j], 64)
	if err != nil {
		return nil, false
	}
	p.i = j
	return f, true
}
