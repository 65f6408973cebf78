package config

import (
	"strings"
	"testing"
)

// twoVariants is a valid variants list with ids a and b.
const twoVariants = "variants:\n  - {id: a, email: {subject: Hi, html: a.html}}\n  - {id: b, email: {subject: Yo, html: b.html}}\n"

func TestLearningKeysAreCheckedAtTheirPosition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown select word",
			yaml: "id: a\ntrigger: {event: Signed Up}\nselect: best\n" + twoVariants,
			want: []string{`c.yaml:3:9: select: "best" is not first, learn or {weights: {a: 50, b: 50}}`},
		},
		{
			name: "weights name an unknown variant and a negative weight",
			yaml: "id: a\ntrigger: {event: Signed Up}\nselect:\n  weights: {a: -1, c: 50}\n" + twoVariants,
			want: []string{
				"c.yaml:4:16: select.weights.a: must be a positive number, got -1",
				`c.yaml:4:23: select.weights.c: unknown variant "c" (variants: a, b)`,
			},
		},
		{
			name: "every weight 0",
			yaml: "id: a\ntrigger: {event: Signed Up}\nselect: {weights: {a: 0}}\n" + twoVariants,
			want: []string{"c.yaml:3:19: select.weights: every weight is 0: no variant would ever be sent"},
		},
		{
			name: "empty weights",
			yaml: "id: a\ntrigger: {event: Signed Up}\nselect: {weights: {}}\n" + twoVariants,
			want: []string{"c.yaml:3:19: select.weights: name at least one variant, e.g. {a: 50, b: 50}"},
		},
		{
			name: "explore without learn",
			yaml: "id: a\ntrigger: {event: Signed Up}\nexplore: 10%\n" + twoVariants,
			want: []string{"c.yaml:3:10: explore: only select: learn explores (select is first)"},
		},
		{
			name: "bad explore",
			yaml: "id: a\ntrigger: {event: Signed Up}\nselect: learn\nexplore: 5\n" + twoVariants,
			want: []string{`c.yaml:4:10: explore: invalid percentage "5" (want e.g. 10%)`},
		},
		{
			name: "unknown channel_select",
			yaml: "id: a\ntrigger: {event: Signed Up}\nchannel_select: cheapest\n" + twoVariants,
			want: []string{`c.yaml:3:17: channel_select: "cheapest" is not order or best`},
		},
		{
			name: "max_delay on a schedule, negative max_delay",
			yaml: "id: a\ntrigger: {schedule: {cron: \"@daily\"}}\nmax_delay: 6h\n" + twoVariants,
			want: []string{"c.yaml:3:12: max_delay: only an event trigger has a max_delay; a scheduled campaign optimises over the next 24h"},
		},
		{
			name: "negative max_delay",
			yaml: "id: a\ntrigger: {event: Signed Up}\nmax_delay: -6h\n" + twoVariants,
			want: []string{"c.yaml:3:12: max_delay: must not be negative, got -6h0m0s"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, dir, "campaigns/c.yaml", tc.yaml)
			_, got := loadLines(t, dir)
			for i := range got {
				got[i] = strings.TrimPrefix(got[i], "campaigns/")
			}
			sameLines(t, got, tc.want)
		})
	}
}

func TestLearningKeysHaveDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml    string
		mode          string
		explore       Percent
		channelSelect string
		weights       map[string]float64
	}{
		{"nothing written: first, order with one channel", "", SelectFirst, 0, ChannelSelectOrder, nil},
		{"several channels: best", "channels: [email, sms]\n", SelectFirst, 0, ChannelSelectBest, nil},
		{"several channels, order written", "channels: [email, sms]\nchannel_select: order\n", SelectFirst, 0, ChannelSelectOrder, nil},
		{"learn: 5% exploration", "select: learn\n", SelectLearn, 0.05, ChannelSelectOrder, nil},
		{"learn with explore", "select: learn\nexplore: 12.5%\n", SelectLearn, 0.125, ChannelSelectOrder, nil},
		{"weights", "select: {weights: {a: 90, b: 10}}\n", SelectWeights, 0, ChannelSelectOrder, map[string]float64{"a": 90, "b": 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			body := strings.ReplaceAll(twoVariants, "html: a.html}", "html: a.html}, sms: {text: Hi}")
			writeFile(t, dir, "campaigns/c.yaml", "id: c\ntrigger: {event: Signed Up}\n"+tc.yaml+body)
			set, got := loadLines(t, dir)
			sameLines(t, got, nil)
			c := set.Campaign("c")
			if c.Select.Mode != tc.mode || c.Explore != tc.explore || c.ChannelSelect != tc.channelSelect {
				t.Errorf("select %q explore %s channel_select %q, want %q %s %q",
					c.Select.Mode, c.Explore, c.ChannelSelect, tc.mode, tc.explore, tc.channelSelect)
			}
			if len(c.Select.Weights) != len(tc.weights) {
				t.Errorf("weights %v, want %v", c.Select.Weights, tc.weights)
			}
			for id, w := range tc.weights {
				if c.Select.Weights[id] != w {
					t.Errorf("weight of %s: %g, want %g", id, c.Select.Weights[id], w)
				}
			}
		})
	}
}

func TestChannelCostsAreReadAndMustNotBeNegative(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load(writeFile(t, dir, "rapport.yaml", "email: {cost_per_message: 0.001}\nsms: {cost_per_segment: 0.0079}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email.CostPerMessage != 0.001 || c.SMS.CostPerSegment != 0.0079 {
		t.Errorf("costs %g and %g", c.Email.CostPerMessage, c.SMS.CostPerSegment)
	}
	_, err = Load(writeFile(t, dir, "rapport.yaml", "email: {cost_per_message: -1}\nsms:\n  cost_per_segment: -0.5\n"), nil)
	sameLines(t, errorLines(err, dir), []string{
		"rapport.yaml:1:27: email.cost_per_message: must not be negative, got -1",
		"rapport.yaml:3:21: sms.cost_per_segment: must not be negative, got -0.5",
	})
}
