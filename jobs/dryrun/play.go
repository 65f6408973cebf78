package dryrun

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/worker"
)

// Player runs one occurrence of a scheduled campaign now, in this process, as it would happen
// on its date: `rapport demo` shows a newcomer the New Year greeting in November. It runs the
// campaign's own fan-out and batch handlers (built from the process's configurations with
// the play's clock and queue), so the play decides, claims, renders, sends and records exactly what
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
	// Fanout and Deliverer are the process's; the play builds its own from their
	// configurations, with its clock and its queue.
	Fanout    *schedule.Fanout
	Deliverer *delivery.Deliverer
	// MaxTasks bounds the tasks of one play. Default 100,000.
	MaxTasks int
}

// Next returns the first occurrence of a scheduled campaign that the scheduler would fire
// after `after` and that has customers in it (schedule.NextPopulated). It reads every profile
// once and keeps them in memory: meant for small bases such as the demo's, not for
// production audiences.
func (pl *Player) Next(ctx context.Context, campaignID string, after time.Time) (o schedule.Occurrence, n int, err error) {
	fc := pl.Fanout.Config()
	cat := fc.Catalog.Load()
	camp := cat.Set.Campaign(campaignID)
	if camp == nil {
		return schedule.Occurrence{}, 0, fmt.Errorf("play: no campaign %q", campaignID)
	}
	profs, err := someProfiles(ctx, fc.Store, fc.PageSize, math.MaxInt) // the whole base
	if err != nil {
		return schedule.Occurrence{}, 0, fmt.Errorf("play %s: %w", camp.ID, err)
	}
	o, n, err = schedule.NextPopulated(ctx, cat, camp, fc.DefaultTZ, fc.Predictor, profs, after)
	if err != nil {
		return schedule.Occurrence{}, 0, fmt.Errorf("play %w", err)
	}
	return o, n, nil
}

// PlayReport is what one play did.
type PlayReport struct {
	Campaign   string
	Occurrence schedule.Occurrence
	// Run is the occurrence's progress as the handlers recorded it (seen, queued, sent,
	// skipped by reason...), read after the play.
	Run schedule.Run
	// Outcomes holds the final outcome of every customer a batch or a moved send reached,
	// in the order they came; a moved send's outcome replaces its "deferred".
	Outcomes []PlayOutcome
	// Tasks is how many tasks the play ran; Left how many it left unplayed (MaxTasks).
	Tasks, Left int
}

// PlayOutcome is one customer's outcome in a play.
type PlayOutcome struct {
	Customer string
	Outcome  delivery.Outcome
}

// Play runs occurrence o of a campaign to its end. Every task is run in time order with the
// clock at its time; a task that fails fails the play (the deliveries made stay claimed, so
// playing again sends nobody twice).
func (pl *Player) Play(ctx context.Context, campaignID string, o schedule.Occurrence) (*PlayReport, error) {
	clk := &playClock{}
	clk.set(o.Fire)
	q := &playQueue{ids: map[string]bool{}, now: clk.now}
	rep := &PlayReport{Campaign: campaignID, Occurrence: o}
	var mu sync.Mutex
	at := map[string]int{} // customer -> index in rep.Outcomes

	dc := pl.Deliverer.Config()
	dc.Enqueue, dc.Now = q, clk.now
	dc.Observe = func(p *tasks.SendPayload, out delivery.Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if i, ok := at[p.Customer]; ok {
			rep.Outcomes[i].Outcome = out
			return
		}
		at[p.Customer] = len(rep.Outcomes)
		rep.Outcomes = append(rep.Outcomes, PlayOutcome{Customer: p.Customer, Outcome: out})
	}
	d, err := delivery.New(dc)
	if err != nil {
		return nil, err
	}
	fc := pl.Fanout.Config()
	fc.Enqueue, fc.Now, fc.Signals = q, clk.now, nil
	f, err := schedule.NewFanout(fc)
	if err != nil {
		return nil, err
	}
	b, err := schedule.NewBatcher(schedule.BatchConfig{Deliverer: d, RDB: fc.RDB, Log: fc.Log})
	if err != nil {
		return nil, err
	}
	// The play dispatches through the worker's own table, so every task is decoded and
	// checked as the worker would.
	table, _ := worker.Handlers{Send: d, Batch: b, Fanout: f}.Table()

	camp := fc.Catalog.Load().Set.Campaign(campaignID)
	if camp == nil {
		return nil, fmt.Errorf("play: no campaign %q", campaignID)
	}
	first, err := schedule.StartRun(ctx, f, camp, o, o.Fire)
	if err != nil {
		return nil, err
	}
	if err := schedule.EnqueueFanout(ctx, f, camp, first, o.Fire); err != nil {
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
		h, ok := table[t.task.Type()]
		if !ok || t.task.Type() == tasks.TypeRefit {
			return rep, fmt.Errorf("play %s %s: unexpected task type %q", camp.ID, o.Key, t.task.Type())
		}
		if err := h.ProcessTask(ctx, t.task); err != nil {
			return rep, fmt.Errorf("play %s %s: %s at %s: %w", camp.ID, o.Key, t.task.Type(), t.at.UTC().Format(time.RFC3339), err)
		}
	}
	rep.Run, err = schedule.ReadRun(ctx, f, camp.ID, o.Key)
	if err != nil {
		return rep, fmt.Errorf("play %s %s: %w", camp.ID, o.Key, err)
	}
	return rep, nil
}

// playClock is the clock of a play, set to each task's time before it runs; batches read it
// from several goroutines.
type playClock struct{ ns atomic.Int64 }

func (c *playClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *playClock) now() time.Time  { return time.Unix(0, c.ns.Load()) }

// playQueue is the in-memory tasks.Enqueuer of a play: it keeps tasks with their time, and, like
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

// EnqueueContext implements tasks.Enqueuer.
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
