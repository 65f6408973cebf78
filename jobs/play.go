package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/customers"
)

// Player runs one occurrence of a scheduled campaign now, in this process, as it would happen
// on its date: `rapport demo` shows a newcomer the New Year greeting in November. It runs the
// campaign's own fan-out and batch handlers (copies of Fanout and Batcher with their clock
// and queue replaced), so the play decides, claims, renders, sends and records exactly what
// the occurrence would: its deliveries, its run progress under the occurrence's real key
// (GET /v1/campaigns/{id}/runs shows it), the sends on the profiles.
//
// Nothing goes through asynq. The tasks the handlers enqueue (fan-out passes, batches, sends
// moved to the next sending window) go to an in-memory queue and are run in the order of
// their times, with the clock set to each task's time before it runs: each batch is decided
// at its customers' local hour on the occurrence's date, not now. So the play waits for no
// wall clock, and no task id of the play exists in Redis to collide with the real occurrence
// the scheduler fires on the day; that one finds the play's claims and run checkpoint and
// sends nobody a second message, as a second scheduler would.
type Player struct {
	// Fanout and Batcher are the process's handlers; the play runs copies of them.
	Fanout  *Fanout
	Batcher *Batcher
	// MaxTasks bounds the tasks of one play. Default 100,000.
	MaxTasks int
}

// maxPlaySearch bounds the occurrences Next looks at: a daily trigger over a year and a bit.
const maxPlaySearch = 400

// Next returns the first occurrence of a scheduled campaign that the scheduler would fire
// after `after` and that has customers in it: in the occurrence (a birthday on its date, the
// holiday kept in their country) and in the audience as of their send time. n is how many.
// It reads every profile once and keeps them in memory: meant for small bases such as the
// demo's, not for production audiences.
func (pl *Player) Next(ctx context.Context, campaignID string, after time.Time) (o Occurrence, n int, err error) {
	f := *pl.Fanout
	f.withDefaults()
	cat := f.Catalog.Load()
	camp := cat.Set.Campaign(campaignID)
	if camp == nil {
		return Occurrence{}, 0, fmt.Errorf("play: no campaign %q", campaignID)
	}
	p, ok, err := planOf(camp, f.DefaultTZ)
	if err != nil {
		return Occurrence{}, 0, fmt.Errorf("play %s: %w", camp.ID, err)
	}
	if !ok {
		return Occurrence{}, 0, fmt.Errorf("play %s: triggered by events, not scheduled", camp.ID)
	}
	profs, err := allProfiles(ctx, f.Store, f.PageSize)
	if err != nil {
		return Occurrence{}, 0, fmt.Errorf("play %s: %w", camp.ID, err)
	}
	cal, err := calendarOf(cat)
	if err != nil {
		return Occurrence{}, 0, err
	}
	t := after
	for range maxPlaySearch {
		o := p.next(t)
		if o.Fire.IsZero() || !o.Fire.After(t) {
			break
		}
		t = o.Fire
		if p.kind == kindHoliday && !holidayAnywhere(cal, cat.Set, p.holiday, calendar.DateOf(o.Wall)) {
			continue
		}
		cl, err := f.classifier(cat, camp, &FanoutPayload{Campaign: camp.ID, Occ: o, Horizon: time.Hour})
		if err != nil {
			return Occurrence{}, 0, fmt.Errorf("play %s: %w", camp.ID, err)
		}
		cl.until = time.Time{} // every pass at once
		n := 0
		for _, prof := range profs {
			r, err := cl.classify(ctx, prof, o.Fire)
			if err != nil {
				return Occurrence{}, 0, fmt.Errorf("play %s: %w", camp.ID, err)
			}
			if r.occSkip == "" && r.skip == "" {
				n++
			}
		}
		if n > 0 {
			return o, n, nil
		}
	}
	return Occurrence{}, 0, fmt.Errorf("play %s: no occurrence with customers in the next %d", camp.ID, maxPlaySearch)
}

// PlayReport is what one play did.
type PlayReport struct {
	Campaign   string
	Occurrence Occurrence
	// Run is the occurrence's progress as the handlers recorded it (seen, queued, sent,
	// skipped by reason...), read after the play.
	Run Run
	// Outcomes holds the final outcome of every customer a batch or a moved send reached,
	// in the order they came; a moved send's outcome replaces its "deferred".
	Outcomes []PlayOutcome
	// Tasks is how many tasks the play ran; Left how many it left unplayed (MaxTasks).
	Tasks, Left int
}

// PlayOutcome is one customer's outcome in a play.
type PlayOutcome struct {
	Customer string
	Outcome  Outcome
}

// Play runs occurrence o of a campaign to its end. Every task is run in time order with the
// clock at its time; a task that fails fails the play (the deliveries made stay claimed, so
// playing again sends nobody twice).
func (pl *Player) Play(ctx context.Context, campaignID string, o Occurrence) (*PlayReport, error) {
	clk := &playClock{}
	clk.set(o.Fire)
	q := &playQueue{ids: map[string]bool{}, now: clk.now}
	rep := &PlayReport{Campaign: campaignID, Occurrence: o}
	var mu sync.Mutex
	at := map[string]int{} // customer -> index in rep.Outcomes

	f := *pl.Fanout
	f.Enqueue, f.Now = q, clk.now
	d := *pl.Batcher.Deliverer
	d.Enqueue, d.Now = q, clk.now
	d.Observe = func(p *SendPayload, out Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if i, ok := at[p.Customer]; ok {
			rep.Outcomes[i].Outcome = out
			return
		}
		at[p.Customer] = len(rep.Outcomes)
		rep.Outcomes = append(rep.Outcomes, PlayOutcome{Customer: p.Customer, Outcome: out})
	}
	b := *pl.Batcher
	b.Deliverer, b.rec = &d, nil

	cat := f.Catalog.Load()
	camp := cat.Set.Campaign(campaignID)
	if camp == nil {
		return nil, fmt.Errorf("play: no campaign %q", campaignID)
	}
	if err := startRun(ctx, f.RDB, camp.ID, o, o.Fire); err != nil {
		return nil, err
	}
	first := &FanoutPayload{Campaign: camp.ID, Occ: o, Horizon: time.Hour}
	if err := enqueueFanout(ctx, q, camp, first, o.Fire); err != nil {
		return nil, err
	}
	limit := pl.MaxTasks
	if limit <= 0 {
		limit = 100_000
	}
	for {
		t, ok := q.pop()
		if !ok {
			break
		}
		if rep.Tasks == limit {
			rep.Left = q.len() + 1
			break
		}
		rep.Tasks++
		clk.set(t.at)
		var err error
		switch t.task.Type() {
		case TypeFanout:
			err = f.ProcessTask(ctx, t.task)
		case TypeBatch:
			err = b.ProcessTask(ctx, t.task)
		case TypeSend:
			var p SendPayload
			if err = json.Unmarshal(t.task.Payload(), &p); err == nil {
				_, err = d.Deliver(ctx, &p)
			}
		default:
			err = fmt.Errorf("unexpected task type %q", t.task.Type())
		}
		if err != nil {
			return rep, fmt.Errorf("play %s %s: %s at %s: %w", camp.ID, o.Key, t.task.Type(), t.at.UTC().Format(time.RFC3339), err)
		}
	}
	h, err := f.RDB.HGetAll(ctx, runKey(camp.ID, o.Key)).Result()
	if err != nil {
		return rep, fmt.Errorf("play %s %s: read run: %w", camp.ID, o.Key, err)
	}
	rep.Run = runOf(camp.ID, o.Key, h)
	return rep, nil
}

// WallTime is the occurrence's time as its customers read it on their own clocks (local
// occurrences), or its instant in UTC.
func (o Occurrence) WallTime() (t time.Time, local bool) {
	if o.Local {
		return o.Wall, true
	}
	return o.At, false
}

// allProfiles reads the whole base, page by page.
func allProfiles(ctx context.Context, store AudienceStore, pageSize int) ([]*customers.Profile, error) {
	var out []*customers.Profile
	after := ""
	for {
		ids, next, err := store.Page(ctx, after, pageSize)
		if err != nil || len(ids) == 0 {
			return out, err
		}
		profs, err := store.GetMany(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, p := range profs {
			if p != nil {
				out = append(out, p)
			}
		}
		if next == "" {
			return out, nil
		}
		after = ids[len(ids)-1]
	}
}

// playClock is the clock of a play, set to each task's time before it runs; batches read it
// from several goroutines.
type playClock struct{ ns atomic.Int64 }

func (c *playClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *playClock) now() time.Time  { return time.Unix(0, c.ns.Load()) }

// playQueue is the in-memory Enqueuer of a play: it keeps tasks with their time, and, like
// asynq, refuses a task id it holds already.
type playQueue struct {
	mu    sync.Mutex
	ids   map[string]bool
	tasks []playTask
	seq   int
	now   func() time.Time
}

type playTask struct {
	task *asynq.Task
	at   time.Time
	seq  int
}

// EnqueueContext implements Enqueuer.
func (q *playQueue) EnqueueContext(_ context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	at, id := q.now(), ""
	for _, o := range opts {
		switch o.Type() {
		case asynq.TaskIDOpt:
			id, _ = o.Value().(string)
		case asynq.ProcessAtOpt:
			at, _ = o.Value().(time.Time)
		case asynq.ProcessInOpt:
			d, _ := o.Value().(time.Duration)
			at = q.now().Add(d)
		}
	}
	if id != "" {
		if q.ids[id] {
			return nil, asynq.ErrTaskIDConflict
		}
		q.ids[id] = true
	}
	q.seq++
	q.tasks = append(q.tasks, playTask{task: t, at: at, seq: q.seq})
	return &asynq.TaskInfo{ID: id, Type: t.Type(), Payload: t.Payload(), NextProcessAt: at}, nil
}

// pop removes the earliest task (first enqueued among equals).
func (q *playQueue) pop() (playTask, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.tasks) == 0 {
		return playTask{}, false
	}
	i := 0
	for j, t := range q.tasks {
		if t.at.Before(q.tasks[i].at) || (t.at.Equal(q.tasks[i].at) && t.seq < q.tasks[i].seq) {
			i = j
		}
	}
	t := q.tasks[i]
	q.tasks = slices.Delete(q.tasks, i, i+1)
	return t, true
}

func (q *playQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tasks)
}
