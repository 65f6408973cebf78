package analytics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/predict"
)

// CustomerPager walks the whole customer base: *customers.Store implements it.
type CustomerPager interface {
	Page(ctx context.Context, after string, n int) (ids []string, next string, err error)
	GetMany(ctx context.Context, ids []string) ([]*customers.Profile, error)
}

// EachCustomer calls fn with every stored profile, a page at a time in id order, so that a
// walk over millions of customers holds one page in memory. It stops at the first error.
func EachCustomer(ctx context.Context, p CustomerPager, pageSize int, fn func(*customers.Profile) error) error {
	if pageSize <= 0 {
		pageSize = defaultPageSize
	}
	after := ""
	for {
		ids, next, err := p.Page(ctx, after, pageSize)
		if err != nil {
			return err
		}
		profs, err := p.GetMany(ctx, ids)
		if err != nil {
			return fmt.Errorf("read customers after %q: %w", after, err)
		}
		for _, prof := range profs {
			if prof == nil {
				continue // an index entry whose profile was erased (see customers.Store.Page)
			}
			if err := fn(prof); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// defaultPageSize is how many profiles a walk reads per pipeline: large enough that the
// round trip is amortised, small enough that a page of profiles is a few hundred KiB.
const defaultPageSize = 500

// RefitOptions configure a Refitter; zero values take the documented defaults.
type RefitOptions struct {
	ModelOptions
	// PageSize is how many customers are read per round trip. Default 500.
	PageSize int
	// History is how many fits rp:model:history keeps. Default 30.
	History int
	// Fit tunes the optimiser; the zero value is predict's defaults.
	Fit predict.FitOptions
	// Clock stamps FittedAt and times the fit. Default time.Now.
	Clock func() time.Time
}

// Refitter fits the customer-base models on the whole base and publishes them.
type Refitter struct {
	Customers CustomerPager
	Models    *Models
	Options   RefitOptions
	Log       *zap.Logger
}

func (r *Refitter) opts() RefitOptions {
	o := r.Options
	if o.PageSize <= 0 {
		o.PageSize = defaultPageSize
	}
	if o.History <= 0 {
		o.History = 30
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Refit fits the models on every customer's purchases up to asOf's UTC day and publishes the
// result. A model whose Gamma-Gamma alone was refused is published with Spend =
// SpendOwnMean (see FitStats). A BG/NBD fit that did not converge, or a base on which the models are not identified
// (predict.ErrNotConverged, predict.ErrInsufficientData), is refused: the previous model stays
// published, the refusal is recorded in the history, and the error is returned together with
// the refused fit for diagnosis.
func (r *Refitter) Refit(ctx context.Context, asOf time.Time) (*Model, error) {
	o := r.opts()
	m, base, err := r.fit(ctx, asOf)
	if base != nil {
		// The base's statistics are published whatever the fit's fate: a shop with too few
		// customers for the models still has a base for the decisions' priors.
		if perr := PublishBase(ctx, r.Models.rdb, base); perr != nil {
			return m, errors.Join(err, perr)
		}
	}
	if err != nil {
		if m != nil {
			if rerr := r.Models.record(ctx, recordOf(m, false, err), o.History); rerr != nil {
				return m, errors.Join(err, rerr)
			}
		}
		return m, err
	}
	if err := r.Models.Publish(ctx, m, o.History); err != nil {
		return m, err
	}
	if r.Log != nil {
		r.Log.Info("customer-base models refitted and published", zap.Time("as_of", m.AsOf),
			zap.Int("customers", m.Customers), zap.Int("groups", m.Groups), zap.Float64("seconds", m.Seconds))
		if m.Spend == SpendOwnMean {
			r.Log.Warn("Gamma-Gamma refused: CLV values each customer's purchases at their own mean", zap.String("reason", m.SpendRefused))
		}
	}
	return m, nil
}

// Fit fits the models as of asOf without publishing them (`rapport predict fit --dry-run`).
// Memory holds the grouped statistics (the spend groups per currency: see FitStats) and one
// RFM triple (24 bytes) per customer, never the profiles beyond one page. On failure it returns the error and, when the optimiser ran, the
// refused fit.
func (r *Refitter) Fit(ctx context.Context, asOf time.Time) (*Model, error) {
	m, _, err := r.fit(ctx, asOf)
	return m, err
}

// fit is Fit that also counts the base's statistics (Base) in the same walk; the base is
// returned whenever the walk completed, even when the fit is refused.
func (r *Refitter) fit(ctx context.Context, asOf time.Time) (*Model, *Base, error) {
	o := r.opts()
	start := o.Clock()
	st, err := NewModelStats(o.Unit)
	if err != nil {
		return nil, nil, err
	}
	var rfm RFMBase
	var prev *Model
	if r.Models != nil {
		prev, _ = r.Models.Current(ctx) // for the CLV cut points only; none is fine
	}
	bs := NewBaseStats(asOf, prev)
	err = EachCustomer(ctx, r.Customers, o.PageSize, func(p *customers.Profile) error {
		bs.Add(p)
		s, ok := predict.Summarize(p.Days, asOf, o.Unit)
		if !ok {
			return nil // no purchase by asOf: not a customer yet
		}
		if err := st.AddIn(s, p.DaysCurrency); err != nil {
			return fmt.Errorf("customer %s: %w", p.ID, err)
		}
		v, _ := predict.RFMValuesOf(p.Days, asOf)
		rfm.Add(v, p.DaysCurrency)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("fit as of %s: %w", asOf.Format(time.DateOnly), err)
	}
	read := o.Clock().Sub(start)
	m, err := FitStats(st, &rfm, asOf, o.ModelOptions, o.Fit)
	if m != nil {
		m.FittedAt = o.Clock().UTC()
		m.ReadSeconds = read.Seconds()
		m.Seconds = m.FittedAt.Sub(start).Seconds()
	}
	return m, bs.Base(), err
}

// NewModelStats returns empty statistics grouped the way a refit groups them: recency and age
// by whole days (exact for summaries built from purchase days) and repeat spend by thousandths
// (exact for stored orders, which keep money in thousandths), so grouping loses nothing.
func NewModelStats(unit predict.Unit) (*predict.Stats, error) {
	return predict.NewStats(predict.StatsOptions{TimeStep: unit.DayStep(), SpendStep: 0.001})
}

// FitStats fits BG/NBD and Gamma-Gamma on grouped statistics, and the RFM cut points on rfm
// (none when rfm is nil or empty, as for a summary CSV). It returns the model, not yet published,
// or an error wrapping predict.ErrNotConverged or ErrInsufficientData together with the
// refused fit when the optimiser ran. Seconds is the time of the fits alone.
//
// The spend of a base in several currencies (st.AddIn) is fitted as predict.SpendScales
// explains: one (p, q, γ) on each repeat customer's mean spend divided by their currency's
// price level, γ in the reference currency's units, the scales stored in the model. A base
// in one currency is fitted exactly as without currencies. The RFM monetary cut points are
// then on the same normalised scale (see RFMBase).
//
// When the BG/NBD converged and only the Gamma-Gamma is refused, the model is returned
// without error with Spend = SpendOwnMean (see there), SpendRefused saying why, and the
// refused Gamma-Gamma parameters kept for diagnosis (non-finite ones as 0).
func FitStats(st *predict.Stats, rfm *RFMBase, asOf time.Time, mo ModelOptions, fo predict.FitOptions) (*Model, error) {
	start := time.Now()
	mo.CLV.Unit = mo.Unit
	m := &Model{AsOf: asOf.UTC(), Unit: mo.Unit.String(), Customers: st.Customers(), Groups: len(st.Groups()),
		CLV: CLVParams{Months: mo.CLV.Months, MonthlyDiscount: mo.CLV.MonthlyDiscount, Margin: mo.CLV.Margin}, Lifecycle: &mo.Lifecycle}
	if m.CLV.Months == 0 {
		m.CLV.Months = 12
	}
	if m.CLV.Margin == 0 {
		m.CLV.Margin = 1
	}
	bg, err := predict.FitBGNBD(st.Groups(), fo)
	m.BGNBD = BGNBDParams{R: bg.Params.R, Alpha: bg.Params.Alpha, A: bg.Params.A, B: bg.Params.B,
		LL: bg.LL, Iterations: bg.Iterations, Converged: bg.Converged}
	if err != nil {
		return refused(m, bg.Groups > 0, err)
	}
	scales := predict.SpendScalesOf(st)
	spend, err := scales.Normalize(st)
	if err != nil {
		return refused(m, true, err)
	}
	gg, err := predict.FitGammaGamma(spend, fo)
	m.GammaGamma = GammaGammaParams{P: gg.Params.P, Q: gg.Params.Q, Gamma: gg.Params.Gamma, LL: gg.LL,
		LLTotalSpend: gg.LLTotalSpend, Iterations: gg.Iterations, Converged: gg.Converged, Customers: gg.Customers}
	switch {
	case err == nil:
		m.Spend = SpendGammaGamma
		if len(scales.Scale) > 1 || (len(scales.Scale) == 1 && scales.Reference != "") {
			m.SpendCurrency, m.SpendScales = scales.Reference, scales.Scale
		}
	case errors.Is(err, predict.ErrNotConverged) || errors.Is(err, predict.ErrInsufficientData):
		m.Spend, m.SpendRefused = SpendOwnMean, err.Error()
		finiteOrZero(&m.GammaGamma.P, &m.GammaGamma.Q, &m.GammaGamma.Gamma, &m.GammaGamma.LL, &m.GammaGamma.LLTotalSpend)
	default:
		return refused(m, true, err)
	}
	if rfm.Len() > 0 {
		sc, err := predict.NewRFMScorer(rfm.scaled(m.SpendScales))
		if err != nil {
			return nil, err
		}
		m.RFM = &RFMCuts{Recency: sc.Recency, Frequency: sc.Frequency, Monetary: sc.Monetary}
	}
	m.Seconds = time.Since(start).Seconds()
	if err := m.prepare(); err != nil {
		return refused(m, true, err)
	}
	return m, nil
}

// refused returns the fit for diagnosis when the optimiser ran, with the error.
func refused(m *Model, ran bool, err error) (*Model, error) {
	err = fmt.Errorf("fit as of %s on %d customers, not published: %w", m.AsOf.Format(time.DateOnly), m.Customers, err)
	if !ran {
		return nil, err
	}
	return m, err
}
