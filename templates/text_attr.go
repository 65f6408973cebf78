package templates

import (
	"html"
	"strings"
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

// eachAttr calls fn with every attribute of a tag, its name lower-cased and its value with
// entities decoded, until fn returns false.
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
		if !fn(name, html.UnescapeString(strings.ToValidUTF8(value, "\uFFFD"))) {
			return
		}
	}
}

// attrValue returns the value of the named attribute, "" when absent.
func attrValue(attrs, name string) string {
	out := ""
	eachAttr(attrs, func(n, v string) bool {
		if n == name {
			out = v
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
			css := strings.ToLower(strings.Join(strings.Fields(v), ""))
			hidden = strings.Contains(css, "display:none") || strings.Contains(css, "visibility:hidden")
		}
		return !hidden
	})
	return hidden
}
