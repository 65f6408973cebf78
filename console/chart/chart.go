// Package chart draws the console's charts as inline SVG on the server: a bar chart with the
// numbers on the bars, stacked bars for per-day series and a 24-hour histogram. The SVG uses
// presentation attributes and classes only, never a style attribute, so that it passes the
// console's Content-Security-Policy (style-src 'self'); colours come from console.css.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/bidi"
)

// Geometry of every chart, in SVG user units; the SVG scales to its container (viewBox).
const (
	Width   = 640
	Height  = 260
	marginL = 112 // room for the y axis' numbers, up to 1,000,000,000,000 at 11px
	marginR = 12
	marginT = 20 // room for the number above the tallest bar
	marginB = 44 // room for the x axis' labels
	plotW   = Width - marginL - marginR
	plotH   = Height - marginT - marginB
	// Ticks is how many intervals the y axis is divided into (at most).
	Ticks = 4
)

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
	// Href, when set, makes the bar a link (a customer's file, a campaign).
	Href string
}

// Series is one layer of a stacked chart: a value per label (day).
type Series struct {
	Name   string
	Values []float64
}

// Axis is the y axis of a chart: from 0 to Top in steps of Step.
type Axis struct {
	Top, Step float64
}

// NiceAxis returns an axis from 0 that holds max in at most Ticks steps of 1, 2 or 5 times
// a power of ten, so that its numbers read well. An empty or all-zero chart gets 0 to 1.
func NiceAxis(max float64) Axis {
	if !(max > 0) || math.IsInf(max, 1) {
		return Axis{Top: 1, Step: 0.25}
	}
	raw := max / Ticks
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := pow * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= raw {
			step = m * pow
			break
		}
	}
	top := math.Ceil(max/step) * step
	return Axis{Top: top, Step: step}
}

// CountAxis is NiceAxis for whole numbers (customers, messages): no step below 1, so that
// the axis of a chart of ones and twos does not read 0.25 customers.
func CountAxis(max float64) Axis {
	a := NiceAxis(max)
	if a.Step < 1 {
		a.Step = 1
		a.Top = math.Max(1, math.Ceil(max))
	}
	return a
}

// axisFor picks CountAxis when every value is a whole number.
func axisFor(max float64, values []float64) Axis {
	for _, v := range values {
		if v != math.Trunc(v) {
			return NiceAxis(max)
		}
	}
	return CountAxis(max)
}

// Scale maps a value onto a height in the plot area.
func (a Axis) Scale(v float64) float64 {
	if a.Top <= 0 || v <= 0 || math.IsNaN(v) {
		return 0
	}
	return math.Min(v, a.Top) / a.Top * plotH
}

// Number formats a value for people: thousands separated by commas, at most two decimals
// below 100 and none above (1e12 is "1,000,000,000,000").
func Number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 0):
		return "∞"
	}
	neg := v < 0
	v = math.Abs(v)
	var s string
	if v >= 100 || v == math.Trunc(v) {
		s = groupDigits(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	} else {
		s = strconv.FormatFloat(v, 'f', 2, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if neg {
		return "−" + s
	}
	return s
}

// Int formats an integer with thousands separators.
func Int(n int64) string {
	if n < 0 {
		return "−" + groupDigits(strconv.FormatUint(uint64(-n), 10))
	}
	return groupDigits(strconv.FormatInt(n, 10))
}

func groupDigits(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// RTL reports whether a label's first strong character is right-to-left (Persian, Arabic,
// Hebrew): such a label is drawn with direction="rtl" so that its words keep their order.
func RTL(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.R, bidi.AL:
			return true
		case bidi.L:
			return false
		}
	}
	return false
}

// svg collects the elements of one chart.
type svg struct {
	b strings.Builder
}

func newSVG(title, class string) *svg {
	s := &svg{}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		class, Width, Height, template.HTMLEscapeString(title))
	fmt.Fprintf(&s.b, `<title>%s</title>`, template.HTMLEscapeString(title))
	return s
}

// text draws a label, isolated in its own direction: an RTL label gets direction="rtl" and
// unicode-bidi="isolate" (SVG has no <bdi>), so that "نوروز" between numbers stays whole.
func (s *svg) text(x, y float64, anchor, class, label string) {
	dir := ""
	if RTL(label) {
		dir = ` direction="rtl" unicode-bidi="isolate"`
	}
	fmt.Fprintf(&s.b, `<text x="%s" y="%s" text-anchor="%s" class="%s"%s>%s</text>`,
		f(x), f(y), anchor, class, dir, template.HTMLEscapeString(label))
}

func (s *svg) axis(a Axis) {
	x0, y0 := float64(marginL), float64(marginT+plotH)
	for i := 0.0; i*a.Step <= a.Top+a.Step/2; i++ {
		v := i * a.Step // multiplied, not added up: 0.1+0.1+0.1 drifts
		y := y0 - a.Scale(v)
		fmt.Fprintf(&s.b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, f(x0), f(y), f(x0+plotW), f(y))
		s.text(x0-6, y+4, "end", "tick", Number(v))
	}
	fmt.Fprintf(&s.b, `<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s"/>`, f(x0), f(y0), f(x0+plotW), f(y0))
	fmt.Fprintf(&s.b, `<line class="axis" x1="%s" y1="%d" x2="%s" y2="%s"/>`, f(x0), marginT, f(x0), f(y0))
}

func (s *svg) empty(msg string) {
	s.text(Width/2, Height/2, "middle", "empty", msg)
}

func (s *svg) done() template.HTML {
	s.b.WriteString(`</svg>`)
	return template.HTML(s.b.String()) // #nosec: every label went through HTMLEscapeString
}

// f formats a coordinate with at most two decimals.
func f(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}
