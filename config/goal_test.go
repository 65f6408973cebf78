package config

import (
	"testing"
	"time"
)

func TestGoalIsParsedAndDefaulted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, goal string
		want       Goal
	}{
		{"no goal: the default", "", Goal{Event: "Order Completed", Within: Duration(5 * 24 * time.Hour)}},
		{"every key", "goal: {event: Subscribed, within: 2d, min_sends: 500}\n", Goal{Event: "Subscribed", Within: Duration(48 * time.Hour), MinSends: 500}},
		{"within only", "goal: {within: 12h}\n", Goal{Event: "Order Completed", Within: Duration(12 * time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, dir, "campaigns/c.yaml", "id: a\ntrigger: {event: E}\n"+tc.goal+variantsOK)
			set, lines := loadLines(t, dir)
			sameLines(t, lines, nil)
			if got := set.Campaigns[0].GoalOf(); got != tc.want {
				t.Errorf("GoalOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGoalProblemsAreReportedAtTheirPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/c.yaml", "id: a\ntrigger: {event: E}\ngoal: {within: -1d, min_sends: -3, evnt: x}\n"+variantsOK)
	_, got := loadLines(t, dir)
	sameLines(t, got, []string{
		"campaigns/c.yaml:3:16: goal.within: must not be negative, got -1d",
		"campaigns/c.yaml:3:32: goal.min_sends: must not be negative, got -3",
		`campaigns/c.yaml:3:36: goal.evnt: unknown key; did you mean "event"?`,
	})
}

func TestControlGroupAndAttributionAreChecked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "control_group: 5%\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ControlGroup != 0.05 || c.Attribution != AttributionLastTouch || c.FirstTouch() {
		t.Errorf("control_group %v attribution %q, want 0.05 and last_touch", c.ControlGroup, c.Attribution)
	}
	p = writeFile(t, dir, "rapport.yaml", "control_group: 100%\nattribution: first\n")
	_, err = Load(p, nil)
	sameLines(t, errorLines(err, dir), []string{
		"rapport.yaml:1:16: control_group: must be below 100%, got 100%",
		`rapport.yaml:2:14: attribution: "first" is not last_touch or first_touch`,
	})
}
