package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
)

var (
	predictionsFailed = promauto.NewCounter(prometheus.CounterOpts{
		Name: "rapport_predictions_failed_total",
		Help: "Customers left without predictions because the models' arithmetic failed for them.",
	})
	modelLoadsFailed = promauto.NewCounter(prometheus.CounterOpts{
		Name: "rapport_model_loads_failed_total",
		Help: "Failed reads of the published model (rp:model); the previous one stays in use.",
	})
)

// ModelsOptions configure Models; zero values take the documented defaults.
type ModelsOptions struct {
	// MaxAge is how long a read model is used before rp:model is read again: a refit reaches
	// every worker within it, and a worker reads Redis for the model at most once per MaxAge
	// rather than once per task. Default 1 minute.
	MaxAge time.Duration
	// Clock tells the cache's age. Default time.Now. (It is not the `now` of a prediction,
	// which may be a preview's --at.)
	Clock func() time.Time
}

// Models reads the published model and keeps it in memory; it is safe for concurrent use and
// implements delivery.Predictor.
type Models struct {
	rdb  redis.UniversalClient
	opts ModelsOptions
	cur  atomic.Pointer[cachedModel]
	mu   sync.Mutex // one reader of rp:model at a time
}

// cachedModel is one read of rp:model: m is nil when there was no fit.
type cachedModel struct {
	m  *Model
	at time.Time
}

// NewModels returns a cache of the model published in rdb.
func NewModels(rdb redis.UniversalClient, opts ModelsOptions) *Models {
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Models{rdb: rdb, opts: opts}
}

// Current returns the published model, nil when there is none yet. It reads Redis when the
// cached read is older than MaxAge; while one caller reads, the others go on with the cached
// model instead of queueing behind it. When the read fails, the cached model stays in use
// (and the read is retried on the next call); the error is returned only when there is no
// cached model to fall back on.
func (ms *Models) Current(ctx context.Context) (*Model, error) {
	c := ms.cur.Load()
	if c != nil && ms.opts.Clock().Sub(c.at) < ms.opts.MaxAge {
		return c.m, nil
	}
	if c != nil {
		if !ms.mu.TryLock() {
			return c.m, nil
		}
	} else {
		ms.mu.Lock()
	}
	defer ms.mu.Unlock()
	if c2 := ms.cur.Load(); c2 != c && c2 != nil {
		return c2.m, nil // another caller has just read it
	}
	m, err := ms.Load(ctx)
	if err != nil {
		modelLoadsFailed.Inc()
		if c != nil {
			return c.m, nil
		}
		return nil, err
	}
	ms.cur.Store(&cachedModel{m: m, at: ms.opts.Clock()})
	return m, nil
}

// Load reads the published model from Redis, bypassing the cache: nil when there is none.
func (ms *Models) Load(ctx context.Context) (*Model, error) {
	raw, err := ms.rdb.Get(ctx, modelKey).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", modelKey, err)
	}
	return decodeModel(raw)
}

// Predict computes the customer's predictions as of now from the published model: nil when
// there is no fit or the customer has no purchase by now. Arithmetic that fails for one
// customer (it should not: the inputs are validated) leaves that customer without
// predictions and counts rapport_predictions_failed_total, rather than failing the send.
func (ms *Models) Predict(ctx context.Context, prof *customers.Profile, now time.Time) (*decide.Predictions, error) {
	m, err := ms.Current(ctx)
	if err != nil || m == nil {
		return nil, err
	}
	p, err := m.Predict(prof.Days, prof.DaysCurrency, now)
	if err != nil {
		if !errors.Is(err, errNoPurchase) {
			predictionsFailed.Inc()
		}
		return nil, nil
	}
	return p, nil
}

// FitRecord is one line of rp:model:history: what a refit produced and whether it was
// published.
type FitRecord struct {
	AsOf       time.Time        `json:"as_of"`
	FittedAt   time.Time        `json:"fitted_at"`
	Unit       string           `json:"unit"`
	BGNBD      BGNBDParams      `json:"bgnbd"`
	GammaGamma GammaGammaParams `json:"gamma_gamma"`
	Customers  int              `json:"customers"`
	Seconds    float64          `json:"seconds"`
	Published  bool             `json:"published"`
	// Error says why a fit was refused.
	Error string `json:"error,omitempty"`
	// Spend, SpendRefused and SpendScales are the model's: how purchases are valued, why
	// the Gamma-Gamma was refused when it was, the price level of each currency.
	Spend        string             `json:"spend,omitempty"`
	SpendRefused string             `json:"spend_refused,omitempty"`
	SpendScales  map[string]float64 `json:"spend_scales,omitempty"`
}

// recordOf summarises a fit (m may be a refused one) for the history.
func recordOf(m *Model, published bool, err error) FitRecord {
	r := FitRecord{AsOf: m.AsOf, FittedAt: m.FittedAt, Unit: m.Unit, BGNBD: m.BGNBD, GammaGamma: m.GammaGamma,
		Customers: m.Customers, Seconds: m.Seconds, Published: published,
		Spend: m.Spend, SpendRefused: m.SpendRefused, SpendScales: m.SpendScales}
	// A refused fit may carry LL = −Inf or NaN parameters, which JSON cannot hold: 0 stands
	// for them, and Error says the fit was refused.
	finiteOrZero(&r.BGNBD.R, &r.BGNBD.Alpha, &r.BGNBD.A, &r.BGNBD.B, &r.BGNBD.LL,
		&r.GammaGamma.P, &r.GammaGamma.Q, &r.GammaGamma.Gamma, &r.GammaGamma.LL, &r.GammaGamma.LLTotalSpend)
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// finiteOrZero sets the NaN and infinite values among vs to 0.
func finiteOrZero(vs ...*float64) {
	for _, v := range vs {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = 0
		}
	}
}

// Publish stores m as the model every worker predicts with (within MaxAge) and records it
// in the history, which keeps the last `history` records.
func (ms *Models) Publish(ctx context.Context, m *Model, history int) error {
	if err := m.prepare(); err != nil {
		return fmt.Errorf("publish model: %w", err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("publish model: %w", err)
	}
	if err := ms.rdb.Set(ctx, modelKey, raw, 0).Err(); err != nil {
		return fmt.Errorf("publish model: write %s: %w", modelKey, err)
	}
	ms.cur.Store(&cachedModel{m: m, at: ms.opts.Clock()})
	return ms.record(ctx, recordOf(m, true, nil), history)
}

// record pushes a history line and trims the list to its last n entries.
func (ms *Models) record(ctx context.Context, r FitRecord, n int) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("record fit: %w", err)
	}
	pipe := ms.rdb.Pipeline()
	pipe.LPush(ctx, modelHistoryKey, raw)
	pipe.LTrim(ctx, modelHistoryKey, 0, int64(max(n, 1)-1))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record fit in %s: %w", modelHistoryKey, err)
	}
	return nil
}

// History returns the recorded fits, newest first.
func (ms *Models) History(ctx context.Context) ([]FitRecord, error) {
	raws, err := ms.rdb.LRange(ctx, modelHistoryKey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", modelHistoryKey, err)
	}
	out := make([]FitRecord, 0, len(raws))
	for i, raw := range raws {
		var r FitRecord
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return nil, fmt.Errorf("read %s entry %d: %w", modelHistoryKey, i, err)
		}
		out = append(out, r)
	}
	return out, nil
}
