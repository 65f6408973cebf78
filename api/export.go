package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/rewards"
)

// Holder reads everything held about a customer; customers.Store implements it. When the
// Server's Customers does not, GET /v1/customers/{id}/export answers 501.
type Holder interface {
	Holdings(ctx context.Context, id string) (*customers.Holdings, error)
}

// RecordReader decodes, for the export, one family of records kept under a customer's hash
// tag (customers.HeldRecord): rest is the key after "rp:{c:ID}:FAMILY:", value the stored
// string. The API reads reward grants itself ("g", rewards.DecodeGrantRecord); delivery
// records ("d") belong to jobs/delivery, which the API does not import: cmd/rapport wires a
// reader on delivery.DecodeRecord that returns an ExportedSend.
type RecordReader func(rest, value string) (any, error)

// ExportedSend is one delivery record in an export: what was sent (or held out, or skipped)
// for one campaign occurrence, and why.
type ExportedSend struct {
	Campaign   string    `json:"campaign"`
	Occurrence string    `json:"occurrence"`
	State      string    `json:"state"`
	Channel    string    `json:"channel,omitempty"`
	Variant    string    `json:"variant,omitempty"`
	Reward     string    `json:"reward,omitempty"`
	Code       string    `json:"code,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Reasons    []string  `json:"reasons,omitempty"`
	At         time.Time `json:"at,omitzero"`
}

// exportView is the JSON of GET /v1/customers/{id}/export: every family of data held about
// the customer, each under its own name, so that nothing is left out silently: a family the
// API has no reader for is listed raw under "other".
type exportView struct {
	ID string `json:"id"`
	// Families names every kind of record found: "profile", "events", and the key family of
	// each record ("d": deliveries, "g": reward grants, ...).
	Families []string      `json:"families"`
	Profile  *customerView `json:"profile"`
	// Events are what is remembered to ignore replays: order ids for ever, messageIds a while.
	Events struct {
		Orders   []string `json:"orders"`
		Messages int      `json:"messages"`
	} `json:"events"`
	Sends      []any         `json:"sends"`
	Rewards    []any         `json:"rewards"`
	Engagement []any         `json:"engagement"`
	Other      []otherRecord `json:"other"`
}

type otherRecord struct {
	Family string `json:"family"`
	Key    string `json:"key"`
	Type   string `json:"type"`
	Value  string `json:"value,omitempty"`
}

// exportedGrant is a reward grant in an export.
type exportedGrant struct {
	Campaign   string    `json:"campaign"`
	Reward     string    `json:"reward"`
	Occurrence string    `json:"occurrence"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (s *Server) handleExportCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	holder, ok := s.Customers.(Holder)
	if !ok {
		writeError(w, http.StatusNotImplemented, "", "export is not available on this server")
		return
	}
	h, err := holder.Holdings(r.Context(), id)
	if errors.Is(err, customers.ErrNotFound) {
		writeError(w, http.StatusNotFound, "id", "no customer with this id")
		return
	}
	if err != nil {
		s.Log.Error("export customer", zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not read the customer; retry")
		return
	}
	out := exportView{ID: id, Sends: []any{}, Rewards: []any{}, Engagement: []any{}, Other: []otherRecord{}}
	out.Events.Orders = h.Orders
	if out.Events.Orders == nil {
		out.Events.Orders = []string{}
	}
	out.Events.Messages = h.Messages
	seen := map[string]bool{}
	family := func(f string) {
		if !seen[f] {
			seen[f] = true
			out.Families = append(out.Families, f)
		}
	}
	if h.Profile != nil {
		family("profile")
		v := viewOf(h.Profile)
		out.Profile = &v
	}
	if len(h.Orders) > 0 || h.Messages > 0 {
		family("events")
	}
	for _, rec := range h.Records {
		family(rec.Family)
		if v, ok := s.readRecord(rec); ok {
			switch rec.Family {
			case "d":
				out.Sends = append(out.Sends, v)
			case "g":
				out.Rewards = append(out.Rewards, v)
			}
			continue
		}
		out.Other = append(out.Other, otherRecord{Family: rec.Family, Key: rec.Rest, Type: rec.Type, Value: rec.Value})
	}
	writeJSON(w, http.StatusOK, out)
}

// readRecord decodes a record with its family's reader; ok is false when there is none or the
// record does not decode (it is then exported raw).
func (s *Server) readRecord(rec customers.HeldRecord) (any, bool) {
	read := s.Records[rec.Family]
	if read == nil && rec.Family == "g" {
		read = readGrant
	}
	if read == nil || rec.Type != "string" {
		return nil, false
	}
	v, err := read(rec.Rest, rec.Value)
	if err != nil {
		s.Log.Warn("export: record does not decode", zap.String("family", rec.Family), zap.Error(err))
		return nil, false
	}
	return v, true
}

func readGrant(_, value string) (any, error) {
	g, err := rewards.DecodeGrantRecord(value)
	if err != nil {
		return nil, err
	}
	return exportedGrant{Campaign: g.Campaign, Reward: g.Reward, Occurrence: g.Occurrence, ExpiresAt: g.ExpiresAt}, nil
}
