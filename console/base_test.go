package console_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/console"
)

// gatedBase is the customer store whose walks wait at a gate: a walk over a million
// profiles, as long as the test likes. The test swaps in a new gate to hold the next walk.
type gatedBase struct {
	analytics.CustomerPager
	gate atomic.Pointer[chan struct{}]
}

func (g *gatedBase) Page(ctx context.Context, after string, n int) ([]string, string, error) {
	select {
	case <-*g.gate.Load():
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	return g.CustomerPager.Page(ctx, after, n)
}

func TestLoyaltyAndCalendarPagesNeverWaitForAWalkOfTheBase(t *testing.T) {
	t.Parallel()
	g := &gatedBase{}
	gate := make(chan struct{})
	g.gate.Store(&gate)
	b := setup(t, func(c *console.Config) {
		g.CustomerPager = c.Base
		c.Base, c.BaseWait = g, time.Millisecond
	})
	refreshed := console.BaseRefreshed(b.handler)
	c := b.client(t)
	b.login(t, c, "olga")
	pages := []struct{ path, computing, ready, refreshing string }{
		{"/console/loyalty", "The loyalty report is being computed", "As of 2026-03-01 10:00 UTC", "a newer report is being computed"},
		{"/console/calendar", "The count of customers by country is being computed", "Customers counted as of 2026-03-01 10:00 UTC", "a newer count is running"},
	}
	// While the first walks are held: the pages say so at once, and reload themselves.
	for _, p := range pages {
		status, body := b.get(t, c, p.path)
		if status != http.StatusOK {
			t.Fatalf("%s while its walk runs: %d", p.path, status)
		}
		contains(t, body, p.computing, `data-refresh="10"`)
	}
	close(gate)
	for range pages {
		<-refreshed
	}
	for _, p := range pages {
		_, body := b.get(t, c, p.path)
		contains(t, body, p.ready)
	}
	// Past the TTL, a page shows the last answer with its time at once; the new walk (held
	// again) runs behind it.
	gate2 := make(chan struct{})
	g.gate.Store(&gate2)
	b.now = b.now.Add(11 * time.Minute)
	for _, p := range pages {
		_, body := b.get(t, c, p.path)
		contains(t, body, p.ready, p.refreshing)
	}
	close(gate2)
	for range pages {
		<-refreshed
	}
	for _, p := range pages {
		_, body := b.get(t, c, p.path)
		contains(t, body, "10:11 UTC")
	}
}
