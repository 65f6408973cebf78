package customers

import (
	"time"

	"github.com/rapporthq/rapport/decide"
)

// Purchase hours: the local hours at which a customer buys, beside the hours at which they
// open and click (engagement.go), so that the send time that suits them is known before
// their first message is opened.
//
//	rp:{c:<id>} field b  purchase hours, binary: format byte 1, then 24 four-bit counts of
//	                     orders by the customer's local hour (0-23), two to a byte, the even
//	                     hour in the high nibble; when one reaches 15 all are halved, which
//	                     keeps their shape (a customer orders a few times a year: 15 is years
//	                     of orders at one hour). 13 bytes, ~18 bytes of listpack with its
//	                     one-byte name (bench/engagement: one-byte counts cost 30, which put
//	                     e:email, e:sms and b together at ~150 bytes a customer). It is
//	                     written by casScript with the order, in the same call that applies
//	                     it (no extra round trip), only for orders applied for the first time
//	                     (a replayed order changes nothing), and erased with the profile.
//
// The local hour is taken in the customer's timezone trait, else in the offset the order's
// timestamp was written with (a shop sends its own local time), else UTC.
//
// Profiles show them as the engagement of the pseudo-channel PurchaseHours, whose Hours are
// the counts (Received and the rest 0): a condition's best_hour, summed over every channel,
// then weighs opens, clicks and buys alike.
const (
	fieldPurchaseHours  = "b"
	purchaseHoursFormat = 1
	purchaseHoursLen    = 1 + 12
	purchaseHoursMax    = 15
)

// PurchaseHours is the key of the purchase hours in Profile.Engagement.
const PurchaseHours = "purchase"

// addPurchaseHour counts an order placed at at (unix ms) written with timestamp ts.
func (st *state) addPurchaseHour(at int64, ts time.Time) {
	t := time.UnixMilli(at)
	if name, ok := normTimezone(st.traits["timezone"]); ok {
		if loc, err := zoneLocation(name); err == nil {
			t = t.In(loc)
		}
	} else if !ts.IsZero() {
		_, off := ts.Zone()
		t = t.In(time.FixedZone("", off))
	} else {
		t = t.UTC()
	}
	h := t.Hour()
	if st.buyHours[h] >= purchaseHoursMax {
		for i := range st.buyHours {
			st.buyHours[i] /= 2
		}
	}
	st.buyHours[h]++
	st.dirty |= dirtyPurchaseHours
}

// zoneLocation loads a zone that normTimezone accepted, from the cache it filled.
func zoneLocation(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		if loc, ok := v.(*time.Location); ok {
			return loc, nil
		}
	}
	return time.LoadLocation(name)
}

// decodePurchaseHours reads field b; an absent or unreadable one counts nothing.
func (st *state) decodePurchaseHours(s string) {
	if len(s) != purchaseHoursLen || s[0] != purchaseHoursFormat {
		return
	}
	for k := range 12 {
		st.buyHours[2*k], st.buyHours[2*k+1] = s[1+k]>>4, s[1+k]&0x0f
	}
}

// encodePurchaseHours is field b.
func (st *state) encodePurchaseHours() []byte {
	b := make([]byte, purchaseHoursLen)
	b[0] = purchaseHoursFormat
	for k := range 12 {
		b[1+k] = st.buyHours[2*k]<<4 | st.buyHours[2*k+1]&0x0f
	}
	return b
}

// engagementView is the engagement a profile shows: the channels' and, when any order was
// counted, the purchase hours.
func (st *state) engagementView() map[string]decide.Engagement {
	if st.buyHours == ([24]uint8{}) {
		return st.engagement
	}
	out := make(map[string]decide.Engagement, len(st.engagement)+1)
	for ch, e := range st.engagement {
		out[ch] = e
	}
	var e decide.Engagement
	for h, n := range st.buyHours {
		e.Hours[h] = int(n)
	}
	out[PurchaseHours] = e
	return out
}
