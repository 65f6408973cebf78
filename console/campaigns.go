package console

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/results"
)

// campaignRow is one line of the campaigns page.
type campaignRow struct {
	ID, Name, Kind, Trigger string
	// Next is the next occurrence in UTC (for a local one, when a customer in UTC gets it);
	// zero when triggered or when none comes; NextNote says why or how to read it.
	Next     time.Time
	NextNote string
	// Zones shows Next on the clocks of the base's main time zones.
	Zones []zoneTime
	State string
	// PausedBy and PausedAt say who paused it and when.
	PausedBy string
	PausedAt time.Time
	File     string
	Line     int
	// Problems are the lint warnings of its file and a next occurrence that cannot be
	// computed.
	Problems []string
	// Figures are the list's results; nil without a results store.
	Figures *rowFigures
}

// zoneTime is a next occurrence on one zone's clock.
type zoneTime struct {
	Zone string
	At   string
}

// rowFigures are a campaign's sends over the last 7 days and its conversion and uplift over
// its whole life (the arms' customers are exact only over the whole life: results.ArmReport).
type rowFigures struct {
	Sent7      int64
	From7, To7 string
	Customers  int64
	Rate       float64
	Uplift     string
	Err        string
}

// Kind names a campaign's trigger kind: triggered, scheduled, date or holiday.
func Kind(c *config.Campaign) string {
	switch {
	case c.Trigger.Event != "":
		return schedule.KindTriggered
	case c.Trigger.Schedule != nil:
		return schedule.KindScheduled
	case c.Trigger.Date != nil:
		return schedule.KindDate
	case c.Trigger.Holiday != nil:
		return schedule.KindHoliday
	}
	return "unknown"
}

// describe returns the scheduler's view of every loaded campaign by id.
func (h *handler) describe(cat *delivery.Catalog, now time.Time) map[string]schedule.CampaignInfo {
	out := map[string]schedule.CampaignInfo{}
	for _, info := range h.cfg.Describer.Describe(cat, now, h.cfg.Settings.Location()) {
		out[info.ID] = info
	}
	return out
}

// row is a campaign's line: its kind, next occurrence, state and lint problems. A pause that
// cannot be read shows as "unknown", never as "running".
func (h *handler) row(ctx context.Context, cat *delivery.Catalog, c *config.Campaign, info schedule.CampaignInfo) campaignRow {
	row := campaignRow{ID: c.ID, Name: c.Name, Kind: Kind(c), Trigger: info.Trigger, State: "running", File: c.File, Line: c.Pos.Line}
	row.Problems = append(row.Problems, h.lint.warnings(cat, h.cfg.Settings, h.cfg.Traits, c.File)...)
	switch {
	case info.Problem != "":
		row.Problems = append(row.Problems, "next occurrence: "+info.Problem)
		row.NextNote = "cannot be computed"
	case row.Kind == schedule.KindTriggered:
		row.NextNote = "on " + c.Trigger.Event
	case info.Next.Key == "":
		row.NextNote = "none within a year"
	default:
		row.Next = info.NextAt(time.UTC)
		for _, loc := range h.mainZones() {
			row.Zones = append(row.Zones, zoneTime{Zone: loc.String(), At: info.NextAt(loc).Format("2006-01-02 15:04 MST")})
		}
		if info.Next.Local {
			row.NextNote = "at that time on each customer's clock"
			if row.Kind == schedule.KindHoliday {
				row.NextNote += ", in the countries that keep " + c.Trigger.Holiday.Name
			}
		}
	}
	if h.cfg.Pauser != nil {
		paused, who, when, err := h.cfg.Pauser.State(ctx, c.ID)
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

// figures reads a row's results: two reports, each one pipeline.
func (h *handler) figures(ctx context.Context, id string, now time.Time) *rowFigures {
	if h.cfg.Results == nil {
		return nil
	}
	f := &rowFigures{}
	var life results.Report
	week, err := h.cfg.Results.Report(ctx, id, now.AddDate(0, 0, -6), now)
	if err == nil {
		if life, err = h.cfg.Results.Report(ctx, id, time.Time{}, time.Time{}); err == nil {
			f.Sent7, f.From7, f.To7 = week.Funnel.Sent, week.From, week.To
			f.Customers, f.Rate = life.Treatment.Customers, life.Treatment.ConversionRate
			f.Uplift = upliftWords(life.Treatment, life.Holdout, life.Uplift.ConversionRate.Absolute)
		}
	}
	if err != nil {
		h.cfg.Log.Error("console: read campaign results", zap.String("campaign", id), zap.Error(err))
		f.Err = "results could not be read"
	}
	return f
}

// canSwitch tells whether s may pause and resume campaigns: editors, when a pause store is
// wired.
func (h *handler) canSwitch(s session) bool {
	return h.cfg.Pauser != nil && s.User.Role == config.RoleEditor
}

func (h *handler) campaignsPage(w http.ResponseWriter, r *http.Request, s session) {
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	cat := h.cfg.Catalog.Load()
	now := h.cfg.Now()
	infos := h.describe(cat, now)
	rows := make([]campaignRow, 0, len(cat.Set.Campaigns))
	for _, c := range cat.Set.Campaigns {
		row := h.row(ctx, cat, c, infos[c.ID])
		row.Figures = h.figures(ctx, c.ID, now)
		rows = append(rows, row)
	}
	h.render(w, r, http.StatusOK, "campaigns", s, page{Title: "Campaigns", Nav: "campaigns", Refresh: 60,
		Data: struct {
			Now        time.Time
			Rows       []campaignRow
			CanSwitch  bool
			HasResults bool
		}{now, rows, h.canSwitch(s), h.cfg.Results != nil}})
}
