package config

import "time"

// Goal is a campaign's goal: the event that counts as a conversion when it follows a message
// of the campaign (or the moment a held-out customer would have been sent one) within Within.
// Written `goal: {event: Order Completed, within: 5d, min_sends: 1000}`.
type Goal struct {
	// Event is the event name that converts. Default "Order Completed".
	Event string `yaml:"event"`
	// Within is how long after a touch an event is still attributed to it. Default 5d.
	Within Duration `yaml:"within"`
	// MinSends is how many sends a variant needs before the learning code trusts its
	// conversion rate. Default 0: the learning code's own default.
	MinSends int `yaml:"min_sends"`
}

// Goal defaults.
const (
	DefaultGoalEvent  = "Order Completed"
	DefaultGoalWithin = Duration(5 * 24 * time.Hour)
)

// Attribution modes of rapport.yaml's attribution.
const (
	// AttributionLastTouch gives a conversion to the latest touch of each campaign before it.
	AttributionLastTouch = "last_touch"
	// AttributionFirstTouch gives it to the first touch of each campaign still within the goal.
	AttributionFirstTouch = "first_touch"
)

// GoalOf returns the campaign's goal with its defaults filled; a campaign without goal: has
// the default goal, so that every campaign is measured.
func (c *Campaign) GoalOf() Goal {
	var g Goal
	if c.Goal != nil {
		g = *c.Goal
	}
	if g.Event == "" {
		g.Event = DefaultGoalEvent
	}
	if g.Within <= 0 {
		g.Within = DefaultGoalWithin
	}
	return g
}

// checkGoal validates a campaign's goal.
func checkGoal(d *doc, c *Campaign) {
	g := c.Goal
	if g == nil {
		return
	}
	if g.Within < 0 {
		d.errorAt("goal.within", "must not be negative, got %s", g.Within)
	}
	if g.MinSends < 0 {
		d.errorAt("goal.min_sends", "must not be negative, got %d", g.MinSends)
	}
}

// checkResults validates control_group and attribution, and fills attribution's default.
func (k *configChecker) checkResults() {
	c := k.c
	if c.ControlGroup >= 1 {
		k.errorf("control_group", "must be below 100%%, got %s", c.ControlGroup)
	}
	switch c.Attribution {
	case "":
		c.Attribution = AttributionLastTouch
	case AttributionLastTouch, AttributionFirstTouch:
	default:
		k.errorf("attribution", "%q is not %s or %s", c.Attribution, AttributionLastTouch, AttributionFirstTouch)
	}
}

// FirstTouch tells whether conversions go to the first touch of a campaign (attribution:
// first_touch) rather than the latest.
func (c *Config) FirstTouch() bool { return c.Attribution == AttributionFirstTouch }
