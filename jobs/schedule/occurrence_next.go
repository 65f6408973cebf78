package schedule

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// maxPreviewOccurrences bounds the search for a customer's next occurrence: daily
// occurrences over three years, the span calendar.Next searches for a holiday.
const maxPreviewOccurrences = 3 * 366

// NextOccurrence finds a customer's next occurrence of a scheduled campaign whose send time
// is at or after `at`: its key and instant, a reason saying so, or a skip code and its reason
// when there is none (no birthday on the profile, no such holiday in the customer's country).
// It walks the occurrences the scheduler would fire and asks each the fan-out's question
// (plan.instantFor), so preview agrees with what is sent.
func NextOccurrence(cat *delivery.Catalog, camp *config.Campaign, c *decide.Customer, at time.Time, defaultTZ *time.Location) (key string, due time.Time, skip, why string) {
	p, ok, err := planOf(camp, defaultTZ)
	if err != nil || !ok {
		return "", time.Time{}, string(decide.SkipInvalidInput), fmt.Sprintf("campaign %s is not scheduled (%v)", camp.ID, err)
	}
	cal, err := calendarOf(cat)
	if err != nil {
		return "", time.Time{}, string(decide.SkipInvalidInput), err.Error()
	}
	loc := decide.Location(c, defaultTZ)
	// Start early enough that an occurrence whose last time zone is still ahead is seen.
	t := at.Add(-earliestOffset - latestOffset - fanoutLead - time.Second)
	for range maxPreviewOccurrences {
		o := p.next(t)
		if o.Fire.IsZero() {
			break
		}
		t = o.Fire
		when, s, reason := p.instantFor(o, c, loc, cal)
		switch {
		case s == skipNoDate:
			return "", time.Time{}, s, reason
		case s != "" || when.Before(at):
			continue
		}
		return o.Key, when, "", fmt.Sprintf("next occurrence %s: %s in %s (%s UTC)",
			o.Key, when.In(loc).Format("2006-01-02 15:04 MST"), loc, when.UTC().Format(time.RFC3339))
	}
	if p.kind == kindHoliday {
		return "", time.Time{}, skipNoHoliday, fmt.Sprintf("%s is not kept in country %q in the next three years", p.holiday, c.Country)
	}
	return "", time.Time{}, skipNotToday, "no occurrence in the next three years"
}
