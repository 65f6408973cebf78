package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// Whole classifies the customers of one occurrence as the fan-out would, every pass at once:
// who is in it, and at which instant. Dry runs (jobs/dryrun) use it, so that what they count
// is who the fan-out would queue.
type Whole struct {
	c *classifier
	// Occurrence is the occurrence classified.
	Occurrence Occurrence
}

// NewWhole returns the classifier of occurrence o of a scheduled campaign. catchUp bounds how
// late a customer's instant may be (math.MaxInt64: never too late).
func NewWhole(cat *delivery.Catalog, camp *config.Campaign, o Occurrence, defaultTZ *time.Location, catchUp time.Duration, pred delivery.Predictor) (*Whole, error) {
	cal, err := calendarOf(cat)
	if err != nil {
		return nil, err
	}
	return newWhole(cat, camp, o, defaultTZ, catchUp, pred, cal)
}

func newWhole(cat *delivery.Catalog, camp *config.Campaign, o Occurrence, defaultTZ *time.Location, catchUp time.Duration, pred delivery.Predictor, cal *calendar.Calendar) (*Whole, error) {
	cl, err := newClassifier(cat, camp, &FanoutPayload{Campaign: camp.ID, Occ: o, Horizon: time.Hour}, defaultTZ, catchUp, pred, cal)
	if err != nil {
		return nil, err
	}
	cl.until = time.Time{} // every pass at once
	return &Whole{c: cl, Occurrence: o}, nil
}

// Classify returns the customer's instant in the occurrence, or why they are not in it (skip).
func (w *Whole) Classify(ctx context.Context, prof *customers.Profile, now time.Time) (at time.Time, skip string, err error) {
	r, err := w.c.classify(ctx, prof, now)
	if err != nil {
		return time.Time{}, "", err
	}
	return r.at, r.occSkip + r.skip, nil
}

// Explain is Classify with a skip said in words: the date or holiday missing, the audience
// condition that does not hold or fails to evaluate (with its error), for dry runs to report.
func (w *Whole) Explain(ctx context.Context, prof *customers.Profile, now time.Time) (at time.Time, skip, why string, err error) {
	r, err := w.c.classify(ctx, prof, now)
	if err != nil {
		return time.Time{}, "", "", err
	}
	return r.at, r.occSkip + r.skip, r.why, nil
}

// OccurrenceAt returns the occurrence of a scheduled campaign that a dry run at `at` looks at:
// the first whose time (for local occurrences, the wall-clock time) is at or after at.
func OccurrenceAt(camp *config.Campaign, defaultTZ *time.Location, at time.Time) (Occurrence, error) {
	p, ok, err := planOf(camp, defaultTZ)
	if err != nil {
		return Occurrence{}, err
	}
	if !ok {
		return Occurrence{}, fmt.Errorf("campaign %s is triggered by events, not scheduled", camp.ID)
	}
	o := p.next(at.Add(-fanoutLead - time.Second))
	if o.Local {
		o = p.next(at.Add(-earliestOffset - fanoutLead - time.Second))
	}
	return o, nil
}

// maxPopulatedSearch bounds the occurrences NextPopulated looks at: a daily trigger over a
// year and a bit.
const maxPopulatedSearch = 400

// NextPopulated returns the first occurrence of a scheduled campaign that the scheduler would
// fire after `after` and that has customers among profs in it: in the occurrence (a birthday
// on its date, the holiday kept in their country) and in the audience as of their send time.
// n is how many.
func NextPopulated(ctx context.Context, cat *delivery.Catalog, camp *config.Campaign, defaultTZ *time.Location, pred delivery.Predictor, profs []*customers.Profile, after time.Time) (o Occurrence, n int, err error) {
	p, ok, err := planOf(camp, defaultTZ)
	if err != nil {
		return Occurrence{}, 0, fmt.Errorf("%s: %w", camp.ID, err)
	}
	if !ok {
		return Occurrence{}, 0, fmt.Errorf("%s: triggered by events, not scheduled", camp.ID)
	}
	cal, err := calendarOf(cat)
	if err != nil {
		return Occurrence{}, 0, err
	}
	t := after
	for range maxPopulatedSearch {
		o := p.next(t)
		if o.Fire.IsZero() || !o.Fire.After(t) {
			break
		}
		t = o.Fire
		if p.kind == kindHoliday && !holidayAnywhere(cal, cat.Set, p.holiday, calendar.DateOf(o.Wall)) {
			continue
		}
		w, err := newWhole(cat, camp, o, defaultTZ, 6*time.Hour, pred, cal)
		if err != nil {
			return Occurrence{}, 0, fmt.Errorf("%s: %w", camp.ID, err)
		}
		n := 0
		for _, prof := range profs {
			_, skip, err := w.Classify(ctx, prof, o.Fire)
			if err != nil {
				return Occurrence{}, 0, fmt.Errorf("%s: %w", camp.ID, err)
			}
			if skip == "" {
				n++
			}
		}
		if n > 0 {
			return o, n, nil
		}
	}
	return Occurrence{}, 0, fmt.Errorf("%s: no occurrence with customers in the next %d", camp.ID, maxPopulatedSearch)
}

// StartRun records an occurrence in the campaign's index of runs and returns the payload of
// its first fan-out pass; the demo's player starts a run as the scheduler does.
func StartRun(ctx context.Context, f *Fanout, camp *config.Campaign, o Occurrence, now time.Time) (*FanoutPayload, error) {
	if err := startRun(ctx, f.cfg.RDB, camp.ID, o, now); err != nil {
		return nil, err
	}
	return &FanoutPayload{Campaign: camp.ID, Occ: o, Horizon: time.Hour}, nil
}

// EnqueueFanout enqueues one pass of a fan-out on f's queue at `at`.
func EnqueueFanout(ctx context.Context, f *Fanout, camp *config.Campaign, p *FanoutPayload, at time.Time) error {
	return enqueueFanout(ctx, f.cfg.Enqueue, camp, p, at)
}

// ReadRun returns the progress of one occurrence.
func ReadRun(ctx context.Context, f *Fanout, campaign, occurrence string) (Run, error) {
	h, err := f.cfg.RDB.HGetAll(ctx, runKey(campaign, occurrence)).Result()
	if err != nil {
		return Run{}, fmt.Errorf("read run %s of %s: %w", occurrence, campaign, err)
	}
	return runOf(campaign, occurrence, h), nil
}
