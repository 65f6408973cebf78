package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/predict"
)

// The customer-base models are fitted on the whole base by the refit job (refit.go) and
// published as one small JSON value; every prediction is then computed on demand from those
// parameters and the customer's own purchase days (Model.Predict), never stored per
// customer, so a prediction is never staler than the profile it is read with.
//
// Keys, both permanent:
//
//	rp:model          STRING  the published Model as JSON (a few hundred bytes). Written by
//	                          Models.Publish, read by Models at most once a minute per process.
//	rp:model:history  LIST    FitRecord JSON, newest first, one per refit (published or
//	                          refused), capped at RefitOptions.History entries.
//
// They are separate keys (not one MULTI) so that the model works on Redis Cluster, where
// they live in different slots: the model is written first, so a failure in between loses
// at most a history line.
const (
	modelKey        = "rp:model"
	modelHistoryKey = "rp:model:history"
)

// ModelOptions are the settings a fit is made with, from config predict.
type ModelOptions struct {
	// Unit is the time unit of the fit (config predict.unit).
	Unit predict.Unit
	// CLV is the value forecast: horizon (predict.horizon in months), monthly discount rate
	// (predict.discount_rate) and margin (predict.margin). Its Unit is set from Unit.
	CLV predict.CLVOptions
	// Lifecycle holds the stage thresholds (predict.lifecycle), defaults filled in.
	Lifecycle predict.LifecycleThresholds
}

// ModelOptionsOf reads config predict. The horizon becomes whole months of 365.25/12 days
// (365d is 12 months), at least 1 and at most 120, the longest the CLV series supports.
func ModelOptionsOf(p config.Predict) (ModelOptions, error) {
	unit, err := predict.ParseUnit(p.Unit)
	if err != nil {
		return ModelOptions{}, fmt.Errorf("predict.unit: %w", err)
	}
	months := int(math.Round(time.Duration(p.Horizon).Hours() / 24 / (365.25 / 12)))
	if months > 120 {
		return ModelOptions{}, fmt.Errorf("predict.horizon %s: at most 120 months (10 years)", time.Duration(p.Horizon))
	}
	l := p.Lifecycle
	life := predict.LifecycleThresholds{
		NewDays: l.NewDays, LoyalOrders: l.LoyalOrders, ChampionOrders: l.ChampionOrders,
		AtRiskGaps: l.AtRiskGaps, LapsedGaps: l.LapsedGaps, MinGapDays: l.MinGapDays,
		AtRiskPAlive: l.AtRiskPAlive, LapsedPAlive: l.LapsedPAlive, AtRiskDays: l.AtRiskDays, LapsedDays: l.LapsedDays,
	}.WithDefaults()
	if err := life.Validate(); err != nil {
		return ModelOptions{}, fmt.Errorf("predict.lifecycle: %w", err)
	}
	return ModelOptions{Unit: unit, Lifecycle: life, CLV: predict.CLVOptions{
		Months: max(months, 1), MonthlyDiscount: p.DiscountRate, Margin: p.Margin, Unit: unit,
	}}, nil
}

// Model is a published fit: the parameters of the BG/NBD and Gamma-Gamma models with their
// quality, the RFM cut points of the base, and the CLV settings, all as of one date. Its JSON
// is what `rapport predict fit --json` prints and what rp:model holds.
type Model struct {
	// AsOf is the fit date: customers' purchase days up to its UTC day were used.
	AsOf time.Time `json:"as_of"`
	// FittedAt is when the fit was made.
	FittedAt time.Time `json:"fitted_at"`
	// Unit is "days" or "weeks": α and every time argument of the models are in it.
	Unit       string           `json:"unit"`
	BGNBD      BGNBDParams      `json:"bgnbd"`
	GammaGamma GammaGammaParams `json:"gamma_gamma"`
	// Customers counts the customers fitted on (those with a purchase by AsOf); Groups their
	// distinct (x, t_x, T) statistics, which is what the fit's time and memory grow with.
	Customers int `json:"customers"`
	Groups    int `json:"groups"`
	// Seconds is the wall time of the whole fit, ReadSeconds the part spent reading the
	// customers from Redis (0 for a CSV).
	Seconds     float64 `json:"seconds"`
	ReadSeconds float64 `json:"read_seconds"`
	// RFM holds the quintile cut points; nil for a fit on a summary CSV, which has no
	// purchase days (predictions then have no rfm). With SpendScales, the monetary ones are
	// in SpendCurrency's price level (see RFMBase).
	RFM *RFMCuts  `json:"rfm,omitempty"`
	CLV CLVParams `json:"clv"`
	// Lifecycle are the stage thresholds the fit was published with, so that every worker
	// classifies customers alike; nil (a model from an older version) means the defaults.
	Lifecycle *predict.LifecycleThresholds `json:"lifecycle,omitempty"`
	// Spend says how predictions value a customer's future purchases (CLV and the expected
	// order value): SpendGammaGamma, or SpendOwnMean when the Gamma-Gamma fit was refused
	// (SpendRefused says why). "" (a model from an older version) is SpendGammaGamma.
	Spend        string `json:"spend,omitempty"`
	SpendRefused string `json:"spend_refused,omitempty"`
	// SpendCurrency and SpendScales are the currencies of a base whose orders carry one
	// (predict.SpendScales): the Gamma-Gamma was fitted on each repeat customer's mean
	// spend divided by their currency's scale, so GammaGamma.Gamma is in SpendCurrency's
	// units (its scale is 1), and a customer paying in currency c is valued with γ·k_c.
	// The key "" is the customers whose orders carry no currency. Both are empty when no
	// order had a currency, and in models from older versions: every customer is then
	// valued with GammaGamma as it is.
	SpendCurrency string             `json:"spend_currency,omitempty"`
	SpendScales   map[string]float64 `json:"spend_scales,omitempty"`

	// Derived on load, by prepare.
	unit   predict.Unit
	bg     predict.BGNBD
	gg     predict.GammaGamma
	clv    predict.CLVOptions
	scorer *predict.RFMScorer
}

// The values of Model.Spend.
const (
	// SpendGammaGamma values a customer's future purchases at the Gamma-Gamma E[M | x, m] in
	// their currency (FHL 2005, "RFM and CLV"): their own mean repeat spend shrunk towards
	// the population's, the more the fewer purchases it rests on.
	SpendGammaGamma = "gamma_gamma"
	// SpendOwnMean values them at the customer's own mean value per purchase day, the first
	// one included (so that a one-time buyer is valued at their order), without shrinkage.
	// A refit publishes it when the BG/NBD converged but the Gamma-Gamma was refused (too
	// few repeat customers with a spend, or spends the model cannot describe, such as a
	// shop where everyone pays the same price): P(alive), the expected orders, the next
	// order, the lifecycle stage and RFM do not depend on spend at all, and the own mean is
	// an unbiased estimate of each customer's mean spend under the model, only noisier than
	// the shrunk one. That beats leaving every customer without predictions.
	SpendOwnMean = "own_mean"
)

// BGNBDParams are the BG/NBD parameters and fit quality. LL is the log-likelihood summed
// over customers (FHL 2005, eq. 6).
type BGNBDParams struct {
	R          float64 `json:"r"`
	Alpha      float64 `json:"alpha"`
	A          float64 `json:"a"`
	B          float64 `json:"b"`
	LL         float64 `json:"ll"`
	Iterations int     `json:"iterations"`
	Converged  bool    `json:"converged"`
}

// GammaGammaParams are the Gamma-Gamma parameters and fit quality. LL is the log-likelihood
// of the customers' mean repeat spend (Hardie's note 025, −4055.92 on CDNOW); LLTotalSpend
// the same written for the total repeat spend (LL − Σ ln x). In a base with several
// currencies both are of the spends normalised to Model.SpendCurrency (each customer's
// density divided by their scale k_c: the likelihood of the raw spends is LL − Σ ln k_c). Customers counts the repeat
// customers with a positive spend, the only ones the model is fitted on.
type GammaGammaParams struct {
	P            float64 `json:"p"`
	Q            float64 `json:"q"`
	Gamma        float64 `json:"gamma"`
	LL           float64 `json:"ll"`
	LLTotalSpend float64 `json:"ll_total_spend"`
	Iterations   int     `json:"iterations"`
	Converged    bool    `json:"converged"`
	Customers    int     `json:"customers"`
}

// RFMCuts are predict.RFMScorer's cut points: recency in days since the last purchase day,
// frequency in purchase days, monetary in total spend.
type RFMCuts struct {
	Recency   [4]float64 `json:"recency"`
	Frequency [4]float64 `json:"frequency"`
	Monetary  [4]float64 `json:"monetary"`
}

// CLVParams are the CLV settings the model was published with (from config at fit time).
type CLVParams struct {
	Months          int     `json:"months"`
	MonthlyDiscount float64 `json:"monthly_discount"`
	Margin          float64 `json:"margin"`
}

// prepare validates a model and derives what predictions need.
func (m *Model) prepare() error {
	unit, err := predict.ParseUnit(m.Unit)
	if err != nil {
		return fmt.Errorf("model unit: %w", err)
	}
	m.unit = unit
	m.bg = predict.BGNBD{R: m.BGNBD.R, Alpha: m.BGNBD.Alpha, A: m.BGNBD.A, B: m.BGNBD.B}
	if err := m.bg.Validate(); err != nil {
		return err
	}
	m.gg = predict.GammaGamma{P: m.GammaGamma.P, Q: m.GammaGamma.Q, Gamma: m.GammaGamma.Gamma}
	switch m.Spend {
	case "", SpendGammaGamma:
		if err := m.gg.Validate(); err != nil {
			return err
		}
	case SpendOwnMean:
	default:
		return fmt.Errorf("model spend %q: want %q or %q", m.Spend, SpendGammaGamma, SpendOwnMean)
	}
	for c, k := range m.SpendScales {
		if math.IsNaN(k) || math.IsInf(k, 0) || k <= 0 {
			return fmt.Errorf("model spend scale of %q = %v: want a finite positive scale", c, k)
		}
	}
	m.clv = predict.CLVOptions{Months: m.CLV.Months, MonthlyDiscount: m.CLV.MonthlyDiscount, Margin: m.CLV.Margin, Unit: unit}
	// One trial computation validates the CLV settings (horizon, discount, margin).
	if _, err := predict.CLVOfValue(m.bg, 1, 0, 0, 1, m.clv); err != nil {
		return fmt.Errorf("model CLV settings %+v: %w", m.CLV, err)
	}
	m.scorer = nil
	if c := m.RFM; c != nil {
		m.scorer = &predict.RFMScorer{Recency: c.Recency, Frequency: c.Frequency, Monetary: c.Monetary}
	}
	return nil
}

// InSpendCurrency brings an amount in currency to SpendCurrency's price level, so amounts of
// customers paying in different currencies can be compared; an amount in a currency the fit
// did not see, or of a single-currency model, is returned as it is.
func (m *Model) InSpendCurrency(v float64, currency string) float64 {
	if k, ok := m.SpendScales[currency]; ok && k > 0 {
		return v / k
	}
	return v
}

// Params returns the fitted models; the Gamma-Gamma is in SpendCurrency's units (see
// SpendModel for a customer's currency) and is not valid when Spend is SpendOwnMean.
func (m *Model) Params() (predict.BGNBD, predict.GammaGamma) { return m.bg, m.gg }

// SpendModel returns the Gamma-Gamma model of spend in currency: the fitted one scaled by
// the currency's SpendScales entry, or as fitted in a model without currencies. ok is false
// when predictions value the customer at their own mean instead: the model is SpendOwnMean,
// or the currency had no repeat customer with a spend at the fit, so that its price level
// is unknown (a one-time buyer in a market the shop has just opened).
func (m *Model) SpendModel(currency string) (gg predict.GammaGamma, ok bool) {
	if m.Spend == SpendOwnMean {
		return predict.GammaGamma{}, false
	}
	if m.SpendScales == nil {
		return m.gg, true
	}
	k, ok := m.SpendScales[currency]
	if !ok {
		return predict.GammaGamma{}, false
	}
	return m.gg.Scaled(k), true
}

// ExpectedOrderValue returns the expected value of the customer's next purchase as of now,
// in their currency, as Predict values it for CLV: errNoPurchase without a purchase by then.
func (m *Model) ExpectedOrderValue(days []predict.Day, currency string, now time.Time) (float64, error) {
	s, ok := predict.Summarize(days, now, m.unit)
	if !ok {
		return math.NaN(), errNoPurchase
	}
	return m.orderValue(days, s, currency, now)
}

// orderValue is ExpectedOrderValue for the customer's summary s. A repeat customer whose
// repeat purchases net to zero or less (refunds) is valued at the Gamma-Gamma limit of a
// mean spend tending to 0, the model's answer for "spends nothing", since the model itself
// has no room for a non-positive mean; under the own mean such a mean counts as 0.
func (m *Model) orderValue(days []predict.Day, s predict.Summary, currency string, now time.Time) (float64, error) {
	if gg, ok := m.SpendModel(currency); ok {
		mean := s.Monetary
		if s.X > 0 && !(mean > 0) {
			mean = math.SmallestNonzeroFloat64
		}
		return gg.ExpectedAverageValue(s.X, mean)
	}
	v, _ := predict.RFMValuesOf(days, now)
	return max(v.Monetary/v.Frequency, 0), nil
}

// TimeUnit returns the unit of the fit.
func (m *Model) TimeUnit() predict.Unit { return m.unit }

// decodeModel reads rp:model.
func decodeModel(raw []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", modelKey, err)
	}
	if err := m.prepare(); err != nil {
		return nil, fmt.Errorf("decode %s: %w", modelKey, err)
	}
	return &m, nil
}

// predictionHorizonDays is the window of Predictions.ExpectedOrders90d.
const predictionHorizonDays = 90

// errNoPurchase says a customer has nothing to predict from.
var errNoPurchase = errors.New("no purchase yet")

// Predict computes one customer's predictions as of now from the purchase days (all orders
// of a UTC day merged, as customers.Profile.Days holds them):
//
//   - PAlive: the BG/NBD probability that the customer still buys here;
//   - ExpectedOrders90d: the expected repeat purchase days in the next 90 days;
//   - NextOrderAt: the date by which the customer, if still alive, is as likely as not to
//     have bought again (predict.BGNBD.ExpectedNextPurchase), zero when beyond 100 years;
//   - CLV: the expected discounted margin over the model's horizon, in the customer's
//     currency (that of their orders: customers.Profile's Summary.Currency), each purchase
//     valued as ExpectedOrderValue says;
//   - RFM: the quintile code ("555") against the base's cut points at the fit, "" for a
//     model without them; with SpendScales, the total spend is divided by the currency's
//     scale first, as it was for the cut points (RFMBase);
//   - Lifecycle: the stage, with P(alive) for repeat customers.
//
// A customer without a purchase by now's UTC day has nothing to predict from: nil. Days after
// it are ignored.
func (m *Model) Predict(days []predict.Day, currency string, now time.Time) (*decide.Predictions, error) {
	s, ok := predict.Summarize(days, now, m.unit)
	if !ok {
		return nil, errNoPurchase
	}
	pa, err := m.bg.PAlive(s.X, s.Tx, s.T)
	if err != nil {
		return nil, err
	}
	e90, err := m.bg.ExpectedPurchases(predictionHorizonDays/m.unit.Days(), s.X, s.Tx, s.T)
	if err != nil {
		return nil, err
	}
	value, err := m.orderValue(days, s, currency, now)
	if err != nil {
		return nil, err
	}
	clv, err := predict.CLVOfValue(m.bg, value, s.X, s.Tx, s.T, m.clv)
	if err != nil {
		return nil, err
	}
	p := &decide.Predictions{CLV: clv, PAlive: pa, ExpectedOrders90d: e90}
	// T is measured to the start of now's UTC day, so the wait is counted from there too.
	day := time.Unix(int64(predict.DayOf(now))*86400, 0).UTC()
	next, err := m.bg.ExpectedNextPurchase(s.X, s.Tx, s.T, day, m.unit)
	switch {
	case err == nil:
		p.NextOrderAt = next
	case !errors.Is(err, predict.ErrBeyondHorizon):
		return nil, err
	}
	if m.scorer != nil {
		if v, ok := predict.RFMValuesOf(days, now); ok {
			if k, ok := m.SpendScales[currency]; ok {
				v.Monetary /= k // the cut points are on the reference currency's price level
			}
			score, err := m.scorer.Score(v)
			if err != nil {
				return nil, err
			}
			p.RFM = rfmCode(score)
		}
	}
	in, _ := predict.LifecycleInputOf(days, now, pa)
	var life predict.LifecycleThresholds
	if m.Lifecycle != nil {
		life = *m.Lifecycle
	}
	stage, err := predict.Lifecycle(in, life)
	if err != nil {
		return nil, err
	}
	p.Lifecycle = string(stage)
	return p, nil
}

// rfmCode is RFM.String without fmt, which took a tenth of a prediction's time.
func rfmCode(s predict.RFM) string {
	return string([]byte{byte('0' + s.R), byte('0' + s.F), byte('0' + s.M)})
}

// Predictor computes a customer's predictions from the published models (Models implements
// it). It returns nil predictions, and no error, when there is no fit or nothing to predict
// from; an error only when the models cannot be read (Redis), which is worth a retry.
type Predictor interface {
	Predict(ctx context.Context, prof *customers.Profile, now time.Time) (*decide.Predictions, error)
}

// fillPredictions sets prof.Customer.Predicted as p says at now; a nil p (predictions not
// wired) leaves the customer without predictions, as when there is no fit.
func fillPredictions(ctx context.Context, p Predictor, prof *customers.Profile, now time.Time) error {
	if p == nil || prof == nil {
		return nil
	}
	pred, err := p.Predict(ctx, prof, now)
	if err != nil {
		return fmt.Errorf("predictions for customer %s: %w", prof.ID, err)
	}
	prof.Customer.Predicted = pred
	return nil
}
