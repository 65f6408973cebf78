package main

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// lifecycle stops the services of a process in the reverse order of their start, once: each
// serve step pushes how to stop what it started, and stop runs them last in, first out.
type lifecycle struct {
	mu    sync.Mutex
	steps []stopStep
	done  bool
}

type stopStep struct {
	name string
	stop func(context.Context) error
}

// push adds a service stopped before everything pushed earlier.
func (l *lifecycle) push(name string, stop func(context.Context) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.steps = append(l.steps, stopStep{name, stop})
}

// pushBottom adds services stopped after everything pushed so far and later.
func (l *lifecycle) pushBottom(steps ...stopStep) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.steps = append(append([]stopStep{}, steps...), l.steps...)
}

// stop stops every service, last pushed first, and logs each step; a second call does nothing.
func (l *lifecycle) stop(log *zap.Logger) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return
	}
	l.done = true
	steps := l.steps
	l.mu.Unlock()
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		start := time.Now()
		if err := s.stop(context.Background()); err != nil {
			log.Warn("stop "+s.name, zap.Error(err))
			continue
		}
		log.Info("stopped "+s.name, zap.Duration("took", time.Since(start)))
	}
}
