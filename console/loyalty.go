package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/console/chart"
)

type loyaltyPage struct {
	R *analytics.LoyaltyReport
	// Refreshing: a newer report is being computed; Failed: the last attempt failed.
	Refreshing, Failed bool
	Stages             template.HTML
	CLV                template.HTML
	AtRisk             template.HTML
}

// loyaltyPage is `rapport report loyalty` as pictures.
func (h *handler) loyaltyPage(w http.ResponseWriter, r *http.Request, s session) {
	if h.cfg.Base == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "This console has no customer base to report on.")
		return
	}
	a := h.base.loyaltyReport(r.Context(), &h.cfg, h.cfg.Now())
	if !h.baseReady(w, r, s, "loyalty", "The loyalty report", a.OK, a.Err) {
		return
	}
	rep := a.Val
	stages := make([]chart.Bar, 0, len(rep.Stages))
	for _, st := range rep.Stages {
		stages = append(stages, chart.Bar{Label: st.Stage, Value: float64(st.Customers)})
	}
	deciles := make([]chart.Bar, 0, len(rep.CLVDeciles))
	for _, d := range rep.CLVDeciles {
		deciles = append(deciles, chart.Bar{Label: "D" + chart.Int(int64(d.Decile)), Value: d.Mean})
	}
	risk := make([]chart.Bar, 0, len(rep.TopAtRisk))
	for _, c := range rep.TopAtRisk {
		risk = append(risk, chart.Bar{Label: c.ID, Value: c.CLV, Href: "/console/customers/" + url.PathEscape(c.ID)})
	}
	h.render(w, r, http.StatusOK, "loyalty", s, page{Title: "Loyalty", Nav: "loyalty", Data: loyaltyPage{
		R: rep, Refreshing: a.Computing, Failed: a.Err != nil,
		Stages: chart.Bars("Customers by lifecycle stage", stages),
		CLV:    chart.Bars("Mean CLV by decile (1 = the most valuable tenth)", deciles),
		AtRisk: chart.Bars("Valuable customers at risk: CLV", risk),
	}})
}

// baseReady answers for a page whose walk over the base has no answer yet: "being computed"
// (the page reloads itself) or, when the walk failed, 503. It returns true when ok.
func (h *handler) baseReady(w http.ResponseWriter, r *http.Request, s session, nav, what string, ok bool, err error) bool {
	switch {
	case ok:
		return true
	case err != nil:
		h.unavailable(w, r, strings.ToLower(what[:1])+what[1:], err)
	default:
		h.render(w, r, http.StatusOK, "error", s, page{Title: what + " is being computed", Nav: nav, Refresh: 10,
			Data: what + " walks the whole customer base; it is being computed in the background. This page reloads " +
				"itself every 10 seconds until it is ready."})
	}
	return false
}
