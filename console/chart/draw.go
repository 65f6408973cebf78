package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
)

// Bars draws a bar chart with each bar's number above it. Negative and NaN values draw no
// bar (the number still shows).
func Bars(title string, bars []Bar) template.HTML {
	s := newSVG(title, "bars")
	if len(bars) == 0 {
		s.empty("no data yet")
		return s.done()
	}
	top := 0.0
	values := make([]float64, len(bars))
	for i, b := range bars {
		top = math.Max(top, b.Value)
		values[i] = b.Value
	}
	a := axisFor(top, values)
	s.axis(a)
	slot := float64(plotW) / float64(len(bars))
	w := math.Max(1, slot*0.7)
	base := float64(marginT + plotH)
	for i, b := range bars {
		x := float64(marginL) + slot*float64(i) + (slot-w)/2
		h := a.Scale(b.Value)
		if b.Href != "" {
			fmt.Fprintf(&s.b, `<a href="%s">`, template.HTMLEscapeString(b.Href))
		}
		fmt.Fprintf(&s.b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" data-value="%s"><title>%s: %s</title></rect>`,
			f(x), f(base-h), f(w), f(h), strconv.FormatFloat(b.Value, 'f', -1, 64),
			template.HTMLEscapeString(b.Label), Number(b.Value))
		if b.Href != "" {
			s.b.WriteString(`</a>`)
		}
		s.text(x+w/2, base-h-4, "middle", "value", Number(b.Value))
		s.text(x+w/2, base+16, "middle", "label", b.Label)
	}
	return s.done()
}

// Hours draws a 24-hour histogram (index = local hour), labelled every three hours.
func Hours(title string, hours [24]int) template.HTML {
	bars := make([]Bar, 24)
	any := false
	for h, n := range hours {
		bars[h] = Bar{Label: fmt.Sprintf("%02d", h), Value: float64(n)}
		any = any || n > 0
	}
	s := newSVG(title, "hours")
	if !any {
		s.empty("no opens or clicks yet")
		return s.done()
	}
	top := 0
	for _, n := range hours {
		top = max(top, n)
	}
	a := CountAxis(float64(top))
	s.axis(a)
	slot := float64(plotW) / 24
	base := float64(marginT + plotH)
	for h, b := range bars {
		x := float64(marginL) + slot*float64(h) + 1
		hh := a.Scale(b.Value)
		fmt.Fprintf(&s.b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" data-value="%d"><title>%s:00: %s</title></rect>`,
			f(x), f(base-hh), f(slot-2), f(hh), hours[h], b.Label, Int(int64(hours[h])))
		if h%3 == 0 {
			s.text(x+slot/2, base+16, "middle", "label", b.Label)
		}
	}
	return s.done()
}

// Stacked draws per-label (per-day) stacked bars, one colour class per series (s0, s1, ...),
// with a legend and each column's total above it.
func Stacked(title string, labels []string, series []Series) template.HTML {
	s := newSVG(title, "stacked")
	totals := make([]float64, len(labels))
	for _, se := range series {
		for i := range labels {
			if i < len(se.Values) && se.Values[i] > 0 {
				totals[i] += se.Values[i]
			}
		}
	}
	top := 0.0
	for _, t := range totals {
		top = math.Max(top, t)
	}
	if len(labels) == 0 || top == 0 {
		s.empty("no data yet")
		return s.done()
	}
	var values []float64
	for _, se := range series {
		values = append(values, se.Values...)
	}
	a := axisFor(top, values)
	s.axis(a)
	slot := float64(plotW) / float64(len(labels))
	w := math.Max(1, slot*0.8)
	base := float64(marginT + plotH)
	every := max(1, len(labels)/8) // at most ~8 x labels
	for i, l := range labels {
		x := float64(marginL) + slot*float64(i) + (slot-w)/2
		y := base
		for k, se := range series {
			if i >= len(se.Values) || !(se.Values[i] > 0) {
				continue
			}
			h := a.Scale(se.Values[i])
			y -= h
			fmt.Fprintf(&s.b, `<rect class="bar s%d" x="%s" y="%s" width="%s" height="%s" data-value="%s"><title>%s %s: %s</title></rect>`,
				k%6, f(x), f(y), f(w), f(h), strconv.FormatFloat(se.Values[i], 'f', -1, 64),
				template.HTMLEscapeString(l), template.HTMLEscapeString(se.Name), Number(se.Values[i]))
		}
		if len(labels) <= 14 {
			s.text(x+w/2, y-4, "middle", "value", Number(totals[i]))
		}
		if i%every == 0 {
			s.text(x+w/2, base+16, "middle", "label", l)
		}
	}
	for k, se := range series {
		x := float64(marginL) + float64(k)*110
		fmt.Fprintf(&s.b, `<rect class="legend s%d" x="%s" y="%d" width="10" height="10"/>`, k%6, f(x), Height-14)
		s.text(x+14, Height-5, "start", "legend", se.Name)
	}
	return s.done()
}
