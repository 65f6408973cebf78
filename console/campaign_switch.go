package console

import (
	"context"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
)

// campaignSwitch answers POST /console/campaigns/{id}/pause and .../resume: an editor's
// emergency stop and its undo, in the console user's name (campaignstate keeps who and when,
// and its audit list). ServeHTTP has checked the CSRF token already; a viewer is refused here
// even with a valid one, since the form is only hidden from viewers, not impossible to forge.
// The answer goes back to the page the form was on (next, a /console/ path only, never
// another site).
func (h *handler) campaignSwitch(w http.ResponseWriter, r *http.Request, s session) {
	action, id := r.PathValue("action"), r.PathValue("id")
	if action != "pause" && action != "resume" {
		h.fail(w, r, http.StatusNotFound, "No such action on a campaign.")
		return
	}
	if h.cfg.Pauser == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "Campaigns cannot be paused from this console: no pause store is configured.")
		return
	}
	if s.User.Role != config.RoleEditor {
		h.cfg.Log.Warn("console: campaign switch refused to a viewer", zap.String("campaign", id), zap.String("action", action),
			zap.String("user", s.User.Name))
		h.fail(w, r, http.StatusForbidden, "Only editors may pause or resume a campaign.")
		return
	}
	if h.cfg.Catalog.Load().Set.Campaign(id) == nil {
		h.fail(w, r, http.StatusNotFound, "No campaign with this id in the loaded campaigns.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	var err error
	if action == "pause" {
		err = h.cfg.Pauser.Pause(ctx, id, s.User.Name)
	} else {
		err = h.cfg.Pauser.Resume(ctx, id, s.User.Name)
	}
	if err != nil {
		h.unavailable(w, r, action+" of campaign "+id, err)
		return
	}
	h.cfg.Log.Info("console: campaign "+action+"d", zap.String("campaign", id), zap.String("user", s.User.Name))
	next := r.PostFormValue("next")
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		next = "/console/campaigns/" + id
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
