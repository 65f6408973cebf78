package delivery

import (
	"sync/atomic"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/templates"
)

// Catalog is one loaded generation of campaigns, segments, holidays and templates: the
// configuration every job reads. It is immutable once
// built; a reload builds a new one and swaps it in, so a task in flight finishes on the
// generation it started with.
type Catalog struct {
	Set       *config.Set
	Templates *templates.Set
	// IslamicOffsets shift the Islamic feasts per country (config calendar.islamic_offset);
	// set before the catalog is shared.
	IslamicOffsets map[string]int
	byEvent        map[string][]*config.Campaign
}

// NewCatalog indexes a loaded set.
func NewCatalog(set *config.Set, tpl *templates.Set) *Catalog {
	c := &Catalog{Set: set, Templates: tpl, byEvent: map[string][]*config.Campaign{}}
	for _, camp := range set.Campaigns {
		if camp.Triggered() {
			c.byEvent[camp.Trigger.Event] = append(c.byEvent[camp.Trigger.Event], camp)
		}
	}
	return c
}

// Triggered returns the campaigns triggered by an event name.
func (c *Catalog) Triggered(event string) []*config.Campaign { return c.byEvent[event] }

// Segment resolves a campaign's audience segment (nil when it has none).
func (c *Catalog) Segment(camp *config.Campaign) *config.Segment {
	if camp.Audience.Segment == "" {
		return nil
	}
	return c.Set.Segments[camp.Audience.Segment]
}

// CatalogRef holds the current catalog for concurrent readers.
type CatalogRef struct{ p atomic.Pointer[Catalog] }

// NewCatalogRef returns a reference holding c.
func NewCatalogRef(c *Catalog) *CatalogRef {
	r := &CatalogRef{}
	r.p.Store(c)
	return r
}

// Load returns the current catalog.
func (r *CatalogRef) Load() *Catalog { return r.p.Load() }

// Store swaps in a new catalog.
func (r *CatalogRef) Store(c *Catalog) { r.p.Store(c) }
