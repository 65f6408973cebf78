package customers

import (
	"time"

	"github.com/rapporthq/rapport/decide"
)

// Purchase hours: the local hours at which a customer buys, beside the hours at which they
// open and click (engagement.go), so that the send time that suits them is known before
// their first message is opened.
//
//	rp:{c:<id>} field b  purchase hours, binary: format byte 1, then 24 one-byte counts of
//	                     orders by the customer's local hour (0-23); when one reaches 255 all
//	                     are halved, which keeps their shape. 25 bytes, a listpack entry of
//	                     ~28 bytes with its one-byte name (measured: bench/engagement). It is
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
	purchaseHoursLen    = 1 + 24
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
	if st.buyHours[h] == 255 {
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
	copy(st.buyHours[:], s[1:])
}

// encodePurchaseHours is field b.
func (st *state) encodePurchaseHours() []byte {
	return append([]byte{purchaseHoursFormat}, st.buyHours[:]...)
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
