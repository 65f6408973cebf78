package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/rapporthq/rapport/jobs/schedule"
)

// Runs reads the progress of scheduled campaigns' occurrences (schedule.Runs).
type Runs interface {
	Recent(ctx context.Context, campaign string, n int) ([]schedule.Run, error)
}

// maxRuns caps ?limit= of GET /v1/campaigns/{id}/runs.
const maxRuns = 200

// handleRuns answers GET /v1/campaigns/{id}/runs[?limit=N]: the latest occurrences, newest
// first, with customers seen, queued, sent and skipped by reason.
func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	if s.Runs == nil {
		writeError(w, http.StatusNotFound, "", "run progress is not available on this server")
		return
	}
	id := r.PathValue("id")
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRuns {
			writeError(w, http.StatusBadRequest, "limit", "limit must be a whole number from 1 to "+strconv.Itoa(maxRuns))
			return
		}
		limit = n
	}
	runs, err := s.Runs.Recent(r.Context(), id, limit)
	switch {
	case errors.Is(err, schedule.ErrUnknownCampaign):
		writeError(w, http.StatusNotFound, "id", "no campaign "+strconv.Quote(id))
		return
	case err != nil:
		s.Log.Sugar().Errorw("read runs", "campaign", id, "error", err)
		writeError(w, http.StatusInternalServerError, "", "could not read run progress")
		return
	}
	if runs == nil {
		runs = []schedule.Run{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaign": id, "runs": runs})
}

// handleReload answers POST /v1/admin/reload: campaigns, segments, holidays and templates are
// read again, as on SIGHUP. A configuration that does not load keeps the previous one and
// answers 422 with the problems.
func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	if s.Reload == nil {
		writeError(w, http.StatusNotImplemented, "", "reload is not available on this server")
		return
	}
	if err := s.Reload(r.Context()); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "", "reload failed; the previous campaigns keep running: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}
