package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/dryrun"
	"github.com/rapporthq/rapport/jobs/schedule"
	"go.uber.org/zap"
)

// scheduledPlay is one scheduled campaign's occurrence as the demo plays it.
type scheduledPlay struct {
	campaign, name string
	occ            schedule.Occurrence
	customers      int // in the occurrence and the audience when it was picked
	report         *dryrun.PlayReport
	// languages and countries of the customers who were sent the message.
	languages, countries, channels map[string]int
}

// playScheduled plays, for each scheduled campaign, the next occurrence the scheduler would
// fire after now that has customers in it, in the order of their dates: the fan-out and the
// batches run at once, each batch with the clock at its customers' local time on that date
// (dryrun.Player), and the real messages go to the outbox. Each play is announced before it
// runs, with the date it pretends it is. Plays are quiet in the log (info lines per send
// would bury the summary); warnings and errors still show.
func playScheduled(ctx context.Context, a *app, now time.Time, w io.Writer) ([]*scheduledPlay, error) {
	quiet := a.log.WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	dc := a.deliverer.Config()
	dc.Log, dc.Observe = quiet, nil
	d, err := delivery.New(dc)
	if err != nil {
		return nil, err
	}
	fc := a.fanout.Config()
	fc.Log = quiet
	f, err := schedule.NewFanout(fc)
	if err != nil {
		return nil, err
	}
	pl := &dryrun.Player{Fanout: f, Deliverer: d}

	var plays []*scheduledPlay
	for _, camp := range a.catalog.Load().Set.Campaigns {
		if camp.Triggered() {
			continue
		}
		o, n, err := pl.Next(ctx, camp.ID, now)
		if err != nil {
			fmt.Fprintf(w, "not playing %s: %v\n", camp.ID, err)
			continue
		}
		plays = append(plays, &scheduledPlay{campaign: camp.ID, name: camp.Name, occ: o, customers: n})
	}
	slices.SortStableFunc(plays, func(x, y *scheduledPlay) int { return x.occ.Fire.Compare(y.occ.Fire) })
	for _, p := range plays {
		who := fmt.Sprintf("%d customers", p.customers)
		if p.customers == 1 {
			who = "1 customer"
		}
		fmt.Fprintf(w, "playing %s %s as if it were %s (%s in it)\n", p.campaign, p.occ.Key, asIfText(p.occ), who)
		rep, err := pl.Play(ctx, p.campaign, p.occ)
		if err != nil {
			return plays, err
		}
		p.report = rep
		if err := p.tally(ctx, a); err != nil {
			return plays, err
		}
	}
	return plays, nil
}

// asIfText says which time the play pretends it is: the wall-clock time each customer reaches
// in their own zone, or the single instant.
func asIfText(o schedule.Occurrence) string {
	t, local := o.WallTime()
	if local {
		return t.Format("Mon 2006-01-02 15:04") + " local time in each customer's zone"
	}
	return t.UTC().Format("Mon 2006-01-02 15:04 UTC")
}

// tally counts the languages, countries and channels of the messages sent.
func (p *scheduledPlay) tally(ctx context.Context, a *app) error {
	p.languages, p.countries, p.channels = map[string]int{}, map[string]int{}, map[string]int{}
	var ids []string
	for _, o := range p.report.Outcomes {
		if o.Outcome.State == "sent" {
			ids = append(ids, o.Customer)
			p.channels[o.Outcome.Channel]++
		}
	}
	for chunk := range slices.Chunk(ids, 500) {
		profs, err := a.store.GetMany(ctx, chunk)
		if err != nil {
			return fmt.Errorf("summary of %s: %w", p.campaign, err)
		}
		for _, prof := range profs {
			if prof == nil {
				continue
			}
			lang, _, _ := strings.Cut(cmp.Or(prof.Locale, a.cfg.DefaultLocale), "-")
			p.languages[strings.ToLower(lang)]++
			p.countries[cmp.Or(prof.Country, "??")]++
		}
	}
	return nil
}

// sent is how many customers the play sent the message to.
func (p *scheduledPlay) sent() int {
	n := 0
	for _, c := range p.channels {
		n += c
	}
	return n
}

// printScheduled writes one row per played campaign: when it was played as if it were, how
// many got it, in which languages and countries, and who did not, by reason.
func printScheduled(w io.Writer, plays []*scheduledPlay) {
	if len(plays) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSCHEDULED\tOCCURRENCE\tSENT\tLANGUAGES\tCOUNTRIES\tNOT SENT")
	for _, p := range plays {
		if p.report == nil {
			continue
		}
		run := p.report.Run
		notSent := map[string]int{}
		for reason, n := range run.Skipped {
			notSent[reason] += int(n)
		}
		if run.Holdout > 0 {
			notSent["holdout"] += int(run.Holdout)
		}
		sent := fmt.Sprint(p.sent())
		if len(p.channels) > 1 {
			sent += " (" + counts(p.channels, 3) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.campaign, p.occ.Key, sent,
			counts(p.languages, 6), counts(p.countries, 6), counts(notSent, 4))
	}
	_ = tw.Flush()
}

// counts writes "a 3, b 2, c 1", largest first, at most max entries and "+N more".
func counts(m map[string]int, max int) string {
	keys := make([]string, 0, len(m))
	for k, n := range m {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) == 0 {
		return "-"
	}
	parts := make([]string, 0, min(len(keys), max)+1)
	for i, k := range keys {
		if i == max {
			parts = append(parts, fmt.Sprintf("+%d more", len(keys)-max))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
