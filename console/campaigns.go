package console

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
)

// campaignRow is one line of the campaigns page.
type campaignRow struct {
	ID, Name, Kind string
	// Next is the next occurrence in UTC, zero when it depends on each customer (a birthday,
	// a holiday by country) or is triggered; NextNote says which.
	Next     time.Time
	NextNote string
	State    string
	// PausedBy and PausedAt say who paused it and when.
	PausedBy string
	PausedAt time.Time
	File     string
	Line     int
}

// Kind names a campaign's trigger kind: triggered, scheduled, date or holiday.
func Kind(c *config.Campaign) string {
	switch {
	case c.Trigger.Event != "":
		return "triggered"
	case c.Trigger.Schedule != nil:
		return "scheduled"
	case c.Trigger.Date != nil:
		return "date"
	case c.Trigger.Holiday != nil:
		return "holiday"
	}
	return "unknown"
}

// nextOccurrence is a campaign's next occurrence as the scheduler sees it. A cron in one
// time zone has one instant for everybody; a local cron is shown for a customer in UTC; a
// birthday or holiday differs by customer (their trait, their country), so only a note.
func (h *handler) nextOccurrence(cat *delivery.Catalog, c *config.Campaign, now time.Time) (time.Time, string) {
	switch Kind(c) {
	case "triggered":
		return time.Time{}, "on " + c.Trigger.Event
	case "date":
		return time.Time{}, "each customer's " + c.Trigger.Date.Trait
	case "holiday":
		// The earliest among the base's five largest countries, once the calendar page has
		// counted them (counting walks the whole base; this page must not).
		var next time.Time
		var where string
		for i, cc := range h.base.knownCountries() {
			if i == 5 {
				break
			}
			_, due, skip, _ := schedule.NextOccurrence(cat, c, &decide.Customer{Country: cc, Timezone: "UTC"}, now, h.cfg.Settings.Location())
			if skip == "" && (next.IsZero() || due.Before(next)) {
				next, where = due, cc
			}
		}
		if !next.IsZero() {
			return next, "in " + where + " (the base's largest countries); local time in each customer's zone"
		}
		return time.Time{}, c.Trigger.Holiday.Name + " in each customer's country"
	case "scheduled":
		_, due, skip, why := schedule.NextOccurrence(cat, c, &decide.Customer{Timezone: "UTC"}, now, h.cfg.Settings.Location())
		if skip != "" {
			return time.Time{}, why
		}
		if c.Trigger.Schedule.Local {
			return due, "in each customer's time zone; shown for UTC"
		}
		return due, ""
	}
	return time.Time{}, ""
}

// row is a campaign's line: its kind, next occurrence and state. A pause that cannot be
// read shows as "unknown", never as "running".
func (h *handler) row(ctx context.Context, cat *delivery.Catalog, c *config.Campaign, now time.Time) campaignRow {
	row := campaignRow{ID: c.ID, Name: c.Name, Kind: Kind(c), State: "running", File: c.File, Line: c.Pos.Line}
	row.Next, row.NextNote = h.nextOccurrence(cat, c, now)
	if h.cfg.Pauser != nil {
		paused, who, when, err := h.cfg.Pauser.Paused(ctx, c.ID)
		switch {
		case err != nil:
			h.cfg.Log.Error("console: read pause", zap.String("campaign", c.ID), zap.Error(err))
			row.State = "unknown"
		case paused:
			row.State, row.PausedBy, row.PausedAt = "paused", who, when
		}
	}
	return row
}

func (h *handler) campaignsPage(w http.ResponseWriter, r *http.Request, s session) {
	cat := h.cfg.Catalog.Load()
	now := h.cfg.Now()
	rows := make([]campaignRow, 0, len(cat.Set.Campaigns))
	for _, c := range cat.Set.Campaigns {
		rows = append(rows, h.row(r.Context(), cat, c, now))
	}
	h.render(w, r, http.StatusOK, "campaigns", s, page{Title: "Campaigns", Nav: "campaigns", Refresh: 60,
		Data: struct {
			Now  time.Time
			Rows []campaignRow
		}{now, rows}})
}

// campaignFacts is what the campaign page shows until results land: the campaign as written.
type campaignFacts struct {
	Row      campaignRow
	C        *config.Campaign
	Trigger  string
	Audience string
	Window   string
}

func (h *handler) campaignPage(w http.ResponseWriter, r *http.Request, s session) {
	cat := h.cfg.Catalog.Load()
	c := cat.Set.Campaign(r.PathValue("id"))
	if c == nil {
		h.fail(w, r, http.StatusNotFound, "No campaign with this id in the loaded campaigns.")
		return
	}
	f := campaignFacts{Row: h.row(r.Context(), cat, c, h.cfg.Now()), C: c, Window: "rapport.yaml's window"}
	t := c.Trigger
	switch {
	case t.Event != "":
		f.Trigger = "event " + t.Event
		if t.Where != nil {
			f.Trigger += " where " + t.Where.String()
		}
		if t.Delay > 0 {
			f.Trigger += ", after " + t.Delay.String()
		}
	case t.Schedule != nil:
		f.Trigger = "cron " + t.Schedule.Cron
		if t.Schedule.Local {
			f.Trigger += " in each customer's time zone"
		} else {
			f.Trigger += " in " + t.Schedule.TZ
		}
	case t.Date != nil:
		f.Trigger = fmt.Sprintf("date trait %s at %s", t.Date.Trait, t.Date.At)
	case t.Holiday != nil:
		f.Trigger = fmt.Sprintf("holiday %s at %s", t.Holiday.Name, t.Holiday.At)
	}
	f.Audience = "everybody"
	if c.Audience.Segment != "" {
		f.Audience = "segment " + c.Audience.Segment
	}
	if c.Audience.Where != nil {
		f.Audience += " where " + c.Audience.Where.String()
	}
	if c.Window != nil {
		f.Window = c.Window.String()
	}
	h.render(w, r, http.StatusOK, "campaign", s, page{Title: c.ID, Nav: "campaigns", Data: f})
}
