package schedule

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// pauseOf returns the pause in force on camp, nil when it runs or no Pauses are configured.
// A paused campaign's occurrences are not fired: they are passed over (the time up to which
// the scheduler fired still moves on), so that resuming does not send an occurrence that came
// due while the campaign was stopped; the next one goes out. An occurrence fired before the
// pause is not recalled: its batches skip their customers (delivery.SkipPaused).
func (s *Scheduler) pauseOf(ctx context.Context, camp *config.Campaign) (*delivery.Pause, error) {
	p, err := delivery.PauseOf(ctx, s.cfg.Pauses, camp.ID)
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", camp.ID, err)
	}
	return p, nil
}

// logPaused writes the one line of an occurrence passed over because its campaign is paused.
func (s *Scheduler) logPaused(camp *config.Campaign, o Occurrence, p *delivery.Pause) {
	s.cfg.Log.Warn("occurrence not fired: campaign paused", zap.String("campaign", camp.ID),
		zap.String("occurrence", o.Key), zap.String("paused_by", p.By), zap.Time("paused_at", p.At))
}
