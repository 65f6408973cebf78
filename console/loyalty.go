package console

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/console/chart"
)

type loyaltyPage struct {
	R      *analytics.LoyaltyReport
	Stages template.HTML
	CLV    template.HTML
	AtRisk template.HTML
}

// loyaltyPage is `rapport report loyalty` as pictures.
func (h *handler) loyaltyPage(w http.ResponseWriter, r *http.Request, s session) {
	if h.cfg.Base == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "This console has no customer base to report on.")
		return
	}
	rep, err := h.base.loyaltyReport(r.Context(), &h.cfg, h.cfg.Now())
	if err != nil {
		h.unavailable(w, r, "the loyalty report", err)
		return
	}
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
		R:      rep,
		Stages: chart.Bars("Customers by lifecycle stage", stages),
		CLV:    chart.Bars("Mean CLV by decile (1 = the most valuable tenth)", deciles),
		AtRisk: chart.Bars("Valuable customers at risk: CLV", risk),
	}})
}
