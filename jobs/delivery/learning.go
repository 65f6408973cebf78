package delivery

import (
	"context"
	"fmt"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
)

// VariantReader gives a campaign's variant statistics for select: learn
// (results.VariantCache implements it, reading the campaign's counters at most every few
// seconds).
type VariantReader interface {
	VariantStats(ctx context.Context, campaign string) (map[string]decide.VariantStats, error)
}

// BaseReader gives the whole base's engagement per channel and local hours, the priors of
// channel_select: best and send_time: optimize (analytics.BaseCache implements it, from the
// statistics every refit publishes).
type BaseReader interface {
	Priors(ctx context.Context) (map[string]decide.Rate, [24]float64, error)
	// Medians gives the base's medians and CLV cut for the reward policy; nil when unknown.
	Medians(ctx context.Context) (*decide.Base, error)
}

// FillLearning sets the learning inputs of a decision: the campaign's variant statistics when
// it learns its variant, the base's priors when it learns its channel or send time, the
// base's medians when it chooses among several rewards. Each
// source is read only when the campaign asks for it, and from a cache, so a campaign with
// fixed rules costs nothing more. The worker, preview and simulate all call it, so that they
// decide on the same inputs.
func (d *Deliverer) FillLearning(ctx context.Context, in *decide.Input) error {
	camp := in.Campaign
	if camp == nil {
		return nil
	}
	if d.cfg.Variants != nil && camp.Select.Mode == config.SelectLearn {
		stats, err := d.cfg.Variants.VariantStats(ctx, camp.ID)
		if err != nil {
			return fmt.Errorf("variant statistics of %s: %w", camp.ID, err)
		}
		in.Variants = stats
	}
	if d.cfg.Base != nil && (camp.SendTime == "optimize" || len(camp.Channels) > 1) {
		eng, hours, err := d.cfg.Base.Priors(ctx)
		if err != nil {
			return fmt.Errorf("base priors: %w", err)
		}
		in.BaseEngagement, in.BaseHours = eng, hours
	}
	if d.cfg.Base != nil && len(camp.Rewards) > 1 {
		b, err := d.cfg.Base.Medians(ctx)
		if err != nil {
			return fmt.Errorf("base medians: %w", err)
		}
		in.Base = b
	}
	return nil
}
