package delivery

import "github.com/rapporthq/rapport/jobs/tasks"

// Signals lets a test wait for deliveries to finish instead of sleeping or polling the queue
// (River's TestSignals pattern, as schedule.Signals). Production passes none: a nil *Signals
// or a nil channel costs one nil check per delivery. Sends never block: a test that does not
// read the channel only misses deliveries, it never slows the worker.
type Signals struct {
	// Done receives every delivery that returned: from Deliver (a triggered send, the task's
	// handler) and from DeliverMany (each customer of a batch).
	Done chan Done
}

// Done is one finished delivery attempt.
type Done struct {
	Campaign, Customer, Occurrence string
	// Outcome is what became of the send; zero when Err is set.
	Outcome Outcome
	// Err is the error the attempt returned: asynq retries the task (nil: the outcome is
	// final and written to Redis).
	Err error
}

// NewSignals returns signals with a buffered channel, for tests.
func NewSignals() *Signals { return &Signals{Done: make(chan Done, 1<<14)} }

// done reports a finished attempt; it never blocks.
func (s *Signals) done(p *tasks.SendPayload, out Outcome, err error) {
	if s == nil || s.Done == nil {
		return
	}
	select {
	case s.Done <- Done{Campaign: p.Campaign, Customer: p.Customer, Occurrence: p.Occurrence, Outcome: out, Err: err}:
	default:
	}
}
