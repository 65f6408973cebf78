package schedule

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// Scheduler fires the occurrences of scheduled campaigns: each occurrence becomes one fan-out
// task with a deterministic id. It computes occurrences itself with robfig/cron's parser
// rather than running robfig's (or asynq's) cron runner, which fire once per process and
// cannot catch up: it keeps, per campaign, the time up to which it fired, and on every tick
// fires everything between then and now. Only the holder of the lease fires.
//
// Campaigns are read from the catalog on every tick, so a reload takes effect at the next tick.
type Config struct {
	Catalog *delivery.CatalogRef
	RDB     redis.UniversalClient
	Enqueue tasks.Enqueuer
	// Lease decides who fires; default NewLease(RDB, leaseKey, 0).
	Lease *Lease
	// DefaultTZ is the time zone of schedules without tz. Default UTC.
	DefaultTZ *time.Location
	// CatchUp: an occurrence whose last customer's time passed longer ago than this is skipped
	// with a log line instead of fired late. Default 6h.
	CatchUp time.Duration
	// Interval between ticks. Default 1s.
	Interval time.Duration
	// Horizon is how much time one fan-out pass covers. Default 1h.
	Horizon time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	Log *zap.Logger
	// Signals, when set, receives a step after each tick that held the lease (tests).
	Signals *Signals
	// Pauses says which campaigns are paused (pause.go); nil: none ever is.
	Pauses delivery.Pauses
}

// Scheduler fires scheduled campaigns (see the package's doc); NewScheduler builds it.
type Scheduler struct {
	cfg  Config
	cals *calendars
}

// NewScheduler checks cfg and fills its defaults. Catalog, RDB and Enqueue are required.
func NewScheduler(cfg Config) (*Scheduler, error) {
	if cfg.Catalog == nil || cfg.RDB == nil || cfg.Enqueue == nil {
		return nil, errors.New("schedule: scheduler needs Catalog, RDB and Enqueue")
	}
	s := &cfg
	if s.Lease == nil {
		s.Lease = NewLease(s.RDB, leaseKey, 0)
	}
	if s.DefaultTZ == nil {
		s.DefaultTZ = time.UTC
	}
	if s.CatchUp <= 0 {
		s.CatchUp = 6 * time.Hour
	}
	if s.Interval <= 0 {
		s.Interval = time.Second
	}
	if s.Horizon <= 0 {
		s.Horizon = time.Hour
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = zap.NewNop()
	}
	return &Scheduler{cfg: cfg, cals: &calendars{}}, nil
}

// Run ticks until ctx ends, then releases the lease so another scheduler takes over at once.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := s.cfg.Lease.Release(rctx); err != nil {
			s.cfg.Log.Warn("scheduler: release lease", zap.Error(err))
		}
	}()
	for {
		if _, err := s.Tick(ctx, s.cfg.Now()); err != nil && ctx.Err() == nil {
			s.cfg.Log.Error("scheduler tick", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick fires every occurrence due at now, when this scheduler holds the lease. It returns how
// many fan-outs it enqueued (0 when another scheduler holds the lease). Tests call it with
// the time they want; Run calls it with the clock.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) (int, error) {
	held, err := s.cfg.Lease.Hold(ctx)
	if err != nil || !held {
		return 0, err
	}
	cat := s.cfg.Catalog.Load()
	var errs []error
	fired := 0
	for _, camp := range cat.Set.Campaigns {
		p, ok, err := planOf(camp, s.cfg.DefaultTZ)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		n, err := s.fire(ctx, cat, camp, p, now)
		fired += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	s.cfg.Signals.tick(fired)
	return fired, errors.Join(errs...)
}

// fire enqueues the campaign's occurrences whose Fire is in (last fired, now].
func (s *Scheduler) fire(ctx context.Context, cat *delivery.Catalog, camp *config.Campaign, p plan, now time.Time) (int, error) {
	key := schedKey(camp.ID)
	raw, err := s.cfg.RDB.HGet(ctx, key, "last").Result()
	if errors.Is(err, redis.Nil) {
		// A campaign seen for the first time starts from now: its past was not missed, it
		// did not exist.
		if err := s.cfg.RDB.HSet(ctx, key, "last", now.UnixMilli()).Err(); err != nil {
			return 0, fmt.Errorf("schedule %s: %w", camp.ID, err)
		}
		s.cfg.Log.Info("campaign scheduled", zap.String("campaign", camp.ID), zap.Time("first_fire", p.next(now).Fire))
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("schedule %s: %w", camp.ID, err)
	}
	ms, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("schedule %s: bad last fire %q in %s", camp.ID, raw, key)
	}
	occs := p.between(time.UnixMilli(ms), now)
	upTo := now
	if len(occs) == maxOccurrencesPerTick {
		upTo = occs[len(occs)-1].Fire // the rest on the next tick
	}
	var pause *delivery.Pause
	if len(occs) > 0 {
		if pause, err = s.pauseOf(ctx, camp); err != nil {
			return 0, err
		}
	}
	fired := 0
	for _, o := range occs {
		switch {
		case pause != nil:
			s.logPaused(camp, o, pause)
			continue
		case now.Sub(o.Last) > s.cfg.CatchUp:
			s.cfg.Log.Warn("occurrence missed by more than catch_up: skipped", zap.String("campaign", camp.ID),
				zap.String("occurrence", o.Key), zap.Duration("late", now.Sub(o.Last)), zap.Duration("catch_up", s.cfg.CatchUp))
			continue
		case p.kind == kindHoliday:
			cal, err := s.cals.of(cat)
			if err != nil {
				return fired, err
			}
			if !holidayAnywhere(cal, cat.Set, p.holiday, calendar.DateOf(o.Wall)) {
				continue
			}
		}
		if err := s.enqueueFanout(ctx, camp, o, now); err != nil {
			// Not recorded as fired: the next tick tries again.
			return fired, err
		}
		fired++
	}
	if err := s.cfg.RDB.HSet(ctx, key, "last", upTo.UnixMilli()).Err(); err != nil {
		return fired, fmt.Errorf("schedule %s: %w", camp.ID, err)
	}
	return fired, nil
}

func (s *Scheduler) enqueueFanout(ctx context.Context, camp *config.Campaign, o Occurrence, now time.Time) error {
	if err := startRun(ctx, s.cfg.RDB, camp.ID, o, now); err != nil {
		return err
	}
	p := &FanoutPayload{Campaign: camp.ID, Occ: o, Horizon: s.cfg.Horizon}
	if err := enqueueFanout(ctx, s.cfg.Enqueue, camp, p, o.Fire); err != nil {
		return err
	}
	s.cfg.Log.Info("occurrence fired", zap.String("campaign", camp.ID), zap.String("occurrence", o.Key), zap.Time("fire", o.Fire))
	return nil
}

// fanoutRetention keeps a finished fan-out's task id in asynq long enough that a second
// scheduler (a failover, a catch-up) cannot enqueue the same occurrence again: longer than
// the spread of a local occurrence (26 hours) plus catch_up.
const fanoutRetention = 48 * time.Hour

// fanoutTaskID is the deterministic id of one pass of an occurrence's fan-out.
func fanoutTaskID(campaign, occurrence string, pass int) string {
	id := "fanout:" + campaign + ":" + occurrence
	if pass > 0 {
		id += ":p" + strconv.Itoa(pass)
	}
	return id
}

// enqueueFanout enqueues one pass; an existing task with the same id means it is done or
// under way, which is success.
func enqueueFanout(ctx context.Context, q tasks.Enqueuer, camp *config.Campaign, p *FanoutPayload, at time.Time) error {
	body, err := p.Marshal()
	if err != nil {
		return err
	}
	_, err = q.EnqueueContext(ctx, asynq.NewTask(tasks.TypeFanout, body),
		asynq.TaskID(fanoutTaskID(camp.ID, p.Occ.Key, p.Pass)), asynq.ProcessAt(at),
		asynq.Queue(tasks.QueueFor(camp)), asynq.Retention(fanoutRetention), asynq.MaxRetry(tasks.MaxRetry))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("enqueue fan-out %s of %s (pass %d): %w", p.Occ.Key, camp.ID, p.Pass, err)
	}
	return nil
}

// Release gives the scheduler's lease up (as Run does when it stops), so that another
// scheduler fires at once: a failover.
func (s *Scheduler) Release(ctx context.Context) error { return s.cfg.Lease.Release(ctx) }
