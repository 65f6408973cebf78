package console

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console/chart"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
)

// campaignView is the campaign page: the campaign as written, then its results.
type campaignView struct {
	Row       campaignRow
	C         *config.Campaign
	Audience  string
	Window    string
	CanSwitch bool
	// Results is nil without a results store; Note says why a part is missing.
	Results *campaignResults
	Rewards *rewards.CampaignStats
	Runs    []schedule.Run
	Notes   []string
}

// campaignResults are the campaign's results over the period From–To: the same report as
// GET /v1/campaigns/{id}/report?from=From&to=To.
type campaignResults struct {
	From, To  string
	Report    results.Report
	Funnel    []funnelStep
	FunnelSVG template.HTML
	DaysSVG   template.HTML
	Variants  []variantRow
	// Explore is the floor of exploration the shares are computed with.
	Explore config.Percent
	Uplift  string
	Recent  []results.Decision
}

// funnelStep is one bar of the funnel; Metric names the report's JSON field.
type funnelStep struct {
	Label, Metric string
	Value         int64
}

// variantRow is a variant's sends and conversion rate over the period, and its share of
// traffic and probability of being best as select: learn computes them from the whole life.
type variantRow struct {
	ID          string
	Sends       int64
	Conversions int64
	Rate        string
	Share       string
	ProbBest    string
}

// period reads ?from= and ?to= as the report endpoint does; without them the last
// ReportDays days up to now.
func (h *handler) period(r *http.Request, now time.Time) (from, to time.Time, err error) {
	to, from = now, now.AddDate(0, 0, -(h.cfg.ReportDays-1))
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(q.name); v != "" {
			if *q.dst, err = config.ParseInstant(v, h.cfg.Settings.Location()); err != nil {
				return from, to, fmt.Errorf("%s: %w", q.name, err)
			}
		}
	}
	if to.Before(from) {
		return from, to, fmt.Errorf("to is before from")
	}
	return from, to, nil
}

func (h *handler) campaignPage(w http.ResponseWriter, r *http.Request, s session) {
	cat := h.cfg.Catalog.Load()
	c := cat.Set.Campaign(r.PathValue("id"))
	if c == nil {
		h.fail(w, r, http.StatusNotFound, "No campaign with this id in the loaded campaigns.")
		return
	}
	now := h.cfg.Now()
	from, to, err := h.period(r, now)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "The period in the address cannot be read: "+err.Error()+".")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	v := campaignView{Row: h.row(ctx, cat, c, h.describe(cat, now)[c.ID]), C: c, Window: "rapport.yaml's window",
		CanSwitch: h.canSwitch(s), Audience: "everybody"}
	if t := c.Trigger; t.Event != "" && t.Where != nil {
		v.Row.Trigger = "event " + t.Event + " where " + t.Where.String()
		if t.Delay > 0 {
			v.Row.Trigger += ", after " + t.Delay.String()
		}
	}
	if c.Audience.Segment != "" {
		v.Audience = "segment " + c.Audience.Segment
	}
	if c.Audience.Where != nil {
		v.Audience += " where " + c.Audience.Where.String()
	}
	if c.Window != nil {
		v.Window = c.Window.String()
	}
	note := func(what string, err error) {
		h.cfg.Log.Error("console: read "+what, zap.String("campaign", c.ID), zap.Error(err))
		v.Notes = append(v.Notes, "Could not read "+what+"; the rest of the page is shown.")
	}
	if h.cfg.Results != nil {
		res, err := h.campaignResults(ctx, c, from, to)
		if err != nil {
			note("the campaign's results", err)
		}
		v.Results = res
	}
	if h.cfg.Rewards != nil && len(c.Rewards) > 0 {
		if st, err := h.cfg.Rewards.Stats(ctx, c); err != nil {
			note("the reward statistics", err)
		} else {
			v.Rewards = &st
		}
	}
	if h.cfg.Runs != nil && v.Row.Kind != schedule.KindTriggered {
		if runs, err := h.cfg.Runs.Recent(ctx, c.ID, 10); err != nil {
			note("the scheduled runs", err)
		} else {
			v.Runs = runs
		}
	}
	h.render(w, r, http.StatusOK, "campaign", s, page{Title: c.ID, Nav: "campaigns", Data: v})
}

// campaignResults reads the report, the days and the recent decisions. A part that cannot
// be read returns what was read and the error.
func (h *handler) campaignResults(ctx context.Context, c *config.Campaign, from, to time.Time) (*campaignResults, error) {
	rep, err := h.cfg.Results.Report(ctx, c.ID, from, to)
	if err != nil {
		return nil, err
	}
	res := &campaignResults{From: rep.From, To: rep.To, Report: rep}
	f := rep.Funnel
	res.Funnel = []funnelStep{{"Eligible", "eligible", f.Eligible}, {"Sent", "sent", f.Sent}, {"Delivered", "delivered", f.Delivered},
		{"Opened", "opened", f.Opened}, {"Clicked", "clicked", f.Clicked}, {"Converted", "conversions", f.Conversions}}
	bars := make([]chart.Bar, len(res.Funnel))
	for i, st := range res.Funnel {
		bars[i] = chart.Bar{Label: st.Label, Value: float64(st.Value)}
	}
	res.FunnelSVG = chart.Bars("Funnel of "+c.ID+" from "+rep.From+" to "+rep.To, bars)
	res.Uplift = upliftWords(rep.Treatment, rep.Holdout, rep.Uplift.ConversionRate.Absolute)

	days, err := h.cfg.Results.Daily(ctx, c.ID, from, to)
	if err != nil {
		return res, err
	}
	res.DaysSVG = messagesPerDay(c.ID, days)
	life, err := h.cfg.Results.Lifetime(ctx, c.ID)
	if err != nil {
		return res, err
	}
	res.Variants, res.Explore = variantRows(c, rep, life.Variants())
	res.Recent, err = h.cfg.Results.Recent(ctx, c.ID, 20)
	return res, err
}

// messagesPerDay stacks each day's sends by channel.
func messagesPerDay(id string, days []results.Day) template.HTML {
	perChannel := map[string][]float64{}
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = d.Date.Format("01-02")
		for k, n := range d.Counts {
			if k.Metric != results.Sent || k.Arm != results.Treatment {
				continue
			}
			ch := k.Channel
			if ch == "" {
				ch = "unknown"
			}
			if perChannel[ch] == nil {
				perChannel[ch] = make([]float64, len(days))
			}
			perChannel[ch][i] += float64(n)
		}
	}
	var series []chart.Series
	for ch, vals := range perChannel {
		series = append(series, chart.Series{Name: ch, Values: vals})
	}
	slices.SortFunc(series, func(a, b chart.Series) int { return cmp.Compare(a.Name, b.Name) })
	return chart.Stacked("Messages sent per day by channel, "+id, labels, series)
}

// variantRows joins the period's report with the shares select: learn gives from the whole
// life's statistics (decide.SharesOf the probabilities of being best, with the campaign's
// explore and min_sends), for every variant written, sent or not.
func variantRows(c *config.Campaign, rep results.Report, stats map[string]decide.VariantStats) ([]variantRow, config.Percent) {
	for _, v := range c.Variants {
		if _, ok := stats[v.ID]; !ok {
			stats[v.ID] = decide.VariantStats{}
		}
	}
	// A campaign that does not learn has no explore written: show the share it would get
	// with the default one, as it would run if switched to select: learn.
	explore := c.Explore
	if c.Select.Mode != config.SelectLearn && explore == 0 {
		explore = config.DefaultExplore
	}
	best := decide.ProbBestFor(stats, c.MinSends())
	shares := decide.SharesOf(best, float64(explore))
	byID := map[string]results.VariantReport{}
	for _, vr := range rep.Variants {
		byID[vr.Variant] = vr
	}
	var out []variantRow
	for _, v := range c.Variants {
		vr := byID[v.ID]
		rate := "–" // no send in the period: no rate, rather than the zero value's 0% (0% to 0%)
		if vr.Sends > 0 {
			rate = rateText(vr.Rate)
		}
		out = append(out, variantRow{ID: v.ID, Sends: vr.Sends, Conversions: vr.Conversions, Rate: rate,
			Share: pctText(shares[v.ID]), ProbBest: pctText(best[v.ID])})
	}
	return out, explore
}

// rateText writes a rate with its interval: "2.0% (1.1% to 3.5%)"; "–" without sends.
func rateText(iv results.Interval) string {
	if math.IsNaN(iv.Estimate) {
		return "–"
	}
	s := pctText(iv.Estimate)
	if !math.IsNaN(iv.Low) && !math.IsNaN(iv.High) {
		s += " (95% CI " + pctText(iv.Low) + " to " + pctText(iv.High) + ")"
	}
	return s
}

func pctText(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return chart.Number(100*v) + "%"
}
