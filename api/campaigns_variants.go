package api

import (
	"context"
	"math"
	"net/http"
	"strconv"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/results"
)

// VariantsReport is how a campaign's variants stand over its whole life, as select: learn
// sees them: GET /v1/campaigns/{id}/variants, and the "learning" object of `rapport report
// --campaign ID --json`.
type VariantsReport struct {
	Campaign string `json:"campaign"`
	// Select is the campaign's select mode (first, weights, learn).
	Select string `json:"select"`
	// Explore is select: learn's floor of exploration, a share in [0,1].
	Explore float64 `json:"explore"`
	// MinSends is the number of sends from which a variant is judged by its conversions
	// rather than its clicks (the campaign's goal.min_sends).
	MinSends int               `json:"min_sends"`
	Variants []VariantStanding `json:"variants"`
}

// VariantStanding is one variant: its treatment sends, conversions and first clicks; its
// conversion rate with the Wilson 95% interval; the share of the traffic it gets now among
// customers for whom every variant is eligible, and the probability that it converts best.
type VariantStanding struct {
	Variant     string           `json:"variant"`
	Sends       int64            `json:"sends"`
	Conversions int64            `json:"conversions"`
	Clicks      int64            `json:"clicks"`
	Rate        results.Interval `json:"rate"`
	// Share is null under select: first, where it depends on each customer's conditions.
	Share *float64 `json:"share"`
	// ProbBest uses the posteriors select: learn draws from (clicks before min_sends).
	ProbBest float64 `json:"prob_best"`
	// JudgedBy is what ProbBest counts as a success: "clicks" before min_sends, then
	// "conversions".
	JudgedBy string `json:"judged_by"`
}

// CampaignVariants reads the standing of c's variants from its lifetime counters: the
// variants of the campaign's YAML in their order, a variant never sent included (with no
// sends it has the prior's chance), a removed variant's leftover counters not.
func CampaignVariants(c *config.Campaign, counts results.Counts) VariantsReport {
	all := counts.Variants()
	stats := make(map[string]decide.VariantStats, len(c.Variants))
	for _, v := range c.Variants {
		stats[v.ID] = all[v.ID]
	}
	minSends := c.MinSends()
	rep := VariantsReport{Campaign: c.ID, Select: c.Select.Mode, Explore: float64(c.Explore), MinSends: minSends,
		Variants: make([]VariantStanding, 0, len(c.Variants))}
	if rep.Select == "" {
		rep.Select = config.SelectFirst
	}
	pBest := decide.ProbBestFor(stats, minSends)
	shares := variantShares(c, pBest)
	for _, v := range c.Variants {
		s := stats[v.ID]
		vs := VariantStanding{Variant: v.ID, Sends: int64(s.Sends), Conversions: int64(s.Conversions), Clicks: int64(s.Clicks),
			ProbBest: pBest[v.ID], JudgedBy: "conversions"}
		vs.Rate = results.Wilson(min(vs.Conversions, vs.Sends), vs.Sends)
		if s.Sends < minSends {
			vs.JudgedBy = "clicks"
		}
		if sh, ok := shares[v.ID]; ok {
			vs.Share = &sh
		}
		rep.Variants = append(rep.Variants, vs)
	}
	return rep
}

// variantShares is each variant's share of the traffic under the campaign's select: the
// bandit's (decide.SharesOf the probabilities of being best) under learn, the normalised weights under weights, none
// under first.
func variantShares(c *config.Campaign, pBest map[string]float64) map[string]float64 {
	switch c.Select.Mode {
	case config.SelectLearn:
		return decide.SharesOf(pBest, float64(c.Explore))
	case config.SelectWeights:
		total := 0.0
		for _, v := range c.Variants {
			total += math.Max(c.Select.Weights[v.ID], 0)
		}
		out := make(map[string]float64, len(c.Variants))
		for _, v := range c.Variants {
			if total > 0 {
				out[v.ID] = math.Max(c.Select.Weights[v.ID], 0) / total
			} else {
				out[v.ID] = 0
			}
		}
		return out
	}
	return nil
}

// handleVariants answers GET /v1/campaigns/{id}/variants: CampaignVariants of the campaign
// in the current catalog; 404 for a campaign it does not hold.
func (s *Server) handleVariants(w http.ResponseWriter, r *http.Request) {
	if s.Reports == nil || s.Reports.Store == nil || s.Reports.Campaign == nil {
		writeError(w, http.StatusNotFound, "", "campaign reports are not available on this server")
		return
	}
	id := r.PathValue("id")
	c := s.Reports.Campaign(id)
	if c == nil {
		writeError(w, http.StatusNotFound, "id", "no campaign "+strconv.Quote(id))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), reportTimeout)
	defer cancel()
	counts, err := s.Reports.Store.Lifetime(ctx, id)
	if err != nil {
		s.Log.Sugar().Errorw("read campaign variants", "campaign", id, "error", err)
		writeError(w, http.StatusInternalServerError, "", "could not read the campaign's variants")
		return
	}
	writeJSON(w, http.StatusOK, CampaignVariants(c, counts))
}
