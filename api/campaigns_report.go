package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/results"
)

// Reports reads campaign reports for GET /v1/campaigns/{id}/report.
type Reports struct {
	Store *results.Store
	// Known tells whether a campaign exists in the current catalog: the others answer 404,
	// whatever counters a removed campaign left behind.
	Known func(campaign string) bool
	// Campaign returns a campaign of the current catalog, nil when there is none: GET
	// /v1/campaigns/{id}/variants (campaigns_variants.go) reads its select and variants.
	Campaign func(id string) *config.Campaign
	// Location reads dates without a zone (?from=2026-12-01). Default UTC.
	Location *time.Location
}

// reportTimeout bounds the one pipeline of a report (400 day hashes at most).
const reportTimeout = 10 * time.Second

// handleReport answers GET /v1/campaigns/{id}/report[?from=D&to=D]: the funnel per variant and
// channel, the treatment against the holdout and the uplift with its 95% intervals, as
// results.Report's JSON (the same as `rapport report --campaign ID --json`). Without from and
// to, the campaign's whole life.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	if s.Reports == nil || s.Reports.Store == nil {
		writeError(w, http.StatusNotFound, "", "campaign reports are not available on this server")
		return
	}
	id := r.PathValue("id")
	if s.Reports.Known == nil || !s.Reports.Known(id) {
		writeError(w, http.StatusNotFound, "id", "no campaign "+strconv.Quote(id))
		return
	}
	var from, to time.Time
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := r.URL.Query().Get(q.name)
		if v == "" {
			continue
		}
		t, err := config.ParseInstant(v, s.Reports.Location)
		if err != nil {
			writeError(w, http.StatusBadRequest, q.name, q.name+": "+err.Error())
			return
		}
		*q.dst = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		writeError(w, http.StatusBadRequest, "to", "to is before from")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), reportTimeout)
	defer cancel()
	rep, err := s.Reports.Store.Report(ctx, id, from, to)
	if err != nil {
		s.Log.Sugar().Errorw("read campaign report", "campaign", id, "error", err)
		writeError(w, http.StatusInternalServerError, "", "could not read the campaign's report")
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
