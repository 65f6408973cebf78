package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// designCampaign is the campaign of DESIGN.md §5, verbatim.
const designCampaign = `id: thank-you                  # [a-z0-9-]+, unique
name: Thank you for your order
trigger:                       # exactly one of event | schedule | date | holiday
  event: Order Completed
  where: event.total >= 20     # expr over event and customer
  delay: 2h
# schedule: {cron: "0 10 * * MON", local: true}     # local: in each customer's own time zone
# date:     {trait: birthday, at: "09:00", offset: -1d}
# holiday:  {name: new_year, at: "10:00"}            # from the customer's country calendar
audience:
  segment: loyal               # segments/loyal.yaml
  where: customer.orders >= 1
holdout: 10%                   # control group, deterministic per customer
repeat: once                   # once | yearly | every 30d  (re-entry rule per customer)
channels: [email, sms]         # allowed channels; the decision picks one
window: "09:00-20:00"          # local sending hours; outside them the send waits
send_time: optimize            # optimize | exact
variants:
  - id: gold
    when: customer.tier == "gold"
    email: {subject: "Thank you, {{.Customer.FirstName}}", html: thank-you/gold.html}
    sms:   {text: "{{.Customer.FirstName}}, thank you! {{.Reward.Text}}"}
  - id: standard
    email: {subject: "Thank you for your order", html: thank-you/standard.html}
rewards:
  - {id: early-access, kind: perk, when: customer.tier == "gold", text: "Early access to the spring collection"}
  - {id: points-200,  kind: points, value: 200}
  - {id: welcome-10,  kind: coupon, value: 10%, max_value: 30, expires: 30d, budget: {count: 1000}}
`

const loyalSegment = "id: loyal\nname: Loyal customers\nwhere: customer.orders >= 3\n"

// at returns the position of the first occurrence of needle in src, as the loader reports it.
func at(t *testing.T, src, needle string) Pos {
	t.Helper()
	i := strings.Index(src, needle)
	if i < 0 {
		t.Fatalf("%q not in source", needle)
	}
	line := strings.Count(src[:i], "\n") + 1
	return Pos{Line: line, Col: i - strings.LastIndex(src[:i], "\n")}
}

// loadLines runs LoadDir and returns the set and the error lines relative to dir.
func loadLines(t *testing.T, dir string) (*Set, []string) {
	t.Helper()
	set, err := LoadDir(dir)
	if set == nil {
		t.Fatal("LoadDir returned no Set")
	}
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("err = %v (%T), want an ErrorList", err, err)
		}
		for _, e := range list {
			if e.File == "" || e.Line == 0 || e.Col == 0 {
				t.Errorf("error without a position: %#v", e)
			}
		}
	}
	return set, errorLines(err, dir)
}

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCampaignFileReportsEveryProblemAndStillLoads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/spring.yaml", `id: spring-sale
name: Spring sale
trigger:
  schedule: {cron: "0 10 * * MOON", local: true}
audience:
  where: customer.orders >=
chanels: [email]
variants:
  - id: a
    email: {subject: Hi, html: spring/a.html}
  - id: a
    email: {subject: Hello, html: spring/b.html}
`)
	set, got := loadLines(t, dir)
	sameLines(t, got, []string{
		`campaigns/spring.yaml:4:20: trigger.schedule.cron: invalid cron spec "0 10 * * MOON": failed to parse int from MOON: strconv.Atoi: parsing "MOON": invalid syntax`,
		`campaigns/spring.yaml:6:10: audience.where: unexpected token EOF (column 18 of "customer.orders >=")`,
		`campaigns/spring.yaml:7:1: chanels: unknown key; did you mean "channels"?`,
		`campaigns/spring.yaml:11:9: variants[1].id: duplicate variant id "a" (first at line 9:9)`,
	})
	c := set.Campaign("spring-sale")
	if c == nil {
		t.Fatal("the campaign with problems is missing from the partial Set")
	}
	if c.Name != "Spring sale" || len(c.Variants) != 2 || !c.Trigger.Schedule.Local {
		t.Errorf("partial campaign = %+v", c)
	}
}

func TestDesignCampaignLoadsWithEveryField(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "campaigns/thank-you.yaml", designCampaign)
	writeFile(t, dir, "segments/loyal.yaml", loyalSegment)
	set, got := loadLines(t, dir)
	sameLines(t, got, nil)
	if set.Templates != filepath.Join(dir, "templates") {
		t.Errorf("Templates = %q", set.Templates)
	}
	if len(set.Campaigns) != 1 {
		t.Fatalf("campaigns = %d", len(set.Campaigns))
	}
	c := set.Campaigns[0]
	src := designCampaign
	cond := func(s string) *Condition { return &Condition{Source: s, Pos: at(t, src, s)} }
	want := &Campaign{
		ID:   "thank-you",
		Name: "Thank you for your order",
		Trigger: Trigger{
			Event: "Order Completed",
			Where: cond("event.total >= 20"),
			Delay: Duration(2 * time.Hour),
		},
		Audience: Audience{Segment: "loyal", Where: cond("customer.orders >= 1")},
		Holdout:  0.1,
		Repeat:   Repeat{Kind: RepeatOnce},
		Channels: []string{"email", "sms"},
		Window:   &Window{Start: TimeOfDay{Minutes: 540, Set: true}, End: TimeOfDay{Minutes: 1200, Set: true}},
		SendTime: "optimize",
		// Defaults of config/learn.go: two channels choose the best.
		Select:        Select{Mode: SelectFirst},
		ChannelSelect: ChannelSelectBest,
		OnCap:         OnCapDefer,
		Variants: []Variant{
			{
				ID:    "gold",
				When:  cond(`customer.tier == "gold"`),
				Email: &EmailContent{Subject: "Thank you, {{.Customer.FirstName}}", HTML: "thank-you/gold.html", Pos: at(t, src, `{subject: "Thank you, {{`)},
				SMS:   &SMSContent{Text: "{{.Customer.FirstName}}, thank you! {{.Reward.Text}}", Pos: at(t, src, `{text:`)},
				Pos:   at(t, src, "id: gold"),
			},
			{
				ID:    "standard",
				Email: &EmailContent{Subject: "Thank you for your order", HTML: "thank-you/standard.html", Pos: at(t, src, `{subject: "Thank you for your order"`)},
				Pos:   at(t, src, "id: standard"),
			},
		},
		Rewards: []Reward{
			{ID: "early-access", Kind: "perk", When: &Condition{Source: `customer.tier == "gold"`, Pos: at(t, src, `customer.tier == "gold", text`)},
				Text: "Early access to the spring collection", Pos: at(t, src, "{id: early-access")},
			{ID: "points-200", Kind: "points", Value: "200", Pos: at(t, src, "{id: points-200")},
			{ID: "welcome-10", Kind: "coupon", Value: "10%", MaxValue: "30", Expires: Duration(30 * 24 * time.Hour), Budget: &Budget{Count: 1000},
				Pos: at(t, src, "{id: welcome-10")},
		},
		RewardPolicy: RewardPolicyLoyalty, // the default with several rewards
		File:         file,
		Pos:          at(t, src, "thank-you "),
	}
	// Compiled programs are compared by behaviour below, not by value.
	for _, k := range []*Condition{c.Trigger.Where, c.Audience.Where, c.Variants[0].When, c.Rewards[0].When} {
		if k == nil || k.prog == nil {
			t.Fatalf("condition not compiled: %v", k)
		}
	}
	strip := func(c *Campaign) *Campaign {
		cp := *c
		cp.Trigger.Where = cond2(c.Trigger.Where)
		cp.Audience.Where = cond2(c.Audience.Where)
		cp.Variants = append([]Variant(nil), c.Variants...)
		cp.Variants[0].When = cond2(c.Variants[0].When)
		cp.Rewards = append([]Reward(nil), c.Rewards...)
		cp.Rewards[0].When = cond2(c.Rewards[0].When)
		return &cp
	}
	if got := strip(c); !reflect.DeepEqual(got, want) {
		t.Errorf("campaign:\n got %+v\nwant %+v", got, want)
	}
	if !c.Triggered() {
		t.Error("an event campaign is triggered")
	}

	gold := map[string]any{"customer": map[string]any{"tier": "gold", "orders": 4}, "event": map[string]any{"total": 25.0}}
	silver := map[string]any{"customer": map[string]any{"tier": "silver", "orders": 0}, "event": map[string]any{"total": 19.99}}
	for _, tc := range []struct {
		name string
		c    *Condition
		env  map[string]any
		want bool
	}{
		{"trigger.where holds for a 25 order", c.Trigger.Where, gold, true},
		{"trigger.where fails for a 19.99 order", c.Trigger.Where, silver, false},
		{"audience.where holds with 4 orders", c.Audience.Where, gold, true},
		{"audience.where fails without orders", c.Audience.Where, silver, false},
		{"gold variant for gold", c.Variants[0].When, gold, true},
		{"gold variant not for silver", c.Variants[0].When, silver, false},
		{"segment where", set.Segments["loyal"].Where, gold, true},
	} {
		ok, err := tc.c.Eval(tc.env)
		if err != nil || ok != tc.want {
			t.Errorf("%s: %v, %v", tc.name, ok, err)
		}
	}
	seg := set.Segments["loyal"]
	if seg.File != filepath.Join(dir, "segments/loyal.yaml") || seg.Pos != (Pos{Line: 1, Col: 5}) || seg.Name != "Loyal customers" {
		t.Errorf("segment = %+v", seg)
	}
}

// cond2 keeps what a Condition says and where, dropping the compiled program.
func cond2(c *Condition) *Condition {
	if c == nil {
		return nil
	}
	return &Condition{Source: c.Source, Pos: c.Pos}
}
