package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration that also accepts days and weeks ("30d", "-1d", "2w", "1d12h").
type Duration time.Duration

// ParseDuration parses "2h", "30m", "30d", "2w", "-1d", "1d12h".
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	neg := false
	rest := s
	if rest[0] == '-' || rest[0] == '+' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	var total time.Duration
	// Peel off leading day and week components, hand the remainder to time.ParseDuration.
	for {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9') {
			i++
		}
		if i == 0 || i == len(rest) || (rest[i] != 'd' && rest[i] != 'w') {
			break
		}
		unit := 24 * time.Hour
		if rest[i] == 'w' {
			unit = 7 * 24 * time.Hour
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n > int64(maxDuration/unit) || total > maxDuration-time.Duration(n)*unit {
			return 0, fmt.Errorf("invalid duration %q (out of range)", s)
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 || total > maxDuration-d {
			return 0, fmt.Errorf("invalid duration %q (use e.g. 30m, 2h, 30d, 2w)", s)
		}
		total += d
	}
	if neg {
		total = -total
	}
	return Duration(total), nil
}

// maxDuration is the largest time.Duration (about 292 years).
const maxDuration = time.Duration(1<<63 - 1)

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats whole days as "Nd".
func (d Duration) String() string {
	td := time.Duration(d)
	if td != 0 && td%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", td/(24*time.Hour))
	}
	return td.String()
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	v, err := ParseDuration(scalar(n))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Size is a number of bytes, written with a binary unit as GOMEMLIMIT takes it: "512MiB",
// "2GiB", "65536KiB", "1048576B" or a bare number of bytes. The zero value is "none".
type Size int64

// sizeUnits are the units of Size, largest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// ParseSize parses "512MiB", "2GiB", "1048576" (bytes), and "" or "none" for none. Decimal
// units (MB, GB) are refused rather than guessed: 512MB and 512MiB differ by 5%.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	if t == "" || t == "none" {
		return 0, nil
	}
	num, mult := t, int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("invalid size %q (want e.g. 512MiB or 2GiB; units B, KiB, MiB, GiB, TiB)", s)
	}
	return Size(n * mult), nil
}

// String writes the size in the largest unit that divides it: "512MiB", "none" for zero.
func (z Size) String() string {
	if z == 0 {
		return "none"
	}
	for _, u := range sizeUnits {
		if int64(z)%u.bytes == 0 {
			return strconv.FormatInt(int64(z)/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(z), 10) + "B"
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (z *Size) UnmarshalYAML(n ast.Node) error {
	v, err := ParseSize(scalar(n))
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// TimeOfDay is a local wall-clock time "HH:MM", in minutes after midnight.
type TimeOfDay struct {
	Minutes int
	Set     bool
}

// ParseTimeOfDay parses "HH:MM" (00:00 to 23:59).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return TimeOfDay{}, fmt.Errorf("invalid time of day %q (want HH:MM)", s)
	}
	return TimeOfDay{Minutes: hh*60 + mm, Set: true}, nil
}

// Hour and Minute split the value.
func (t TimeOfDay) Hour() int   { return t.Minutes / 60 }
func (t TimeOfDay) Minute() int { return t.Minutes % 60 }

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }

// On returns that wall-clock time on the given date in loc. A time that does not exist that
// day (a spring-forward gap) comes as late as the gap is long: a 02:30 greeting on a day
// without 02:30 comes at 03:30. time.Date alone does not promise that: for zones west of UTC it
// returns the instant before the gap (01:30), which would send before the customer's morning
// or outside the window.
func (t TimeOfDay) On(year int, month time.Month, day int, loc *time.Location) time.Time {
	at := time.Date(year, month, day, t.Hour(), t.Minute(), 0, 0, loc)
	if at.Hour() == t.Hour() && at.Minute() == t.Minute() {
		return at
	}
	// In a gap: read the wall time with the offset in force before the gap (a day earlier;
	// no zone changes its offset twice in a day), which lands after the gap.
	wall := time.Date(year, month, day, t.Hour(), t.Minute(), 0, 0, time.UTC)
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	return wall.Add(-time.Duration(before) * time.Second).In(loc)
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (t *TimeOfDay) UnmarshalYAML(n ast.Node) error {
	v, err := ParseTimeOfDay(scalar(n))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Window is a local sending window "09:00-20:00". A window whose end is before its start spans
// midnight ("20:00-08:00"). The zero value means "any time".
type Window struct {
	Start, End TimeOfDay
}

// endOfDay is "24:00", the end of a day as ISO 8601 writes it: a window "18:00-24:00" runs to
// midnight, which "18:00-23:59" would miss by a minute and "18:00-00:00" would turn into a
// window spanning midnight. Only a window's end may be 24:00; Minutes is then 1440, so that
// Contains needs no special case (every minute of the day is below it).
const endOfDay = 24 * 60

// ParseWindow parses "HH:MM-HH:MM", or "any" for no restriction (a campaign that must go out
// at once, such as an order confirmation, overrides the configuration's window with it). The
// end may be 24:00, the end of the day.
func ParseWindow(s string) (Window, error) {
	if t := strings.TrimSpace(s); t == "any" || t == "any time" {
		return Window{}, nil
	}
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Window{}, fmt.Errorf("invalid window %q (want HH:MM-HH:MM)", s)
	}
	start, err := ParseTimeOfDay(a)
	if strings.TrimSpace(a) == "24:00" {
		return Window{}, fmt.Errorf("invalid window %q: 24:00 ends a day, a window starts at 00:00", s)
	}
	if err != nil {
		return Window{}, fmt.Errorf("invalid window %q: %w", s, err)
	}
	end, err := ParseTimeOfDay(b)
	if strings.TrimSpace(b) == "24:00" {
		end, err = TimeOfDay{Minutes: endOfDay, Set: true}, nil
	}
	if err != nil {
		return Window{}, fmt.Errorf("invalid window %q: %w", s, err)
	}
	if start.Minutes == end.Minutes {
		return Window{}, fmt.Errorf("invalid window %q: empty", s)
	}
	return Window{Start: start, End: end}, nil
}

// IsZero reports an unset window (any time).
func (w Window) IsZero() bool { return !w.Start.Set && !w.End.Set }

func (w Window) String() string {
	if w.IsZero() {
		return "any time"
	}
	return w.Start.String() + "-" + w.End.String()
}

// Contains reports whether the local wall-clock time of t (in t's location) is inside the window.
func (w Window) Contains(t time.Time) bool {
	if w.IsZero() {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	if w.Start.Minutes < w.End.Minutes {
		return m >= w.Start.Minutes && m < w.End.Minutes
	}
	return m >= w.Start.Minutes || m < w.End.Minutes
}

// Next returns t when it is inside the window, else the window's next opening in t's location.
func (w Window) Next(t time.Time) time.Time {
	if w.Contains(t) {
		return t
	}
	y, mo, d := t.Date()
	open := w.Start.On(y, mo, d, t.Location())
	if !open.After(t) {
		open = w.Start.On(y, mo, d+1, t.Location())
	}
	return open
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (w *Window) UnmarshalYAML(n ast.Node) error {
	v, err := ParseWindow(scalar(n))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// Percent is a share written "10%", stored as a fraction in [0,1].
type Percent float64

// ParsePercent parses "10%" or "12.5%".
func ParsePercent(s string) (Percent, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	num, ok := strings.CutSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || f < 0 || f > 100 {
		return 0, fmt.Errorf("invalid percentage %q (want e.g. 10%%)", s)
	}
	return Percent(f / 100), nil
}

func (p Percent) String() string { return strconv.FormatFloat(float64(p)*100, 'f', -1, 64) + "%" }

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (p *Percent) UnmarshalYAML(n ast.Node) error {
	v, err := ParsePercent(scalar(n))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Limit is a frequency cap "3/7d": at most Count messages in Period. The zero value is no cap.
type Limit struct {
	Count  int
	Period Duration
}

// RecentSends is how many sends are always kept on a customer's profile, newest first,
// however old (customers.Options.RecentSends): what GET /v1/customers/{id} shows and the
// repeat rule reads. Older sends are kept while a frequency cap may count them, up to
// MaxSends (caps.go).
const RecentSends = 20

// ParseLimit parses "N/DURATION"; "none" or "0/0" is no cap. A period of whole days counts
// local calendar days, one under a day is rolling; a period over a day that is not whole
// days ("1d12h") is refused, being neither. N may not exceed MaxSends, the sends kept.
func ParseLimit(s string) (Limit, error) {
	if t := strings.TrimSpace(s); t == "none" || t == "0/0" {
		return Limit{}, nil
	}
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.Atoi(strings.TrimSpace(a))
	if !ok || err != nil || n < 0 {
		return Limit{}, fmt.Errorf("invalid limit %q (want e.g. 3/7d)", s)
	}
	d, err := ParseDuration(b)
	if err != nil || d <= 0 {
		return Limit{}, fmt.Errorf("invalid limit %q (want e.g. 3/7d)", s)
	}
	if day := Duration(24 * time.Hour); d > day && d%day != 0 {
		return Limit{}, fmt.Errorf("invalid limit %q: a cap of a day or more counts the customer's local calendar days, "+
			"so its period is whole days (e.g. 3/7d); under a day it is a rolling period (e.g. 2/12h)", s)
	}
	if n > MaxSends {
		return Limit{}, fmt.Errorf("invalid limit %q: a cap counts the sends kept on the profile, at most %d, "+
			"so a cap above %d could never bind", s, MaxSends, MaxSends)
	}
	return Limit{Count: n, Period: d}, nil
}

// IsZero reports no cap.
func (l Limit) IsZero() bool { return l.Period == 0 }

func (l Limit) String() string {
	if l.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%d/%s", l.Count, l.Period)
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (l *Limit) UnmarshalYAML(n ast.Node) error {
	v, err := ParseLimit(scalar(n))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// RepeatKind says when a customer may enter a campaign again.
type RepeatKind string

// Repeat kinds. RepeatEach (the default) allows one message per occurrence: per triggering
// event, or per scheduled occurrence.
const (
	RepeatEach   RepeatKind = ""
	RepeatOnce   RepeatKind = "once"
	RepeatYearly RepeatKind = "yearly"
	RepeatEvery  RepeatKind = "every"
)

// Repeat is "once", "yearly" or "every 30d".
type Repeat struct {
	Kind  RepeatKind
	Every Duration
}

// ParseRepeat parses the repeat rule.
func ParseRepeat(s string) (Repeat, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Repeat{}, nil
	case s == "once":
		return Repeat{Kind: RepeatOnce}, nil
	case s == "yearly":
		return Repeat{Kind: RepeatYearly}, nil
	case strings.HasPrefix(s, "every "):
		d, err := ParseDuration(strings.TrimPrefix(s, "every "))
		if err != nil || d <= 0 {
			return Repeat{}, fmt.Errorf("invalid repeat %q (want once, yearly or every 30d)", s)
		}
		return Repeat{Kind: RepeatEvery, Every: d}, nil
	}
	return Repeat{}, fmt.Errorf("invalid repeat %q (want once, yearly or every 30d)", s)
}

func (r Repeat) String() string {
	switch r.Kind {
	case RepeatEach:
		return "each occurrence"
	case RepeatEvery:
		return "every " + r.Every.String()
	}
	return string(r.Kind)
}

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (r *Repeat) UnmarshalYAML(n ast.Node) error {
	v, err := ParseRepeat(scalar(n))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// scalar returns the text of a scalar node ("" for null).
func scalar(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return ""
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value == nil {
			return ""
		}
		return v.Value.Value
	case *ast.MappingKeyNode:
		return scalar(v.Value)
	}
	return n.String()
}

// posOf returns the position of a node. A block mapping's own token is the colon after its
// first key, so a mapping is placed at its first key instead.
func posOf(n ast.Node) Pos {
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		n = mv.Key
	}
	if n == nil || n.GetToken() == nil {
		return Pos{}
	}
	p := n.GetToken().Position
	return Pos{Line: p.Line, Col: p.Column}
}

// Coupon is the value of a coupon reward: a share off ("10%") or an amount off ("5",
// "5 EUR"; without a currency, the order's).
type Coupon struct {
	Percent  Percent
	Amount   float64
	Currency string // ISO 4217, upper case; "" for a percentage or the order's currency
}

// ParseCoupon parses "10%", "5" or "5 EUR".
func ParseCoupon(s string) (Coupon, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "%") {
		p, err := ParsePercent(s)
		if err != nil || p <= 0 {
			return Coupon{}, fmt.Errorf("invalid coupon value %q (want e.g. 10%%, 5 or 5 EUR)", s)
		}
		return Coupon{Percent: p}, nil
	}
	num, cur, _ := strings.Cut(s, " ")
	cur = strings.TrimSpace(cur)
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || (cur != "" && !isCurrency(cur)) {
		return Coupon{}, fmt.Errorf("invalid coupon value %q (want e.g. 10%%, 5 or 5 EUR)", s)
	}
	return Coupon{Amount: f, Currency: cur}, nil
}

func (c Coupon) String() string {
	if c.Percent > 0 {
		return c.Percent.String()
	}
	s := strconv.FormatFloat(c.Amount, 'f', -1, 64)
	if c.Currency != "" {
		s += " " + c.Currency
	}
	return s
}

// isCurrency reports three upper-case letters.
func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ParseCountryDays parses the environment's form of a CountryDays: "IR=1,PK=-1". Codes and
// ranges are checked with the rest of the configuration.
func ParseCountryDays(s string) (CountryDays, error) {
	out := CountryDays{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		cc, days, ok := strings.Cut(item, "=")
		n, err := strconv.Atoi(strings.TrimSpace(days))
		if !ok || err != nil {
			return nil, fmt.Errorf("invalid %q: want COUNTRY=DAYS, e.g. IR=1", item)
		}
		out[strings.TrimSpace(cc)] = n
	}
	return out, nil
}
