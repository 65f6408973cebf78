package schedule

import (
	"fmt"
	"sync"

	"github.com/rapporthq/rapport/calendar"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// calendars builds the calendar of a catalog's holidays once per catalog generation (a reload
// brings new custom holidays) and shares it between the goroutines of its owner: each
// Scheduler and Fanout has one.
type calendars struct {
	mu  sync.Mutex
	cat *delivery.Catalog
	cal *calendar.Calendar
	err error
}

// of returns the calendar of cat.
func (c *calendars) of(cat *delivery.Catalog) (*calendar.Calendar, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat != cat {
		c.cat = cat
		c.cal, c.err = calendarOf(cat)
	}
	return c.cal, c.err
}

// calendarOf builds the calendar of a catalog's holidays.
func calendarOf(cat *delivery.Catalog) (*calendar.Calendar, error) {
	cal, err := calendar.New(cat.Set.Holidays, calendar.WithIslamicOffsets(cat.IslamicOffsets))
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	return cal, nil
}
