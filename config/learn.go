package config

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// How a campaign chooses among the variants whose `when` holds (Campaign.Select).
const (
	// SelectFirst sends the first eligible variant, in the file's order: the default.
	SelectFirst = "first"
	// SelectWeights splits traffic by fixed weights, a classic A/B test.
	SelectWeights = "weights"
	// SelectLearn is Thompson sampling on each variant's conversion rate.
	SelectLearn = "learn"
)

// How a campaign that lists several channels chooses one (Campaign.ChannelSelect).
const (
	// ChannelSelectOrder takes the first reachable channel in the campaign's order.
	ChannelSelectOrder = "order"
	// ChannelSelectBest takes the customer's preferred_channel trait, then the channel they
	// engage with most, ties to the cheaper one: the default with several channels.
	ChannelSelectBest = "best"
)

// DefaultExplore is the floor of exploration of select: learn when explore is not written:
// this share of sends goes to an eligible variant drawn uniformly, so a variant that lost
// early keeps getting enough sends to show it improved (or that it was unlucky). 5% of a
// campaign's traffic is the usual price of that insurance.
const DefaultExplore Percent = 0.05

// DefaultMinSends is how many sends a variant needs before select: learn judges it on
// conversions rather than clicks, when the campaign's goal does not say (goal.min_sends).
// Conversions run at a few percent, so a hundred sends hold only two or three of them: too
// few to tell variants apart, while clicks are several times as frequent.
const DefaultMinSends = 100

// Select is how a campaign chooses among its eligible variants, written as a word (first,
// learn) or as {weights: {a: 50, b: 50}}.
type Select struct {
	// Mode is first, weights or learn; the loader fills first when select is not written,
	// and weights for the mapping form.
	Mode string `yaml:"-"`
	// Weights are relative shares per variant id (they need not add up to 100); a variant
	// not named gets none while a named one is eligible.
	Weights map[string]float64 `yaml:"weights"`
}

// UnmarshalYAMLScalar reads the word form.
func (s *Select) UnmarshalYAMLScalar(n ast.Node) error {
	switch v := scalar(n); v {
	case SelectFirst, SelectLearn:
		s.Mode = v
		return nil
	default:
		return fmt.Errorf("%q is not first, learn or {weights: {a: 50, b: 50}}", v)
	}
}

func (s Select) String() string {
	if s.Mode != SelectWeights {
		return s.Mode
	}
	ids := slices.Sorted(maps.Keys(s.Weights))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s: %g", id, s.Weights[id])
	}
	return "weights {" + strings.Join(parts, ", ") + "}"
}

// MinSends is how many sends a variant needs before select: learn counts its conversions
// rather than its clicks: goal.min_sends when it is set, else DefaultMinSends.
func (c *Campaign) MinSends() int {
	if c.Goal != nil && c.Goal.MinSends > 0 {
		return c.Goal.MinSends
	}
	return DefaultMinSends
}

// checkLearn validates and defaults select, explore, channel_select and max_delay.
func checkLearn(d *doc, c *Campaign) {
	s := &c.Select
	switch {
	case s.Mode == "" && s.Weights != nil:
		s.Mode = SelectWeights
		checkWeights(d, c)
	case s.Mode == "":
		s.Mode = SelectFirst
	}

	switch {
	case s.Mode != SelectLearn && d.written("explore"):
		d.errorAt("explore", "only select: learn explores (select is %s)", s.Mode)
	case s.Mode == SelectLearn && !d.written("explore"):
		c.Explore = DefaultExplore
	}

	switch c.ChannelSelect {
	case "":
		c.ChannelSelect = ChannelSelectOrder
		if len(c.Channels) > 1 {
			c.ChannelSelect = ChannelSelectBest
		}
	case ChannelSelectOrder, ChannelSelectBest:
	default:
		d.errorAt("channel_select", "%q is not order or best", c.ChannelSelect)
	}

	switch {
	case c.MaxDelay < 0:
		d.errorAt("max_delay", "must not be negative, got %s", c.MaxDelay)
	case d.written("max_delay") && !c.Triggered():
		d.errorAt("max_delay", "only an event trigger has a max_delay; a scheduled campaign optimises over the next 24h")
	}
}

// checkWeights requires weights that name existing variants, none negative, some positive.
func checkWeights(d *doc, c *Campaign) {
	ids := make([]string, len(c.Variants))
	for i, v := range c.Variants {
		ids[i] = v.ID
	}
	if len(c.Select.Weights) == 0 {
		d.errorAt("select.weights", "name at least one variant, e.g. {%s: 50}", strings.Join(ids, ": 50, "))
		return
	}
	total, bad := 0.0, false
	for _, id := range slices.Sorted(maps.Keys(c.Select.Weights)) {
		w := c.Select.Weights[id]
		p := "select.weights." + id
		switch {
		case !slices.Contains(ids, id):
			bad = true
			d.errorAt(p, "unknown variant %q (variants: %s)", id, strings.Join(ids, ", "))
		case w < 0 || math.IsNaN(w) || math.IsInf(w, 0):
			bad = true
			d.errorAt(p, "must be a positive number, got %g", w)
		default:
			total += w
		}
	}
	if total <= 0 && !bad {
		d.errorAt("select.weights", "every weight is 0: no variant would ever be sent")
	}
}

// checkCosts refuses negative prices of channel_select: best's tie-break.
func (k *configChecker) checkCosts() {
	if c := k.c.Email.CostPerMessage; c < 0 || math.IsNaN(c) {
		k.errorf("email.cost_per_message", "must not be negative, got %g", c)
	}
	if c := k.c.SMS.CostPerSegment; c < 0 || math.IsNaN(c) {
		k.errorf("sms.cost_per_segment", "must not be negative, got %g", c)
	}
}
