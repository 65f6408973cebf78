package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/rapporthq/rapport/campaignstate"
)

// CampaignStates pauses and resumes campaigns (campaignstate.Store).
type CampaignStates interface {
	Pause(ctx context.Context, campaign, who string) error
	Resume(ctx context.Context, campaign, who string) error
	State(ctx context.Context, campaign string) (paused bool, by string, at time.Time, err error)
	History(ctx context.Context, campaign string, n int) ([]campaignstate.Change, error)
}

// States serves POST /v1/campaigns/{id}/pause and /resume (admin scope: an emergency stop is
// an operator's act, not a shop's) and GET /v1/campaigns/{id}/state (read scope).
type States struct {
	Store CampaignStates
	// Known reports whether a campaign is loaded, so that a typo answers 404 instead of
	// pausing a campaign that does not exist; nil accepts every id.
	Known func(id string) bool
}

// stateHistory is how many changes GET .../state shows.
const stateHistory = 20

// stateJSON is the answer of the three endpoints.
type stateJSON struct {
	Campaign string                 `json:"campaign"`
	State    string                 `json:"state"` // "running" or "paused"
	PausedBy string                 `json:"paused_by,omitempty"`
	PausedAt *time.Time             `json:"paused_at,omitempty"`
	History  []campaignstate.Change `json:"history"`
}

func (s *Server) handlePause(w http.ResponseWriter, r *http.Request) {
	s.changeState(w, r, s.States.Store.Pause)
}

func (s *Server) handleResume(w http.ResponseWriter, r *http.Request) {
	s.changeState(w, r, s.States.Store.Resume)
}

// changeState reads the optional body {"by": "..."} (default: the API key's label), applies
// change and answers the new state.
func (s *Server) changeState(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, campaign, who string) error) {
	id, ok := s.knownCampaign(w, r)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		By *string `json:"by"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				writeError(w, http.StatusBadRequest, typeErr.Field, "by must be a string")
			} else {
				writeError(w, http.StatusBadRequest, "", "body must be a JSON object like {\"by\": \"name\"}: "+err.Error())
			}
			return
		}
	}
	who := keyLabel(r)
	if req.By != nil && *req.By != "" {
		who = *req.By
	}
	if err := change(r.Context(), id, who); err != nil {
		s.Log.Sugar().Errorw("change campaign state", "campaign", id, "error", err)
		writeError(w, http.StatusInternalServerError, "", "could not change the campaign's state")
		return
	}
	s.writeState(w, r, id)
}

// handleState answers GET /v1/campaigns/{id}/state: running or paused, by whom and since when,
// and the latest pauses and resumes.
func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.knownCampaign(w, r); ok {
		s.writeState(w, r, id)
	}
}

func (s *Server) writeState(w http.ResponseWriter, r *http.Request, id string) {
	paused, by, at, err := s.States.Store.State(r.Context(), id)
	var hist []campaignstate.Change
	if err == nil {
		hist, err = s.States.Store.History(r.Context(), id, stateHistory)
	}
	if err != nil {
		s.Log.Sugar().Errorw("read campaign state", "campaign", id, "error", err)
		writeError(w, http.StatusInternalServerError, "", "could not read the campaign's state")
		return
	}
	out := stateJSON{Campaign: id, State: "running", History: hist}
	if paused {
		out.State, out.PausedBy = "paused", by
		if !at.IsZero() {
			out.PausedAt = &at
		}
	}
	if out.History == nil {
		out.History = []campaignstate.Change{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) knownCampaign(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if id == "" || (s.States.Known != nil && !s.States.Known(id)) {
		writeError(w, http.StatusNotFound, "id", "no campaign "+strconv.Quote(id))
		return "", false
	}
	return id, true
}

// keyLabel names the API key of a request without revealing it: "api key " and the first 8
// hex digits of its SHA-256, which an operator can compute from the keys they hold.
func keyLabel(r *http.Request) string {
	key := bearerToken(r.Header.Get("Authorization"))
	if user, _, ok := r.BasicAuth(); ok {
		key = user
	}
	sum := sha256.Sum256([]byte(key))
	return "api key " + hex.EncodeToString(sum[:4])
}
