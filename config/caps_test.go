package config

import (
	"strings"
	"testing"
)

func TestCampaignCapsLoadWithBothPriorityVocabularies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "rapport.yaml", "limits: {per_customer: 30/30d}\nemail: {sender_address: \"Shop Ltd, 1 Example Street\"}\n")
	camp := func(id, extra string) {
		writeFile(t, dir, "campaigns/"+id+".yaml", "id: "+id+"\ntrigger: {event: E}\n"+extra+
			"variants: [{id: a, email: {subject: Hi, html: a.html}}]\n")
	}
	camp("high", "priority: high\nlimits: {per_customer: 1/7d, sms: 1/1d}\non_cap: skip\n")
	camp("critical", "priority: critical\n")
	camp("normal", "priority: normal\n")
	camp("default", "priority: default\n")
	camp("low", "priority: low\nlimits: {per_customer: 2/12h}\n")
	camp("unset", "")
	cfg, err := Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := LoadSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id, queue string
		rank      Priority
		onCap     string
	}{
		{"high", "critical", PriorityHigh, OnCapSkip},
		{"critical", "critical", PriorityHigh, OnCapDefer},
		{"normal", "default", PriorityNormal, OnCapDefer},
		{"default", "default", PriorityNormal, OnCapDefer},
		{"low", "low", PriorityLow, OnCapDefer},
		{"unset", "", PriorityNormal, OnCapDefer},
	} {
		c := set.Campaign(tt.id)
		if c.Priority != tt.queue || c.CapPriority() != tt.rank || c.OnCap != tt.onCap {
			t.Errorf("%s: priority %q rank %s on_cap %q; want %q %s %q", tt.id, c.Priority, c.CapPriority(), c.OnCap, tt.queue, tt.rank, tt.onCap)
		}
	}
	if l := set.Campaign("high").Limits; l.PerCustomer != (Limit{Count: 1, Period: Duration(7 * day)}) || l.SMS.Days() != 1 {
		t.Errorf("campaign limits %+v", l)
	}
	if d := set.Campaign("low").Limits.PerCustomer.Days(); d != 0 {
		t.Errorf("a 12h cap counts %d calendar days, want 0 (rolling)", d)
	}
	if got := LongestCap(cfg, set.Campaigns); got != 30*day {
		t.Errorf("LongestCap = %s, want 720h", got)
	}
}

func TestBadOnCapAndPriorityAreRefusedAtTheirPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "rapport.yaml", "email: {sender_address: \"Shop Ltd, 1 Example Street\"}\n")
	writeFile(t, dir, "campaigns/c.yaml", "id: c\ntrigger: {event: E}\npriority: urgent\non_cap: wait\nlimits: {per_customer: 3/1d12h}\n"+
		"variants: [{id: a, email: {subject: Hi, html: a.html}}]\n")
	cfg, err := Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadSet(cfg)
	got := strings.Join(errorLines(err, dir), "\n")
	for _, want := range []string{
		`campaigns/c.yaml:3:11: priority: "urgent" is not high, normal or low`,
		`campaigns/c.yaml:4:9: on_cap: "wait" is not skip or defer`,
		`campaigns/c.yaml:5:24: limits.per_customer: invalid limit "3/1d12h": a cap of a day or more counts the customer's local calendar days`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors:\n%s\nwant a line starting %s", got, want)
		}
	}
}

func TestPriorityPrintsItsName(t *testing.T) {
	t.Parallel()
	for p, want := range map[Priority]string{PriorityHigh: "high", PriorityNormal: "normal", PriorityLow: "low"} {
		b, _ := p.MarshalText()
		var back Priority
		if string(b) != want || back.UnmarshalText(b) != nil || back != p {
			t.Errorf("%d: %q, back %d", p, b, back)
		}
	}
}
