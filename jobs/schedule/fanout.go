package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/segments"
)

// FanoutPayload is the payload of a tasks.TypeFanout task: one pass over the audience of one
// occurrence. A pass batches the customers whose instant falls in [From, From+Horizon) (pass
// 0: everything before the first customer's instant + Horizon): a local occurrence spreads
// over 26 hours of instants, and asynq should hold only about the next hour of work as
// scheduled tasks. A pass that saw customers beyond its window enqueues the next pass, from
// the earliest of their instants, to start fanoutLead before it: hours in which nobody's time
// comes cost no pass, so an audience living in three time zones is paged three times, not 27.
type FanoutPayload struct {
	Campaign string        `json:"c"`
	Occ      Occurrence    `json:"o"`
	Pass     int           `json:"p,omitempty"`
	From     time.Time     `json:"f,omitzero"`
	Horizon  time.Duration `json:"h"`
}

func (p *FanoutPayload) Marshal() ([]byte, error) { return json.Marshal(p) }

// window is the pass's range of instants; from is zero for pass 0.
func (p *FanoutPayload) window() (from, until time.Time) {
	if p.Pass == 0 {
		return time.Time{}, p.Occ.Fire.Add(fanoutLead + p.Horizon)
	}
	return p.From, p.From.Add(p.Horizon)
}

// AudienceStore is what a fan-out reads of the customer store (customers.Store).
type AudienceStore interface {
	Page(ctx context.Context, after string, n int) (ids []string, next string, err error)
	GetMany(ctx context.Context, ids []string) ([]*customers.Profile, error)
}

// FanoutConfig is what a Fanout is built from.
type FanoutConfig struct {
	Catalog *delivery.CatalogRef
	Store   AudienceStore
	RDB     redis.UniversalClient
	Enqueue tasks.Enqueuer
	// DefaultTZ is the time zone of customers without a valid one. Default UTC.
	DefaultTZ *time.Location
	// CatchUp: a customer whose send time passed longer ago than this is skipped (missed).
	// Default 6h.
	CatchUp time.Duration
	// PageSize is how many customers are read per pipeline. Default 1000.
	PageSize int
	// CheckpointEvery is how many customers (whole pages) are classified before their
	// batches are enqueued and the cursor checkpointed. Default 10,000. Batches group the
	// customers of one instant within that span: when many time zones come due at once (a
	// holiday caught up, a campaign started late), a page alone would make batches of a few
	// dozen customers and a task's fixed cost would weigh on every message; a crash costs
	// at most this many customers classified again.
	CheckpointEvery int
	// BatchSize caps the customers of one batch task. Default 500.
	BatchSize int
	// Predictor fills predictions before the audience is checked, as the batch will before
	// deciding, so that a condition on customer.clv keeps the same customers in both.
	Predictor delivery.Predictor
	// Now is the clock. Default time.Now.
	Now func() time.Time
	Log *zap.Logger
	// Signals, when set, receives a step after each pass (tests); nil in production.
	Signals *Signals
}

// Fanout turns one occurrence into batch tasks: it pages through the customer index, reads
// each page of profiles in one pipeline, keeps the customers in the occurrence (their date,
// their holiday) and in the audience, groups them by the instant their local time comes, and
// enqueues one batch per instant and page with a deterministic id.
//
// Crash safety: the page cursor of each pass is checkpointed in the run hash only after the
// page's batches are enqueued (listmonk advances its cursor when a page is fetched, so a
// crash loses the rest of that page). A retried fan-out resumes at the checkpoint; a page
// enqueued twice is harmless, since batch ids are deterministic and deliveries claimed.
//
// It handles fan-out tasks (TypeFanout) and is immutable once built (NewFanout), so any
// number of fan-outs run on one at once.
type Fanout struct {
	cfg  FanoutConfig
	cals *calendars
}

// NewFanout checks cfg and fills its defaults. Catalog, Store, RDB and Enqueue are required.
func NewFanout(cfg FanoutConfig) (*Fanout, error) {
	if cfg.Catalog == nil || cfg.Store == nil || cfg.RDB == nil || cfg.Enqueue == nil {
		return nil, errors.New("schedule: fan-out needs Catalog, Store, RDB and Enqueue")
	}
	f := &cfg
	if f.DefaultTZ == nil {
		f.DefaultTZ = time.UTC
	}
	if f.CatchUp <= 0 {
		f.CatchUp = 6 * time.Hour
	}
	if f.PageSize <= 0 {
		f.PageSize = 1000
	}
	if f.BatchSize <= 0 {
		f.BatchSize = 500
	}
	if f.CheckpointEvery <= 0 {
		f.CheckpointEvery = 10_000
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Log == nil {
		f.Log = zap.NewNop()
	}
	return &Fanout{cfg: cfg, cals: &calendars{}}, nil
}

// Config returns the fan-out's configuration, defaults filled.
func (f *Fanout) Config() FanoutConfig { return f.cfg }

// ProcessTask implements asynq.Handler.
func (f *Fanout) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p FanoutPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Campaign == "" || p.Occ.Key == "" || p.Horizon <= 0 {
		return fmt.Errorf("decode fan-out payload: %v: %w", err, asynq.SkipRetry)
	}
	return f.Run(ctx, &p)
}

// Run runs one pass of a fan-out, resuming at its checkpoint.
func (f *Fanout) Run(ctx context.Context, p *FanoutPayload) error {
	cat := f.cfg.Catalog.Load()
	camp := cat.Set.Campaign(p.Campaign)
	if camp == nil {
		f.cfg.Log.Warn("fan-out for a campaign that no longer exists; dropped", zap.String("campaign", p.Campaign))
		return nil
	}
	cl, err := f.classifier(cat, camp, p)
	if err != nil {
		return fmt.Errorf("fan-out %s of %s: %w: %w", p.Occ.Key, camp.ID, err, asynq.SkipRetry)
	}
	rk := runKey(camp.ID, p.Occ.Key)
	pass := strconv.Itoa(p.Pass)
	after, err := f.cfg.RDB.HGet(ctx, rk, runCursor+pass).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("fan-out %s of %s: read checkpoint: %w", p.Occ.Key, camp.ID, err)
	}
	for done := false; !done; {
		// A span: pages up to CheckpointEvery customers, classified, then enqueued and
		// checkpointed together.
		sp := newSpan()
		last := after
		for sp.customers < f.cfg.CheckpointEvery {
			ids, next, err := f.cfg.Store.Page(ctx, last, f.cfg.PageSize)
			if err != nil {
				return fmt.Errorf("fan-out %s of %s: %w", p.Occ.Key, camp.ID, err)
			}
			if len(ids) == 0 {
				done = true
				break
			}
			if err := f.classifyPage(ctx, camp, cl, p, ids, sp); err != nil {
				return err
			}
			last = ids[len(ids)-1]
			if next == "" {
				done = true
				break
			}
		}
		if sp.customers == 0 {
			break
		}
		if err := f.flushSpan(ctx, camp, p, rk, after, last, sp); err != nil {
			return err
		}
		after = last
	}
	return f.finishPass(ctx, camp, p, rk)
}

// span is what a fan-out gathered since its last checkpoint.
type span struct {
	customers int
	counts    map[string]int64
	buckets   map[int64][]string // customer ids by instant, unix s
	later     int64              // earliest instant beyond the pass, unix s; 0 for none
}

func newSpan() *span {
	return &span{counts: map[string]int64{}, buckets: map[int64][]string{}}
}

// classifyPage reads one page of profiles and adds its customers to sp; the profiles are
// dropped after it, only ids are kept.
func (f *Fanout) classifyPage(ctx context.Context, camp *config.Campaign, cl *classifier, p *FanoutPayload, ids []string, sp *span) error {
	profs, err := f.cfg.Store.GetMany(ctx, ids)
	if err != nil {
		return fmt.Errorf("fan-out %s of %s: %w", p.Occ.Key, camp.ID, err)
	}
	now := f.cfg.Now()
	counts, buckets := sp.counts, sp.buckets
	sp.customers += len(ids)
	for i, prof := range profs {
		r, err := cl.classify(ctx, prof, now)
		if err != nil {
			return fmt.Errorf("fan-out %s of %s: %w", p.Occ.Key, camp.ID, err)
		}
		if p.Pass == 0 {
			counts[runSeen]++
		}
		switch {
		case r.occSkip != "":
			// Not in this occurrence whatever the pass: counted once, by the first.
			if p.Pass == 0 {
				counts[runSkipped+r.occSkip]++
			}
		case r.later:
			if sp.later == 0 || r.at.Unix() < sp.later {
				sp.later = r.at.Unix()
			}
		case r.earlier:
		case r.skip != "":
			counts[runSkipped+r.skip]++
		default:
			buckets[r.at.Unix()] = append(buckets[r.at.Unix()], ids[i])
			counts[runQueued]++
		}
	}
	return nil
}

// flushSpan enqueues a span's batches, then checkpoints the cursor at last (it was at after)
// with the span's counters.
func (f *Fanout) flushSpan(ctx context.Context, camp *config.Campaign, p *FanoutPayload, rk, after, last string, sp *span) error {
	if err := f.enqueueBatches(ctx, camp, p, sp.buckets); err != nil {
		return err
	}
	laterArg := ""
	if sp.later != 0 {
		laterArg = strconv.FormatInt(sp.later, 10)
	}
	args := []any{runCursor + strconv.Itoa(p.Pass), after, last, runTTL.Milliseconds(), laterArg}
	recorded, err := pageScript.Run(ctx, f.cfg.RDB, []string{rk}, counterArgs(args, sp.counts)...).Int()
	if err != nil {
		return fmt.Errorf("fan-out %s of %s: checkpoint: %w", p.Occ.Key, camp.ID, err)
	}
	f.cfg.Log.Info("fan-out page", zap.String("campaign", camp.ID), zap.String("occurrence", p.Occ.Key), zap.Int("pass", p.Pass),
		zap.Int("customers", sp.customers), zap.Int64("queued", sp.counts[runQueued]), zap.Int("instants", len(sp.buckets)),
		zap.Bool("first_record", recorded == 1))
	return nil
}

// enqueueBatches enqueues one task per instant (and per BatchSize customers), due at the instant.
// Batches keep no Retention: a batch enqueued again after it finished (a fan-out retried past
// its checkpoint) finds its offset in the run hash at the end and does nothing, so holding
// every finished batch in asynq for days would cost memory for nothing.
func (f *Fanout) enqueueBatches(ctx context.Context, camp *config.Campaign, p *FanoutPayload, buckets map[int64][]string) error {
	instants := make([]int64, 0, len(buckets))
	for at := range buckets {
		instants = append(instants, at)
	}
	slices.Sort(instants)
	for _, at := range instants {
		for chunk := range slices.Chunk(buckets[at], f.cfg.BatchSize) {
			b := &tasks.BatchPayload{Campaign: camp.ID, Occurrence: p.Occ.Key, Due: time.Unix(at, 0).UTC(), IDs: chunk}
			body, err := json.Marshal(b)
			if err != nil {
				return err
			}
			_, err = f.cfg.Enqueue.EnqueueContext(ctx, asynq.NewTask(tasks.TypeBatch, body), asynq.TaskID(b.TaskID()),
				asynq.ProcessAt(b.Due), asynq.Queue(tasks.QueueFor(camp)), asynq.MaxRetry(tasks.MaxRetry))
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
				return fmt.Errorf("fan-out %s of %s: enqueue batch: %w", p.Occ.Key, camp.ID, err)
			}
		}
	}
	return nil
}

// finishPass enqueues the next pass when a customer was beyond this one, and records the pass.
func (f *Fanout) finishPass(ctx context.Context, camp *config.Campaign, p *FanoutPayload, rk string) error {
	pass := strconv.Itoa(p.Pass)
	later, err := f.cfg.RDB.HGet(ctx, rk, runLater+pass).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("fan-out %s of %s: %w", p.Occ.Key, camp.ID, err)
	}
	last := later == ""
	if !last {
		at, err := strconv.ParseInt(later, 10, 64)
		if err != nil {
			return fmt.Errorf("fan-out %s of %s: bad %s%s %q", p.Occ.Key, camp.ID, runLater, pass, later)
		}
		next := &FanoutPayload{Campaign: p.Campaign, Occ: p.Occ, Pass: p.Pass + 1, From: time.Unix(at, 0).UTC(), Horizon: p.Horizon}
		if err := enqueueFanout(ctx, f.cfg.Enqueue, camp, next, next.From.Add(-fanoutLead)); err != nil {
			return err
		}
	}
	now := f.cfg.Now().UTC().Format(time.RFC3339)
	complete, err := passDoneScript.Run(ctx, f.cfg.RDB, []string{rk}, runPassDone+pass, boolArg(last), runTTL.Milliseconds(), now).Int()
	if err != nil {
		return fmt.Errorf("fan-out %s of %s: %w", p.Occ.Key, camp.ID, err)
	}
	f.cfg.Signals.fanoutPass(camp.ID)
	f.cfg.Log.Info("fan-out pass done", zap.String("campaign", camp.ID), zap.String("occurrence", p.Occ.Key),
		zap.Int("pass", p.Pass), zap.Bool("last", last))
	if complete == 1 {
		logRunComplete(ctx, f.cfg.RDB, f.cfg.Log, camp.ID, p.Occ.Key)
	}
	return nil
}

// classifier decides, for one occurrence, who is in which pass at which instant. Fan-out,
// simulate and preview share it.
type classifier struct {
	plan        plan
	occ         Occurrence
	audience    *segments.Audience
	from, until time.Time
	catchUp     time.Duration
	defaultTZ   *time.Location
	cal         *calendar.Calendar
	predictor   delivery.Predictor
}

// result is a customer's classification. occSkip: not in the occurrence at all; earlier or
// later: in another pass; skip: in this pass but left out (audience, missed).
type result struct {
	at             time.Time
	loc            *time.Location
	occSkip, skip  string
	why            string
	earlier, later bool
}

func (f *Fanout) classifier(cat *delivery.Catalog, camp *config.Campaign, p *FanoutPayload) (*classifier, error) {
	cal, err := f.cals.of(cat)
	if err != nil {
		return nil, err
	}
	return newClassifier(cat, camp, p, f.cfg.DefaultTZ, f.cfg.CatchUp, f.cfg.Predictor, cal)
}

func newClassifier(cat *delivery.Catalog, camp *config.Campaign, p *FanoutPayload, defaultTZ *time.Location, catchUp time.Duration, pred delivery.Predictor, cal *calendar.Calendar) (*classifier, error) {
	pl, ok, err := planOf(camp, defaultTZ)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("campaign %s is triggered by events, not scheduled", camp.ID)
	}
	from, until := p.window()
	return &classifier{plan: pl, occ: p.Occ, audience: segments.Compile(cat.Set, camp), from: from, until: until,
		catchUp: catchUp, defaultTZ: defaultTZ, cal: cal, predictor: pred}, nil
}

func (c *classifier) classify(ctx context.Context, prof *customers.Profile, now time.Time) (result, error) {
	if prof == nil {
		return result{occSkip: "customer_deleted"}, nil
	}
	cust := &prof.Customer
	loc := decide.Location(cust, c.defaultTZ)
	at, skip, why := c.plan.instantFor(c.occ, cust, loc, c.cal)
	r := result{at: at, loc: loc, occSkip: skip, why: why}
	switch {
	case skip != "":
	case !c.until.IsZero() && !at.Before(c.until):
		r.later = true
	case !c.from.IsZero() && at.Before(c.from):
		r.earlier = true
	default:
		if err := delivery.FillPredictions(ctx, c.predictor, prof, at); err != nil {
			return r, err
		}
		if ok, s, why := c.audience.Matches(cust, at); !ok {
			r.skip, r.why = string(s), why
		} else if now.Sub(at) > c.catchUp {
			r.skip, r.why = skipMissed, fmt.Sprintf("send time %s passed more than %s ago", at.Format(time.RFC3339), c.catchUp)
		}
	}
	return r, nil
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
