package templates

import (
	"bytes"
	"html"
	"strings"
	"unicode/utf8"
)

// scanAttrs finds the end of a tag whose name ends at i: the byte after its '>', and the
// attribute text before it; ok is false when the input ends inside the tag. A '>' inside a
// quoted value does not end the tag; a quote counts only where a value starts, as in the
// HTML tokenizer.
func scanAttrs(s string, i int) (end int, attrs string, ok bool) {
	start := i
	for i < len(s) {
		switch s[i] {
		case '>':
			return i + 1, s[start:i], true
		case '=':
			i++
			for i < len(s) && isHTMLSpace(rune(s[i])) {
				i++
			}
			if i < len(s) && (s[i] == '"' || s[i] == '\'') {
				j := strings.IndexByte(s[i+1:], s[i])
				if j < 0 {
					return len(s), "", false
				}
				i += j + 2
			}
		default:
			i++
		}
	}
	return len(s), "", false
}

// eachAttr calls fn with every attribute of a tag, its name lower-cased and its value as
// written (attrText decodes it), until fn returns false.
func eachAttr(attrs string, fn func(name, value string) bool) {
	i := 0
	for i < len(attrs) {
		for i < len(attrs) && (isHTMLSpace(rune(attrs[i])) || attrs[i] == '/') {
			i++
		}
		n := i
		for i < len(attrs) && !isHTMLSpace(rune(attrs[i])) && attrs[i] != '=' && attrs[i] != '/' {
			i++
		}
		name := strings.ToLower(attrs[n:i])
		for i < len(attrs) && isHTMLSpace(rune(attrs[i])) {
			i++
		}
		value := ""
		if i < len(attrs) && attrs[i] == '=' {
			i++
			for i < len(attrs) && isHTMLSpace(rune(attrs[i])) {
				i++
			}
			if i < len(attrs) && (attrs[i] == '"' || attrs[i] == '\'') {
				q := attrs[i]
				j := strings.IndexByte(attrs[i+1:], q)
				if j < 0 {
					value, i = attrs[i+1:], len(attrs)
				} else {
					value, i = attrs[i+1:i+1+j], i+j+2
				}
			} else {
				v := i
				for i < len(attrs) && !isHTMLSpace(rune(attrs[i])) {
					i++
				}
				value = attrs[v:i]
			}
		}
		if name == "" {
			if i < len(attrs) {
				i++ // a stray '=': step over it rather than loop on it
			}
			continue
		}
		if !fn(name, value) {
			return
		}
	}
}

// attrText decodes the value of an attribute: entities, and invalid UTF-8 as U+FFFD. Only the
// values used are decoded, not every style of every cell.
func attrText(raw string) string {
	return html.UnescapeString(strings.ToValidUTF8(raw, "\uFFFD"))
}

// attrValue returns the value of the named attribute, "" when absent.
func attrValue(attrs, name string) string {
	out := ""
	eachAttr(attrs, func(n, v string) bool {
		if n == name {
			out = attrText(v)
			return false
		}
		return true
	})
	return out
}

// isHidden reports whether an element is not shown: the hidden attribute, or an inline style
// with display:none or visibility:hidden (an email's preheader).
func isHidden(attrs string) bool {
	hidden := false
	eachAttr(attrs, func(n, v string) bool {
		switch n {
		case "hidden":
			hidden = true
		case "style":
			hidden = styleHides(attrText(v))
		}
		return !hidden
	})
	return hidden
}

// styleHides reports whether an inline style, white space removed and lower-cased, says
// display:none or visibility:hidden. It runs for every styled element of every email, so an
// ASCII style of up to 256 bytes is compacted on the stack; the rest take the general path.
func styleHides(v string) bool {
	var buf [256]byte
	css := buf[:0]
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b >= utf8.RuneSelf || len(css) == len(buf) {
			css := strings.ToLower(strings.Join(strings.Fields(v), ""))
			return strings.Contains(css, "display:none") || strings.Contains(css, "visibility:hidden")
		}
		switch {
		case b == ' ' || b >= '\t' && b <= '\r': // unicode.IsSpace in ASCII
			continue
		case 'A' <= b && b <= 'Z':
			b += 'a' - 'A'
		}
		css = append(css, b)
	}
	return bytes.Contains(css, []byte("display:none")) || bytes.Contains(css, []byte("visibility:hidden"))
}
