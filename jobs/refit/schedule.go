package refit

import (
	"context"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/robfig/cron/v3"
	"go.uber.org/zap"
)

// Schedule enqueues the refit at every occurrence of config predict.refit. It runs in
// every scheduler process and needs no lease: all of them compute the same occurrences, and
// the deterministic task id (TaskID) turns the others' enqueues into no-ops.
//
// At start it also catches up: when the published model is older than the latest occurrence
// (the process was down at 03:00, or no model was ever fitted), it enqueues that occurrence
// at once, so a missed night does not leave a day-old model for another day.
type Schedule struct {
	// Cron is config predict.refit, parsed by config.ParseCron.
	Cron cron.Schedule
	// Location is the zone the cron is read in (config default_timezone). Default UTC.
	Location *time.Location
	Enqueue  tasks.Enqueuer
	// Models, when set, is used to catch up at start.
	Models *analytics.Models
	// Clock is the time source. Default time.Now.
	Clock func() time.Time
	// Tick bounds how long the loop sleeps before looking at the clock again, so that a
	// clock change or a suspended machine delays an occurrence by at most this. Default 1m.
	Tick time.Duration
	Log  *zap.Logger
}

// Run enqueues refits until ctx ends; it returns nil then. An enqueue that fails (Redis
// unavailable) is logged and retried at every tick until it succeeds or the next occurrence
// replaces it.
func (s *Schedule) Run(ctx context.Context) error {
	clock, tick, loc := s.Clock, s.Tick, s.Location
	if clock == nil {
		clock = time.Now
	}
	if tick <= 0 {
		tick = time.Minute
	}
	if loc == nil {
		loc = time.UTC
	}
	log := s.Log
	if log == nil {
		log = zap.NewNop()
	}
	now := clock().In(loc)
	var pending time.Time // an occurrence not yet enqueued
	if s.Models != nil {
		if prev := s.previous(now); !prev.IsZero() {
			m, err := s.Models.Current(ctx)
			switch {
			case err != nil:
				log.Warn("refit catch-up: cannot read the published model; waiting for the next occurrence", zap.Error(err))
			case m == nil || m.AsOf.Before(prev):
				pending = prev
			}
		}
	}
	next := s.Cron.Next(now)
	for {
		if !pending.IsZero() {
			enqueued, err := Enqueue(ctx, s.Enqueue, pending)
			if err != nil && ctx.Err() == nil {
				log.Error("enqueue refit; retrying at the next tick", zap.Time("as_of", pending), zap.Error(err))
			} else {
				if enqueued {
					log.Info("refit enqueued", zap.String("task_id", TaskID(pending)))
				}
				pending = time.Time{}
			}
		}
		wait := min(max(next.Sub(clock()), 0), tick)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		// Occurrences missed while the machine slept collapse into the latest one.
		for now = clock().In(loc); !next.After(now); next = s.Cron.Next(next) {
			pending = next
		}
	}
}

// previous returns the latest occurrence at or before now within the last eight days (a
// weekly cron included), or zero.
func (s *Schedule) previous(now time.Time) time.Time {
	var prev time.Time
	t := now.Add(-8 * 24 * time.Hour)
	// Bounded: a cron firing every minute has 11,520 occurrences in eight days.
	for range 20000 {
		n := s.Cron.Next(t)
		if n.IsZero() || n.After(now) {
			break
		}
		prev, t = n, n
	}
	return prev
}
