package console

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
)

// Results reads the campaigns' counters (results.Store): reports over a period, the same
// counters day by day, the whole life's counters (the variants' statistics select: learn
// draws from) and the sample of recent decisions.
type Results interface {
	Report(ctx context.Context, campaign string, from, to time.Time) (results.Report, error)
	Daily(ctx context.Context, campaign string, from, to time.Time) ([]results.Day, error)
	Lifetime(ctx context.Context, campaign string) (results.Counts, error)
	Recent(ctx context.Context, campaign string, n int) ([]results.Decision, error)
	// Unsent gives a customer's latest decisions that sent nothing, for their file.
	Unsent(ctx context.Context, customer string) ([]results.Decision, error)
}

// RewardStats reads what a campaign's rewards have given against their budgets
// (rewards.Ledger).
type RewardStats interface {
	Stats(ctx context.Context, c *config.Campaign) (rewards.CampaignStats, error)
	// Wallet gives a customer's points and coupons, for their file.
	Wallet(ctx context.Context, customer string) (rewards.Wallet, error)
}

// Runs reads the progress of a scheduled campaign's latest occurrences (schedule.Runs).
type Runs interface {
	Recent(ctx context.Context, campaign string, n int) ([]schedule.Run, error)
}

// readTimeout bounds the Redis reads of one page: a page that cannot be drawn in it says so
// rather than hanging the marketer's browser.
const readTimeout = 5 * time.Second

// lintCache keeps the lint warnings of the loaded campaigns (what `rapport lint` prints
// besides problems: a condition naming customer.NAME that is neither computed nor a declared
// trait) per catalog generation: a loaded catalog has no problems (it would not have loaded),
// and its warnings change only when it is reloaded.
type lintCache struct {
	mu     sync.Mutex
	cat    *delivery.Catalog
	byFile map[string][]string
}

// warnings returns the warnings of the campaigns read from file.
func (l *lintCache) warnings(cat *delivery.Catalog, settings *config.Config, traits []string, file string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cat != cat {
		l.cat, l.byFile = cat, map[string][]string{}
		for _, w := range cat.Set.CheckCustomerNames(append(slices.Clip(settings.Traits), traits...)) {
			l.byFile[w.File] = append(l.byFile[w.File], w.Error())
		}
	}
	return l.byFile[file]
}

// mainZones are the zones the next occurrences are shown in besides UTC: the base's three
// largest once the calendar page has counted them, else default_timezone.
func (h *handler) mainZones() []*time.Location {
	var out []*time.Location
	for _, z := range h.base.knownZones() {
		if len(out) == 3 {
			break
		}
		if loc, err := time.LoadLocation(z); err == nil && z != "UTC" {
			out = append(out, loc)
		}
	}
	if len(out) == 0 {
		if loc := h.cfg.Settings.Location(); loc != nil && loc != time.UTC {
			out = append(out, loc)
		}
	}
	return out
}

// points writes a difference of rates in percentage points with its sign: "+1.8".
func points(v float64) string {
	s := fmt.Sprintf("%+.1f", 100*v)
	if s == "-0.0" || s == "+0.0" {
		return "0.0"
	}
	return s
}

// bound writes an interval's bound in points: "0.6", "-1.2".
func bound(v float64) string {
	s := fmt.Sprintf("%.1f", 100*v)
	if s == "-0.0" {
		return "0.0"
	}
	return s
}

// upliftWords says an uplift of the conversion rate in plain words: "+1.8 points (95% CI 0.6
// to 3.0): significant", or why there is none yet.
func upliftWords(tr, ho results.ArmReport, abs results.Interval) string {
	switch {
	case ho.Customers == 0 && tr.Customers == 0:
		return "no customer yet in either group"
	case ho.Customers == 0:
		return "no holdout yet: nobody to compare with"
	case tr.Customers == 0:
		return "nobody reached yet in the treatment group"
	case math.IsNaN(abs.Estimate):
		return "not enough data yet"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s points", points(abs.Estimate))
	if !math.IsNaN(abs.Low) && !math.IsNaN(abs.High) {
		fmt.Fprintf(&b, " (95%% CI %s to %s)", bound(abs.Low), bound(abs.High))
	}
	if abs.Significant {
		b.WriteString(": significant")
	} else {
		b.WriteString(": not significant yet")
	}
	return b.String()
}
