package analytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/predict"
)

// rp:model          STRING  the published Model as JSON (a few hundred bytes). Written by
//
//	Models.Publish, read by Models at most once a minute per process.
//
// rp:model:history  LIST    FitRecord JSON, newest first, one per refit (published or
//
//	refused), capped at RefitOptions.History entries.
const (
	modelKey        = "rp:model"
	modelHistoryKey = "rp:model:history"
)

type ModelOptions struct {
	// Unit is the time unit of the fit (config predict.unit).
	Unit predict.Unit
	// CLV is the value forecast: horizon (predict.horizon in months), monthly discount rate
	// (predict.discount_rate) and margin (predict.margin). Its Unit is set from Unit.
	CLV predict.CLVOptions
	// Lifecycle holds the stage thresholds (predict.lifecycle), defaults filled in.
	Lifecycle predict.LifecycleThresholds
}

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

type BGNBDParams struct {
	R          float64 `json:"r"`
	Alpha      float64 `json:"alpha"`
	A          float64 `json:"a"`
	B          float64 `json:"b"`
	LL         float64 `json:"ll"`
	Iterations int     `json:"iterations"`
	Converged  bool    `json:"converged"`
}

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

type RFMCuts struct {
	Recency   [4]float64 `json:"recency"`
	Frequency [4]float64 `json:"frequency"`
	Monetary  [4]float64 `json:"monetary"`
}

type CLVParams struct {
	Months          int     `json:"months"`
	MonthlyDiscount float64 `json:"monthly_discount"`
	Margin          float64 `json:"margin"`
}

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

func (m *Model) InSpendCurrency(v float64, currency string) float64 {
	if k, ok := m.SpendScales[currency]; ok && k > 0 {
		return v / k
	}
	return v
}

func (m *Model) Params() (predict.BGNBD, predict.GammaGamma) { return m.bg, m.gg }

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

func (m *Model) ExpectedOrderValue(days []predict.Day, currency string, now time.Time) (float64, error) {
	s, ok := predict.Summarize(days, now, m.unit)
	if !ok {
		return math.NaN(), errNoPurchase
	}
	return m.orderValue(days, s, currency, now)
}

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

func (m *Model) TimeUnit() predict.Unit { return m.unit }

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

const predictionHorizonDays = 90

var errNoPurchase = errors.New("no purchase yet")

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

func rfmCode(s predict.RFM) string {
	return string([]byte{byte('0' + s.R), byte('0' + s.F), byte('0' + s.M)})
}
