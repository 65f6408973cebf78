package decide

import (
	"time"

	"github.com/rapporthq/rapport/config"
)

// Customer is what a decision knows about one customer: profile, purchase summary, consent,
// deliverability and recent sends. The customers package loads it from Redis; decide never does
// I/O, so the same Customer gives the same Decision in preview, simulate and the worker.
type Customer struct {
	ID        string
	Email     string
	Phone     string
	FirstName string
	LastName  string
	// Timezone is an IANA name; empty or invalid means the configuration's default.
	Timezone string
	// Locale is BCP 47 ("ru-RU"); empty means the configuration's default.
	Locale string
	// Country is ISO 3166 alpha-2, upper case (from address.country).
	Country string
	// Birthday is YYYY-MM-DD as given.
	Birthday  string
	CreatedAt time.Time
	Consent   Consent
	// Traits holds every trait as received, reserved ones included.
	Traits map[string]any

	Summary Summary
	// Predicted is filled by the caller from the fitted models when a fit exists.
	Predicted *Predictions

	// Undeliverable maps a channel to the reason its address failed permanently
	// (hard bounce, invalid number); such a channel is not used again.
	Undeliverable map[string]string
	// Unsubscribed maps a channel to when the customer opted out.
	Unsubscribed map[string]time.Time
	// PausedUntil maps a channel to the end of a pause the customer asked for (the
	// preferences page's "pause for 30 days"); the channel is not used before then.
	PausedUntil map[string]time.Time
	// Sends are the most recent deliveries, newest first, for frequency caps.
	Sends []Send
	// Engagement is what the customer did with the messages of each channel (by channel
	// name); nil when nothing is known.
	Engagement map[string]Engagement
}

// Consent records explicit opt-ins per channel. nil means unknown, which does not allow sending.
type Consent struct {
	Email *bool `json:"email,omitempty"`
	SMS   *bool `json:"sms,omitempty"`
}

// Allows reports explicit consent for a channel.
func (c Consent) Allows(channel string) bool {
	switch channel {
	case "email":
		return c.Email != nil && *c.Email
	case "sms":
		return c.SMS != nil && *c.SMS
	}
	return false
}

// Summary is the purchase summary kept on the profile. Money is never added across
// currencies: Revenue and LastOrderTotal are in Currency, the shop's reporting currency
// (config currency.base; without one, the currency of the customer's latest order), and
// count only the orders that convert into it at the configured rates. Orders counts every
// order, whatever its currency.
type Summary struct {
	Orders int `json:"orders"`
	// Revenue is the total of the orders that convert into Currency, converted.
	Revenue  float64 `json:"revenue"`
	Currency string  `json:"currency,omitempty"`
	// ByCurrency is the total spent in each currency, as ordered (before conversion).
	ByCurrency map[string]float64 `json:"by_currency,omitempty"`
	// Unconverted are the totals left out of Revenue because their currency has no rate
	// into Currency: nil when every order converted.
	Unconverted  map[string]float64 `json:"unconverted,omitempty"`
	FirstOrderAt time.Time          `json:"first_order_at,omitzero"`
	LastOrderAt  time.Time          `json:"last_order_at,omitzero"`
	// GapMeanDays and GapStdDays describe the days between purchase days (the spending cycle).
	GapMeanDays    float64  `json:"gap_mean_days,omitempty"`
	GapStdDays     float64  `json:"gap_std_days,omitempty"`
	LastCategories []string `json:"last_categories,omitempty"`
	LastCoupon     string   `json:"last_coupon,omitempty"`
	// LastOrderTotal is the latest order's total in Currency; 0 when its currency has no
	// rate (it is then in Unconverted).
	LastOrderTotal float64 `json:"last_order_total,omitempty"`
}

// Predictions come from the fitted customer-base models (package predict).
type Predictions struct {
	CLV               float64   `json:"clv"`
	PAlive            float64   `json:"p_alive"`
	ExpectedOrders90d float64   `json:"expected_orders_90d"`
	NextOrderAt       time.Time `json:"next_order_at,omitzero"`
	RFM               string    `json:"rfm"`
	Lifecycle         string    `json:"lifecycle"`
}

// Send is one delivery recorded on the customer.
type Send struct {
	Campaign   string    `json:"campaign"`
	Occurrence string    `json:"occurrence,omitempty"`
	Variant    string    `json:"variant,omitempty"`
	Channel    string    `json:"channel"`
	Reward     string    `json:"reward,omitempty"`
	At         time.Time `json:"at"`
	ProviderID string    `json:"provider_id,omitempty"`
	// Priority is the campaign's priority when it was sent, for frequency caps (caps.go);
	// normal for sends recorded before priorities were kept.
	Priority config.Priority `json:"priority,omitzero"`
}

// Event is a tracked event as a triggered decision sees it.
type Event struct {
	ID         string // messageId
	Name       string
	Properties map[string]any
	Timestamp  time.Time
}
