package templates

import (
	"net/mail"
	"strings"
	"time"

	"github.com/rapporthq/rapport/decide"
)

// Data is what templates see as their dot.
type Data struct {
	Customer CustomerData
	// Event holds the triggering event's properties (.Event.total); nil for scheduled campaigns.
	Event map[string]any
	// Reward is the reward the decision picked; nil when none, so templates guard it with
	// {{with .Reward}}.
	Reward   *RewardData
	Campaign CampaignData
	Links    Links
	// Sender is who sends, from rapport.yaml: the same for every message.
	Sender Sender
	// Now is the time of rendering; templates use it for "this year" and countdowns.
	Now time.Time
}

// CustomerData is the customer as templates see it: the profile, the purchase summary and the
// predictions, flattened so that {{.Customer.Orders}} reads like the conditions'
// customer.orders.
type CustomerData struct {
	ID        string
	FirstName string
	LastName  string
	Email     string
	Phone     string
	// Locale is BCP 47 as stored on the profile; Render formats by its locale argument.
	Locale   string
	Country  string
	Timezone string
	// Birthday is YYYY-MM-DD as given; {{date .Customer.Birthday "monthday"}} formats it.
	Birthday  string
	CreatedAt time.Time
	// Traits holds every trait by name, reserved ones included. Templates only read it.
	Traits map[string]any

	Orders         int
	Revenue        float64
	Currency       string
	FirstOrderAt   time.Time
	LastOrderAt    time.Time
	LastOrderTotal float64
	LastCategories []string
	LastCoupon     string
	// Points is the customer's points balance when the message is sent, before the points
	// of this message's own reward (add .Reward.Value for the balance after it).
	Points int64

	// Predicted is nil when no model has been fitted: guard it with {{with .Customer.Predicted}}.
	Predicted *decide.Predictions
}

// RewardData is the reward as templates see it.
type RewardData struct {
	ID    string
	Kind  string // coupon | points | perk | gift
	Value string // "10%", "5 EUR", "200"
	// Code is the unique coupon code, empty for rewards without one.
	Code      string
	Text      string
	ExpiresAt time.Time
}

// CampaignData names the campaign being rendered.
type CampaignData struct {
	ID   string
	Name string
}

// Links are the per-message links the sender builds (signed, with the public URL), and the
// shop's own address.
type Links struct {
	Unsubscribe string
	ViewOnline  string
	// Shop is shop_url from rapport.yaml, the shop's home page; empty when not configured, so
	// templates guard it with {{with .Links.Shop}}.
	Shop string
}

// Sender is the sender's identity, which marketing email must show (CAN-SPAM: a postal
// address; EU law: the sender's name and geographic address).
type Sender struct {
	// Name is the display name of email.from ("Rapport Demo Shop"); empty when it has none.
	Name string
	// Address is email.sender_address as written, one line per line of the address.
	Address string
}

// NewSender builds the Sender from email.from and email.sender_address. A from that does not
// parse as an address gives no name: the configuration's own validation reports it.
func NewSender(from, address string) Sender {
	s := Sender{Address: strings.TrimSpace(address)}
	if a, err := mail.ParseAddress(from); err == nil {
		s.Name = a.Name
	}
	return s
}

// AddressLines returns the address's non-blank lines, trimmed, for a footer that writes them
// on one line ({{range .Sender.AddressLines}}) or one per line.
func (s Sender) AddressLines() []string {
	var out []string
	for line := range strings.Lines(s.Address) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// NewCustomerData builds the template view of a customer. A nil customer gives an empty view.
// Traits are shared, not copied: templates never write them.
func NewCustomerData(c *decide.Customer) CustomerData {
	if c == nil {
		return CustomerData{}
	}
	d := CustomerData{
		ID:             c.ID,
		FirstName:      c.FirstName,
		LastName:       c.LastName,
		Email:          c.Email,
		Phone:          c.Phone,
		Locale:         c.Locale,
		Country:        c.Country,
		Timezone:       c.Timezone,
		Birthday:       c.Birthday,
		CreatedAt:      c.CreatedAt,
		Traits:         c.Traits,
		Orders:         c.Summary.Orders,
		Revenue:        c.Summary.Revenue,
		Currency:       c.Summary.Currency,
		FirstOrderAt:   c.Summary.FirstOrderAt,
		LastOrderAt:    c.Summary.LastOrderAt,
		LastOrderTotal: c.Summary.LastOrderTotal,
		LastCategories: c.Summary.LastCategories,
		LastCoupon:     c.Summary.LastCoupon,
	}
	if c.Predicted != nil {
		p := *c.Predicted
		d.Predicted = &p
	}
	return d
}

// SampleData is a plausible customer, event and reward for lint and previews: a gold-tier
// customer with a name, orders, predictions, a coupon and both links, so that every field and
// function a template may use has something to show.
func SampleData(now time.Time) *Data {
	day := 24 * time.Hour
	return &Data{
		Customer: CustomerData{
			ID:        "sample-customer",
			FirstName: "Anna",
			LastName:  "Sample",
			Email:     "anna@example.com",
			Phone:     "+15550100",
			Locale:    "en",
			Country:   "US",
			Timezone:  "UTC",
			Birthday:  "1990-05-17",
			CreatedAt: now.Add(-400 * day),
			Traits: map[string]any{
				"firstName": "Anna",
				"lastName":  "Sample",
				"email":     "anna@example.com",
				"tier":      "gold",
				"birthday":  "1990-05-17",
				"address":   map[string]any{"country": "US", "city": "Springfield"},
			},
			Orders:         7,
			Revenue:        486.3,
			Currency:       "EUR",
			FirstOrderAt:   now.Add(-380 * day),
			LastOrderAt:    now.Add(-12 * day),
			LastOrderTotal: 59.9,
			LastCategories: []string{"shoes", "bags"},
			LastCoupon:     "WELCOME-10",
			Points:         1200,
			Predicted: &decide.Predictions{
				CLV:               812.4,
				PAlive:            0.93,
				ExpectedOrders90d: 1.6,
				NextOrderAt:       now.Add(9 * day),
				RFM:               "545",
				Lifecycle:         "loyal",
			},
		},
		Event: map[string]any{
			"order_id": "A-1001",
			"total":    59.9,
			"currency": "EUR",
			"products": []any{map[string]any{"name": "Leather bag", "price": 59.9, "quantity": 1.0}},
		},
		Reward: &RewardData{
			ID:        "welcome-10",
			Kind:      "coupon",
			Value:     "10%",
			Code:      "THANKS-7Q2K",
			Text:      "10% off your next order",
			ExpiresAt: now.Add(30 * day),
		},
		Campaign: CampaignData{ID: "sample", Name: "Sample campaign"},
		Links: Links{
			Unsubscribe: "https://news.example.com/u/sample-token",
			ViewOnline:  "https://news.example.com/v/sample-token",
			Shop:        "https://shop.example.com",
		},
		Sender: Sender{Name: "Sample Shop", Address: "Sample Shop Ltd\n1 Example Street\nSpringfield 00000"},
		Now:    now,
	}
}

// sparse returns a copy of d as the least a real customer may have: no name, no traits, no
// purchases, no predictions, and no reward unless keepReward. Check renders it too, so that
// {{.Customer.Predicted.CLV}} without a guard fails at lint time and not for the first
// customer without a fitted model.
func (d *Data) sparse(keepReward bool) *Data {
	s := *d
	s.Customer = CustomerData{ID: d.Customer.ID, Email: d.Customer.Email, Phone: d.Customer.Phone,
		Locale: d.Customer.Locale, Timezone: d.Customer.Timezone}
	if !keepReward {
		s.Reward = nil
	}
	return &s
}
