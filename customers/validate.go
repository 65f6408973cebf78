package customers

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// MaxIDLength bounds user ids, message ids, order ids, event and trait names: they end up in
// Redis keys and members, where an unbounded id is a memory attack.
const MaxIDLength = 256

// maxMoney bounds order values so that thousandths fit an int64 with room for sums.
const maxMoney = 1e12

// maxCategories is how many product categories of the last order are kept.
const maxCategories = 10

// validate checks an event before it is applied; DecodeEvent and Store.Apply share it, so an
// event built in Go is held to the same rules as one that came in as JSON. Field names are
// the JSON ones.
func validate(ev *Event) *FieldError {
	if ev.Type != TypeIdentify && ev.Type != TypeTrack {
		return fieldErr("type", "%q is not supported: only identify and track are", ev.Type)
	}
	if ferr := checkID("userId", ev.UserID); ferr != nil {
		return ferr
	}
	if ferr := checkID("messageId", ev.MessageID); ferr != nil {
		return ferr
	}
	if ev.Timestamp.IsZero() {
		return fieldErr("timestamp", "is required")
	}
	if ev.Type == TypeIdentify {
		return checkTraits(ev.Traits)
	}
	if ferr := checkID("event", ev.Event); ferr != nil {
		return ferr
	}
	if ev.Event == OrderCompleted {
		o, ferr := parseOrder(ev.Properties)
		if ferr != nil {
			return ferr
		}
		// Conditions and templates read event.total; senders that only give revenue or
		// products get it filled in, so `event.total >= 20` means the same for every source.
		if _, ok := ev.Properties["total"]; !ok {
			if ev.Properties == nil {
				ev.Properties = map[string]any{}
			}
			ev.Properties["total"] = float64(o.milli) / 1000
		}
	}
	return nil
}

// checkID refuses empty, overlong and control-character ids.
func checkID(field, s string) *FieldError {
	switch {
	case strings.TrimSpace(s) == "":
		return fieldErr(field, "is required and must not be blank")
	case len(s) > MaxIDLength:
		return fieldErr(field, "is %d bytes long, at most %d are accepted", len(s), MaxIDLength)
	case !utf8.ValidString(s):
		return fieldErr(field, "is not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fieldErr(field, "must not contain control characters")
	}
	return nil
}

// checkTraits checks trait names and the consent trait, the one trait whose shape matters
// enough (it decides whether we may send) to refuse the call rather than keep it as received.
func checkTraits(traits map[string]any) *FieldError {
	for name, v := range traits {
		if ferr := checkID("traits", name); ferr != nil {
			return fieldErr("traits", "trait name %q: %s", truncate(name, 40), ferr.Msg)
		}
		if name != "consent" || v == nil {
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return fieldErr("traits.consent", `must be an object such as {"email":true,"sms":false}`)
		}
		for ch, allowed := range obj {
			if ferr := checkID("traits.consent", ch); ferr != nil {
				return ferr
			}
			if _, ok := allowed.(bool); !ok && allowed != nil {
				return fieldErr("traits.consent."+ch, "must be true, false or null")
			}
		}
	}
	return nil
}

// order is what an Order Completed event contributes to the purchase summary.
type order struct {
	milli      int64  // total in thousandths of the currency unit
	id         string // properties.order_id, "" when absent
	currency   string
	coupon     string
	categories []string
}

// parseOrder reads an Order Completed event's properties. The total is properties.total, else
// revenue, else the sum of products[].price * quantity (quantity defaults to 1); an order with
// none of them counts with a value of 0. Money is kept in thousandths of the currency unit so
// that sums are exact and do not depend on the order in which they were added.
func parseOrder(props map[string]any) (order, *FieldError) {
	var o order
	total, found, ferr := optMoney(props, "total", "properties.total")
	if ferr != nil {
		return o, ferr
	}
	if !found {
		if total, found, ferr = optMoney(props, "revenue", "properties.revenue"); ferr != nil {
			return o, ferr
		}
	}
	products, ferr := parseProducts(props["products"], &o)
	if ferr != nil {
		return o, ferr
	}
	if !found {
		total = products
	}
	o.milli = int64(math.Round(total * 1000))

	if v, ok := props["order_id"]; ok && v != nil {
		switch id := v.(type) {
		case string:
			o.id = id
		case float64:
			o.id = strconv.FormatFloat(id, 'f', -1, 64)
		case json.Number:
			o.id = id.String()
		default:
			return o, fieldErr("properties.order_id", "must be a string")
		}
		if ferr := checkID("properties.order_id", o.id); ferr != nil {
			return o, ferr
		}
	}
	if v, ok := props["currency"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return o, fieldErr("properties.currency", "must be a string such as \"EUR\"")
		}
		unit, err := currency.ParseISO(strings.ToUpper(strings.TrimSpace(s)))
		if err != nil {
			return o, fieldErr("properties.currency", "%q is not an ISO 4217 currency code", truncate(s, 40))
		}
		o.currency = unit.String()
	}
	if v, ok := props["coupon"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return o, fieldErr("properties.coupon", "must be a string")
		}
		o.coupon = truncate(s, MaxIDLength)
	}
	return o, nil
}

// parseProducts sums products[].price * quantity and collects their categories into o.
func parseProducts(v any, o *order) (float64, *FieldError) {
	if v == nil {
		return 0, nil
	}
	list, ok := v.([]any)
	if !ok {
		return 0, fieldErr("properties.products", "must be an array of objects")
	}
	var sum float64
	for i, item := range list {
		field := "properties.products[" + strconv.Itoa(i) + "]"
		p, ok := item.(map[string]any)
		if !ok {
			return 0, fieldErr(field, "must be an object")
		}
		price, _, ferr := optMoney(p, "price", field+".price")
		if ferr != nil {
			return 0, ferr
		}
		qty, found, ferr := optMoney(p, "quantity", field+".quantity")
		if ferr != nil {
			return 0, ferr
		}
		if !found {
			qty = 1
		}
		sum += price * qty
		if c, ok := p["category"].(string); ok && c != "" && len(o.categories) < maxCategories {
			c = truncate(c, MaxIDLength)
			if !slices.Contains(o.categories, c) {
				o.categories = append(o.categories, c)
			}
		}
	}
	if sum > maxMoney {
		return 0, fieldErr("properties.products", "sum to more than %g", maxMoney)
	}
	return sum, nil
}

// optMoney reads a non-negative finite amount: a JSON number, or a string holding one, as some
// shops send "12.50".
func optMoney(m map[string]any, name, field string) (float64, bool, *FieldError) {
	v, ok := m[name]
	if !ok || v == nil {
		return 0, false, nil
	}
	f, ok := toFloat(v)
	switch {
	case !ok:
		return 0, false, fieldErr(field, "must be a number")
	case math.IsNaN(f) || math.IsInf(f, 0) || f < 0:
		return 0, false, fieldErr(field, "must be a number of at least 0")
	case f > maxMoney:
		return 0, false, fieldErr(field, "must be at most %g", maxMoney)
	}
	return f, true, nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
