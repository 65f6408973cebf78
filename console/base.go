package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/customers"
)

// baseCache keeps the answers of the walks over the whole customer base (the loyalty report,
// customers per country) for ttl: a walk over a million profiles takes tens of seconds of
// Redis time, far too much for each page view. One walk runs at a time; the others wait for
// it (a page opened while a walk runs shows its answer).
type baseCache struct {
	ttl time.Duration

	mu        sync.Mutex
	loyalty   *analytics.LoyaltyReport
	loyaltyAt time.Time
	countries map[string]int
	// zones counts the customers of each time zone, in the same walk as countries: the
	// campaigns page shows next occurrences in the base's main zones.
	zones     map[string]int
	countryAt time.Time
}

func (b *baseCache) loyaltyReport(ctx context.Context, cfg *Config, now time.Time) (*analytics.LoyaltyReport, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.loyalty != nil && now.Sub(b.loyaltyAt) < b.ttl {
		return b.loyalty, nil
	}
	var m *analytics.Model
	if cfg.Models != nil {
		var err error
		if m, err = cfg.Models.Current(ctx); err != nil {
			return nil, fmt.Errorf("load the customer-base model: %w", err)
		}
	}
	rep, err := analytics.LoyaltyReportOf(ctx, cfg.Base, m, analytics.LoyaltyOptions{At: now})
	if err != nil {
		return nil, err
	}
	b.loyalty, b.loyaltyAt = rep, now
	return rep, nil
}

// customersByCountry counts the customers of each country (ISO code, "" for none).
func (b *baseCache) customersByCountry(ctx context.Context, cfg *Config, now time.Time) (map[string]int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.countries != nil && now.Sub(b.countryAt) < b.ttl {
		return b.countries, nil
	}
	counts, zones := map[string]int{}, map[string]int{}
	err := analytics.EachCustomer(ctx, cfg.Base, 0, func(p *customers.Profile) error {
		counts[p.Country]++
		zones[p.Timezone]++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count customers by country: %w", err)
	}
	b.countries, b.zones, b.countryAt = counts, zones, now
	return counts, nil
}

// knownZones returns the time zones of the last count by country, most customers first,
// without walking the base: nil before the calendar page (or a refresh) has counted them.
func (b *baseCache) knownZones() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.zones))
	for z := range b.zones {
		if z != "" {
			out = append(out, z)
		}
	}
	slices.SortFunc(out, func(x, y string) int {
		return cmp.Or(cmp.Compare(b.zones[y], b.zones[x]), cmp.Compare(x, y))
	})
	return out
}
