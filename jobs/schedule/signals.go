package schedule

// Signals lets a test wait for a step of the scheduler, a fan-out or a batch instead of
// sleeping (River's TestSignals pattern): each component sends on its channel when it has
// done a step. Every field may be nil, and so may a *Signals: production passes none, and a
// send then costs one nil check. Sends never block: a test that does not read a channel only
// misses its steps.
type Signals struct {
	// Tick receives the number of occurrences fired by every scheduler tick that held the lease.
	Tick chan int
	// FanoutPass receives the campaign of every fan-out pass that finished.
	FanoutPass chan string
	// Chunk receives a value after every batch chunk recorded in its run.
	Chunk chan struct{}
}

// NewSignals returns signals with buffered channels, for tests.
func NewSignals() *Signals {
	return &Signals{Tick: make(chan int, 1024), FanoutPass: make(chan string, 1024), Chunk: make(chan struct{}, 1<<16)}
}

func (s *Signals) tick(n int) {
	if s != nil && s.Tick != nil {
		select {
		case s.Tick <- n:
		default:
		}
	}
}

func (s *Signals) fanoutPass(campaign string) {
	if s != nil && s.FanoutPass != nil {
		select {
		case s.FanoutPass <- campaign:
		default:
		}
	}
}

func (s *Signals) chunkDone() {
	if s != nil && s.Chunk != nil {
		select {
		case s.Chunk <- struct{}{}:
		default:
		}
	}
}
