package templates

import (
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// renderCtx is what template functions know about the message being rendered.
type renderCtx struct {
	lang   *lang
	loc    *time.Location
	traits map[string]any
}

// language returns the locale's formatting rules; English when none is set (the load-time
// probe runs functions with an empty context).
func (c *renderCtx) language() *lang {
	if c.lang == nil {
		c.lang = newLang("")
	}
	return c.lang
}

func (c *renderCtx) location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// commonFuncs are the functions whose behaviour is the same in HTML and text templates.
func commonFuncs(ctx *renderCtx) map[string]any {
	return map[string]any{
		"default": defaultValue,
		"title":   func(v any) string { return ctx.language().title(toString(v)) },
		"upper":   func(v any) string { return ctx.language().upper(toString(v)) },
		"lower":   func(v any) string { return ctx.language().lower(toString(v)) },
		"trait":   func(name string) any { return lookupTrait(ctx.traits, name) },
		// fullName takes any, not string, for the reason money does: names may come from data.
		"fullName": func(first, last any) string {
			return displayName(toString(first), toString(last), ctx.language().base)
		},
		"date": func(v any, style ...string) (string, error) {
			if len(style) > 1 {
				return "", fmt.Errorf("date takes a value and at most one style, got %d styles", len(style))
			}
			s := ""
			if len(style) == 1 {
				s = style[0]
			}
			return ctx.language().formatDate(v, s, ctx.location())
		},
		"time": func(v any) (string, error) { return ctx.language().formatTime(v, ctx.location()) },
		"number": func(v any, decimals ...int) (string, error) {
			if len(decimals) > 1 {
				return "", fmt.Errorf("number takes a value and at most one count of decimals, got %d", len(decimals))
			}
			return ctx.language().number(v, decimals)
		},
		// The currency is any, not string: it usually comes from data (.Event.currency), and a
		// missing key is a nil interface, which text/template refuses to pass as a string.
		"money": func(v, currency any) (string, error) { return ctx.language().money(v, toString(currency)) },
		"percent": func(v any, decimals ...int) (string, error) {
			if len(decimals) > 1 {
				return "", fmt.Errorf("percent takes a value and at most one count of decimals, got %d", len(decimals))
			}
			return ctx.language().percent(v, decimals)
		},
		"amount": func(v any, currency ...any) (string, error) { return ctx.language().amount(v, currency) },
	}
}

// htmlFuncs are the functions of HTML templates.
func htmlFuncs(ctx *renderCtx) htmltemplate.FuncMap {
	m := commonFuncs(ctx)
	m["safeURL"] = func(v any) any {
		s := strings.TrimSpace(toString(v))
		if urlAllowed(s) {
			return htmltemplate.URL(s)
		}
		// Left as a plain string, html/template's own filter turns it into #ZgotmplZ in an
		// href, so a javascript: URL from a profile never becomes a link.
		return s
	}
	return m
}

// textFuncs are the functions of text templates: subjects, SMS and plain-text bodies.
func textFuncs(ctx *renderCtx) map[string]any {
	m := commonFuncs(ctx)
	m["safeURL"] = func(v any) string { return strings.TrimSpace(toString(v)) }
	return m
}

// urlAllowed reports whether a URL may be marked safe: relative, or one of the schemes a
// marketing message links to. tel: and sms: are why safeURL exists, since html/template only
// trusts http, https and mailto by itself.
func urlAllowed(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto", "tel", "sms":
		return true
	}
	return false
}

// defaultValue returns v, or def when v is empty: nil, a blank string, a zero time, an empty
// slice or map, a nil pointer. Zero numbers are not empty: "0 orders" is information.
func defaultValue(def, v any) any {
	if isEmpty(v) {
		return def
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case time.Time:
		return x.IsZero()
	case *time.Time:
		return x == nil || x.IsZero()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array:
		return rv.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// lookupTrait finds a trait by name: the exact key first, then a dotted path through nested
// objects ("address.country"). A missing trait is "", never nil, so it prints as nothing.
func lookupTrait(traits map[string]any, name string) any {
	if v, ok := traits[name]; ok && v != nil {
		return v
	}
	cur := any(traits)
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		if cur, ok = m[part]; !ok || cur == nil {
			return ""
		}
	}
	return cur
}

// toString renders a value for the case functions: nil is "", a Stringer says itself.
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case fmt.Stringer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return ""
		}
		return x.String()
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}
