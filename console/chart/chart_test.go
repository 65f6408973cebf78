package chart

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"
)

// element is any SVG element, parsed back to check the geometry that was drawn.
type element struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []element  `xml:",any"`
}

func (e element) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (e element) all(name string, out *[]element) {
	for _, k := range e.Kids {
		if k.XMLName.Local == name {
			*out = append(*out, k)
		}
		k.all(name, out)
	}
}

func parse(t *testing.T, svg string) element {
	t.Helper()
	var root element
	if err := xml.Unmarshal([]byte(svg), &root); err != nil {
		t.Fatalf("not well-formed SVG: %v\n%s", err, svg)
	}
	if strings.Contains(svg, "style=") {
		t.Errorf("a style attribute breaks the console's CSP: %s", svg)
	}
	return root
}

func find(root element, name, class string) []element {
	var all, out []element
	root.all(name, &all)
	for _, e := range all {
		if class == "" || strings.Contains(" "+e.attr("class")+" ", " "+class+" ") {
			out = append(out, e)
		}
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func TestNiceAxisHoldsTheMaximumInRoundSteps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max       float64
		top, step float64
	}{
		{0, 1, 0.25},
		{math.NaN(), 1, 0.25},
		{1, 1, 0.25},
		{7, 8, 2},
		{10, 10, 2.5},
		{93, 100, 25},
		{1234, 1500, 500},
		{1e12, 1e12, 2.5e11},
	} {
		a := NiceAxis(tc.max)
		if a.Top != tc.top || a.Step != tc.step {
			t.Errorf("NiceAxis(%v) = %+v, want top %v step %v", tc.max, a, tc.top, tc.step)
		}
		if tc.max > 0 && a.Top < tc.max {
			t.Errorf("NiceAxis(%v) top %v is below the maximum", tc.max, a.Top)
		}
	}
}

func TestBarHeightsAreProportionalToTheNumbers(t *testing.T) {
	t.Parallel()
	data := []Bar{{Label: "eligible", Value: 1000}, {Label: "sent", Value: 800}, {Label: "opened", Value: 250}, {Label: "clicked", Value: 40}, {Label: "converted", Value: 0}}
	root := parse(t, string(Bars("funnel", data)))
	rects := find(root, "rect", "bar")
	if len(rects) != len(data) {
		t.Fatalf("%d bars, want %d", len(rects), len(data))
	}
	per := num(t, rects[0].attr("height")) / 1000
	for i, r := range rects {
		h, y := num(t, r.attr("height")), num(t, r.attr("y"))
		if want := data[i].Value * per; math.Abs(h-want) > 0.02 {
			t.Errorf("bar %s: height %v, want %v (proportional)", data[i].Label, h, want)
		}
		if base := y + h; math.Abs(base-float64(marginT+plotH)) > 0.02 {
			t.Errorf("bar %s stands on %v, not on the axis", data[i].Label, base)
		}
	}
	values := find(root, "text", "value")
	for i, v := range values {
		if v.Text != Number(data[i].Value) {
			t.Errorf("number on bar %d = %q, want %q", i, v.Text, Number(data[i].Value))
		}
	}
	ticks := find(root, "text", "tick")
	if got := []string{ticks[0].Text, ticks[len(ticks)-1].Text}; got[0] != "0" || got[1] != "1,000" {
		t.Errorf("axis runs %v, want 0 to 1,000", got)
	}
}

func TestChartsOfNoDataSayso(t *testing.T) {
	t.Parallel()
	for name, svg := range map[string]string{
		"bars":    string(Bars("nothing", nil)),
		"hours":   string(Hours("nothing", [24]int{})),
		"stacked": string(Stacked("nothing", nil, nil)),
		"zeros":   string(Stacked("nothing", []string{"d1"}, []Series{{Name: "email", Values: []float64{0}}})),
	} {
		root := parse(t, svg)
		if len(find(root, "rect", "bar")) != 0 || len(find(root, "text", "empty")) != 1 {
			t.Errorf("%s: want no bar and one 'no data' text:\n%s", name, svg)
		}
	}
}

func TestOnePointFillsTheAxis(t *testing.T) {
	t.Parallel()
	root := parse(t, string(Bars("one", []Bar{{Label: "only", Value: 3}})))
	rects := find(root, "rect", "bar")
	if len(rects) != 1 {
		t.Fatalf("%d bars", len(rects))
	}
	a := NiceAxis(3)
	if h := num(t, rects[0].attr("height")); math.Abs(h-3/a.Top*plotH) > 0.02 || h <= 0 {
		t.Errorf("height %v for 3 on an axis to %v", h, a.Top)
	}
	hours := [24]int{}
	hours[21] = 5
	root = parse(t, string(Hours("one hour", hours)))
	var drawn int
	for _, r := range find(root, "rect", "bar") {
		if num(t, r.attr("height")) > 0 {
			drawn++
			if r.attr("data-value") != "5" {
				t.Errorf("the drawn hour holds %s", r.attr("data-value"))
			}
		}
	}
	if drawn != 1 {
		t.Errorf("%d hours drawn, want 1", drawn)
	}
}

func TestVeryLargeNumbersAreGroupedByThousands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{1e12, "1,000,000,000,000"},
		{1234567.89, "1,234,568"},
		{999, "999"},
		{1000, "1,000"},
		{0.126, "0.13"},
		{-2500, "−2,500"},
		{math.NaN(), "–"},
	} {
		if got := Number(tc.v); got != tc.want {
			t.Errorf("Number(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := Int(-1234567); got != "−1,234,567" {
		t.Errorf("Int = %q", got)
	}
	svg := string(Bars("big", []Bar{{Label: "revenue", Value: 1e12}, {Label: "cost", Value: 4e11}}))
	root := parse(t, svg)
	if !strings.Contains(svg, ">1,000,000,000,000<") {
		t.Errorf("1e12 is not written in full with separators:\n%s", svg)
	}
	if strings.Contains(svg, "e+") {
		t.Errorf("exponent notation leaks into the chart:\n%s", svg)
	}
	if h := num(t, find(root, "rect", "bar")[1].attr("height")); math.Abs(h-0.4*plotH) > 0.02 {
		t.Errorf("4e11 of 1e12: height %v, want %v", h, 0.4*plotH)
	}
}

func TestRightToLeftLabelsAreIsolated(t *testing.T) {
	t.Parallel()
	if !RTL("نوروز") || !RTL("«یلدا»") || RTL("Nowruz") || RTL("2026") || !RTL("שלום") {
		t.Error("RTL misreads the direction of a label")
	}
	svg := string(Bars("holidays", []Bar{{Label: "نوروز", Value: 1200}, {Label: "Christmas", Value: 900}, {Label: `<script>`, Value: 1}}))
	root := parse(t, svg)
	labels := find(root, "text", "label")
	if labels[0].Text != "نوروز" || labels[0].attr("direction") != "rtl" || labels[0].attr("unicode-bidi") != "isolate" {
		t.Errorf("Persian label = %+v", labels[0])
	}
	if labels[1].attr("direction") != "" {
		t.Errorf("Latin label marked %q", labels[1].attr("direction"))
	}
	if strings.Contains(svg, "<script>") {
		t.Error("a label is not escaped")
	}
	st := string(Stacked("days", []string{"1 فروردین"}, []Series{{Name: "ایمیل", Values: []float64{3}}}))
	parse(t, st)
	if !strings.Contains(st, `direction="rtl" unicode-bidi="isolate" class=`) && !strings.Contains(st, `direction="rtl"`) {
		t.Errorf("stacked chart's Persian legend is not isolated:\n%s", st)
	}
}

func TestStackedColumnsAddUp(t *testing.T) {
	t.Parallel()
	days := []string{"12-01", "12-02", "12-03"}
	root := parse(t, string(Stacked("by channel", days, []Series{
		{Name: "email", Values: []float64{10, 20, 0}},
		{Name: "sms", Values: []float64{5, 0, 40}},
	})))
	rects := find(root, "rect", "bar")
	if len(rects) != 4 {
		t.Fatalf("%d segments, want 4 (zeros draw nothing)", len(rects))
	}
	per := num(t, rects[0].attr("height")) / 10
	top := num(t, rects[1].attr("y"))
	if want := float64(marginT+plotH) - 15*per; math.Abs(top-want) > 0.05 {
		t.Errorf("day 1's stack tops at %v, want %v", top, want)
	}
	if got := find(root, "text", "value"); len(got) != 3 || got[0].Text != "15" || got[2].Text != "40" {
		t.Errorf("totals = %+v", got)
	}
}

func TestCountsGetWholeNumberTicks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max       float64
		top, step float64
	}{{0, 1, 1}, {1, 1, 1}, {3, 3, 1}, {7, 8, 2}, {1e6, 1e6, 2.5e5}} {
		if a := CountAxis(tc.max); a.Top != tc.top || a.Step != tc.step {
			t.Errorf("CountAxis(%v) = %+v, want top %v step %v", tc.max, a, tc.top, tc.step)
		}
	}
	root := parse(t, string(Bars("stages", []Bar{{Label: "new", Value: 1}, {Label: "lapsed", Value: 0}})))
	var ticks []string
	for _, e := range find(root, "text", "tick") {
		ticks = append(ticks, e.Text)
	}
	if strings.Join(ticks, " ") != "0 1" {
		t.Errorf("ticks of a chart of counts = %v, want 0 1", ticks)
	}
	root = parse(t, string(Bars("money", []Bar{{Label: "a", Value: 0.5}})))
	if n := len(find(root, "text", "tick")); n < 3 {
		t.Errorf("a chart of fractions got %d ticks", n)
	}
}
