package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console/chart"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/predict"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
)

// customerFile is the customer page: the same sources as GET /v1/customers/{id} (the
// profile, the models' predictions), plus the reasons of each send from its delivery record.
type customerFile struct {
	ID, Name, Email, Phone, Locale, Timezone, Country string
	Masked                                            bool
	Traits                                            []trait
	Consent                                           []consentRow
	History                                           []customers.ConsentChange
	Undeliverable                                     map[string]string
	Summary                                           decide.Summary
	// Spending cycle: days since the last order and the expected next one.
	DaysSince    int
	ExpectedNext time.Time
	Pred         *decide.Predictions
	Explain      map[string]string
	Engagement   []engagementRow
	Hours        template.HTML
	Sends        []sendRow
	// Unsent are the latest decisions that sent nothing (held out, skipped); Wallet the
	// points and coupons (customer_more.go).
	Unsent    []results.Decision
	Wallet    *rewards.Wallet
	UpdatedAt time.Time
	Now       time.Time
}

type trait struct{ Key, Value string }

type consentRow struct {
	Channel, State string
	Since          time.Time
}

type engagementRow struct {
	Channel                          string
	Received, Opens, Clicks, Engaged int
	Rate                             float64
	Last                             time.Time
	BestHour                         int
}

type sendRow struct {
	decide.Send
	State   string
	Reasons []string
}

// reservedTraits are shown in the identity block, not again among the traits; address
// (a postal address, personal data) only as its country.
var reservedTraits = map[string]bool{"email": true, "phone": true, "first_name": true, "last_name": true,
	"locale": true, "timezone": true, "country": true, "address": true}

// Finder finds a customer by address from the store's address index
// (customers.Store.CustomerByEmail, CustomerByPhone): one read, never a scan of the base.
type Finder interface {
	CustomerByEmail(ctx context.Context, email string) (*customers.Profile, error)
	CustomerByPhone(ctx context.Context, phone string) (*customers.Profile, error)
}

// customerSearch opens a customer's file from the search box: an id, an email address or an
// E.164 phone number (when Customers is also a Finder).
func (h *handler) customerSearch(w http.ResponseWriter, r *http.Request, s session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		h.fail(w, r, http.StatusBadRequest, "Give a customer id, email address or phone number.")
		return
	}
	id := q
	if f, ok := h.cfg.Customers.(Finder); ok && (strings.Contains(q, "@") || strings.HasPrefix(q, "+")) {
		var p *customers.Profile
		var err error
		if strings.Contains(q, "@") {
			p, err = f.CustomerByEmail(r.Context(), q)
		} else {
			p, err = f.CustomerByPhone(r.Context(), q)
		}
		if errors.Is(err, customers.ErrNotFound) {
			h.fail(w, r, http.StatusNotFound, "No customer with this address.")
			return
		}
		if err != nil {
			h.unavailable(w, r, "the address index", err)
			return
		}
		id = p.ID
	}
	http.Redirect(w, r, "/console/customers/"+url.PathEscape(id), http.StatusSeeOther)
}

func (h *handler) customerPage(w http.ResponseWriter, r *http.Request, s session) {
	if h.cfg.Customers == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "This console has no customer store.")
		return
	}
	ctx := r.Context()
	now := h.cfg.Now()
	p, err := h.cfg.Customers.Get(ctx, r.PathValue("id"))
	if errors.Is(err, customers.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "No customer with this id.")
		return
	}
	if err != nil {
		h.unavailable(w, r, "the customer", err)
		return
	}
	if h.cfg.Predictor != nil {
		if p.Predicted, err = h.cfg.Predictor.Predict(ctx, p, now); err != nil {
			h.cfg.Log.Error("console: predict", zap.Error(err))
			p.Predicted = nil
		}
	}
	c := p.Customer
	f := customerFile{ID: c.ID, Email: h.email(s, c.Email), Phone: h.phone(s, c.Phone), Masked: !h.clearPII(s),
		Locale: c.Locale, Timezone: c.Timezone, Country: c.Country, History: p.ConsentHistory,
		Undeliverable: c.Undeliverable, Summary: c.Summary, Pred: c.Predicted, UpdatedAt: p.UpdatedAt, Now: now}
	f.Name = strings.TrimSpace(fmt.Sprint(traitString(c.Traits, "first_name"), " ", traitString(c.Traits, "last_name")))
	for _, k := range slices.Sorted(maps.Keys(c.Traits)) {
		if reservedTraits[k] {
			continue
		}
		v := fmt.Sprint(c.Traits[k])
		if !h.clearPII(s) && strings.Contains(v, "@") {
			v = h.email(s, v) // an address kept in another trait is masked all the same
		}
		f.Traits = append(f.Traits, trait{k, v})
	}
	for _, ch := range []string{"email", "sms"} {
		row := consentRow{Channel: ch, State: "not given"}
		var given *bool
		if ch == "email" {
			given = c.Consent.Email
		} else {
			given = c.Consent.SMS
		}
		if given != nil && *given {
			row.State = "given"
		} else if given != nil {
			row.State = "refused"
		}
		if at, ok := c.Unsubscribed[ch]; ok {
			row.State, row.Since = "unsubscribed", at
		}
		if until, ok := c.PausedUntil[ch]; ok && until.After(now) {
			row.State, row.Since = "paused until", until
		}
		f.Consent = append(f.Consent, row)
	}
	if !c.Summary.LastOrderAt.IsZero() {
		f.DaysSince = int(now.Sub(c.Summary.LastOrderAt).Hours() / 24)
		if c.Predicted != nil && !c.Predicted.NextOrderAt.IsZero() {
			f.ExpectedNext = c.Predicted.NextOrderAt
		} else if c.Summary.GapMeanDays > 0 {
			f.ExpectedNext = c.Summary.LastOrderAt.Add(time.Duration(c.Summary.GapMeanDays * 24 * float64(time.Hour)))
		}
	}
	f.Explain = explain(c.Predicted, h.cfg.Settings.Predict)
	var hours [24]int
	for _, ch := range slices.Sorted(maps.Keys(c.Engagement)) {
		e := c.Engagement[ch]
		f.Engagement = append(f.Engagement, engagementRow{Channel: ch, Received: e.Received, Opens: e.Opens, Clicks: e.Clicks,
			Engaged: e.Engaged, Rate: e.Rate(), Last: e.LastEngagement, BestHour: e.BestHour()})
		for i, n := range e.Hours {
			hours[i] += n
		}
	}
	f.Hours = chart.Hours("Opens and clicks by local hour", hours)
	f.Sends = h.sendRows(r, p)
	h.customerExtras(r, &f)
	h.render(w, r, http.StatusOK, "customer", s, page{Title: "Customer " + c.ID, Nav: "customers", Data: f})
}

// sendRows lists the recorded sends, newest first, each with the reasons of its delivery
// record (when it is still kept: records expire with their campaign's repeat rule).
func (h *handler) sendRows(r *http.Request, p *customers.Profile) []sendRow {
	sends := slices.Clone(p.Sends)
	slices.SortStableFunc(sends, func(a, b decide.Send) int { return b.At.Compare(a.At) })
	cat := h.cfg.Catalog.Load()
	out := make([]sendRow, 0, len(sends))
	for _, snd := range sends {
		row := sendRow{Send: snd, State: "sent"}
		if h.cfg.Outcomes != nil {
			occ := recordOccurrence(cat.Set.Campaign(snd.Campaign), snd, decide.Location(&p.Customer, h.cfg.Settings.Location()))
			rec, ok, err := h.cfg.Outcomes.Outcome(r.Context(), p.ID, snd.Campaign, occ)
			if err != nil {
				h.cfg.Log.Error("console: read delivery record", zap.String("campaign", snd.Campaign), zap.Error(err))
			} else if ok {
				row.State, row.Reasons = string(rec.State), rec.Reasons
			}
		}
		out = append(out, row)
	}
	return out
}

// recordOccurrence is the occurrence part of a send's delivery record key, as delivery's
// occurrenceFor maps a campaign's repeat rule ("once", "year-2026", "every"); a send of a
// campaign no longer loaded is looked up by its own occurrence.
func recordOccurrence(c *config.Campaign, s decide.Send, loc *time.Location) string {
	if c == nil {
		return s.Occurrence
	}
	switch c.Repeat.Kind {
	case config.RepeatOnce:
		return "once"
	case config.RepeatYearly:
		return fmt.Sprintf("year-%d", s.At.In(loc).Year())
	case config.RepeatEvery:
		return "every"
	}
	return s.Occurrence
}

func traitString(traits map[string]any, k string) string {
	if v, ok := traits[k].(string); ok {
		return v
	}
	return ""
}

// stageMeaning explains each lifecycle stage in one line (predict.LifecycleThresholds holds
// the rules).
var stageMeaning = map[string]string{
	string(predict.StageNew):      "one purchase, recently: not yet a habit",
	string(predict.StageActive):   "buying, not yet often enough to be loyal",
	string(predict.StageLoyal):    "buys regularly, on the customer's own cycle",
	string(predict.StageChampion): "buys often and is on schedule",
	string(predict.StageAtRisk):   "overdue against the customer's own cycle, or unlikely to still be buying",
	string(predict.StageLapsed):   "very likely gone",
}

// explain gives each prediction a one-line reading.
func explain(p *decide.Predictions, cfg config.Predict) map[string]string {
	if p == nil {
		return nil
	}
	horizon := "the horizon"
	if cfg.Horizon > 0 {
		horizon = "the next " + cfg.Horizon.String()
	}
	out := map[string]string{
		"clv": fmt.Sprintf("expected margin from this customer over %s (BG/NBD purchases × Gamma-Gamma spend, discounted)", horizon),
		"p_alive": fmt.Sprintf("%.0f%% likely to still be a customer, judged by how regularly they bought and how long it has been",
			100*p.PAlive),
		"expected":  "purchases to expect in the next 90 days",
		"rfm":       "recency, frequency and monetary value, each scored 1 (the worst fifth of the base) to 5 (the best)",
		"lifecycle": stageMeaning[p.Lifecycle],
	}
	if math.IsNaN(p.PAlive) {
		out["p_alive"] = "no estimate"
	}
	return out
}
