package config

import (
	"strings"
	"testing"
)

// variantsOK is a valid variants list for cases about other keys.
const variantsOK = "variants:\n  - {id: a, email: {subject: Hi, html: a.html}}\n"

func TestCampaignRulesAreEnforcedAtTheirPosition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "no trigger, no id, no variants",
			yaml: "name: x\n",
			want: []string{
				"c.yaml:1:1: id: required",
				"c.yaml:1:1: trigger: needs one of event, schedule, date or holiday",
				"c.yaml:1:1: variants: at least one variant is required",
			},
		},
		{
			name: "two triggers, bad id",
			yaml: "id: Spring_Sale\ntrigger:\n  event: Order Completed\n  holiday: {name: new_year, at: \"10:00\"}\n" + variantsOK,
			want: []string{
				`c.yaml:1:5: id: "Spring_Sale" must be lower-case letters, digits and dashes`,
				"c.yaml:3:3: trigger: has event and holiday: use exactly one",
			},
		},
		{
			name: "where and delay belong to event triggers",
			yaml: "id: a\ntrigger:\n  schedule: {cron: \"@daily\"}\n  where: event.total > 1\n  delay: 1h\n" + variantsOK,
			want: []string{
				"c.yaml:4:10: trigger.where: only an event trigger has where; use audience.where",
				"c.yaml:5:10: trigger.delay: only an event trigger has a delay",
			},
		},
		{
			name: "negative delay",
			yaml: "id: a\ntrigger: {event: Signed Up, delay: -1h}\n" + variantsOK,
			want: []string{"c.yaml:2:36: trigger.delay: must not be negative, got -1h0m0s"},
		},
		{
			name: "schedule: local and tz, bad tz, missing cron",
			yaml: "id: a\ntrigger:\n  schedule: {local: true, tz: Europe/Berlin}\n" + variantsOK,
			want: []string{
				"c.yaml:3:3: trigger.schedule.cron: required, e.g. \"0 10 * * MON\" or \"@daily\"",
				"c.yaml:3:31: trigger.schedule.tz: a local schedule runs in each customer's time zone: set local or tz, not both",
			},
		},
		{
			name: "schedule: unknown tz and a cron with a time zone",
			yaml: "id: a\ntrigger:\n  schedule: {cron: \"CRON_TZ=UTC 0 9 * * *\", tz: Moon/Base}\n" + variantsOK,
			want: []string{
				`c.yaml:3:20: trigger.schedule.cron: invalid cron spec "CRON_TZ=UTC 0 9 * * *": set the time zone with tz, not in the spec`,
				`c.yaml:3:49: trigger.schedule.tz: unknown time zone "Moon/Base" (want an IANA name such as Europe/Berlin)`,
			},
		},
		{
			name: "date trigger needs trait and at, whole-day offset",
			yaml: "id: a\ntrigger:\n  date: {offset: 36h}\n" + variantsOK,
			want: []string{
				"c.yaml:3:3: trigger.date.trait: required: the profile trait holding the date, e.g. birthday",
				"c.yaml:3:3: trigger.date.at: required: the local time of day, e.g. \"09:00\"",
				"c.yaml:3:18: trigger.date.offset: must be whole days, e.g. -1d, got 36h0m0s",
			},
		},
		{
			name: "holiday trigger name form and at",
			yaml: "id: a\ntrigger:\n  holiday: {name: New Year}\n" + variantsOK,
			want: []string{
				"c.yaml:3:3: trigger.holiday.at: required: the local time of day, e.g. \"10:00\"",
				`c.yaml:3:19: trigger.holiday.name: "New Year" must be lower-case letters, digits and underscores`,
			},
		},
		{
			name: "bad time of day is reported while decoding",
			yaml: "id: a\ntrigger:\n  holiday: {name: new_year, at: \"25:00\"}\n" + variantsOK,
			want: []string{
				`c.yaml:3:33: trigger.holiday.at: invalid time of day "25:00" (want HH:MM)`,
			},
		},
		{
			name: "unknown segment, channels, send_time, priority, holdout",
			yaml: "id: a\ntrigger: {event: E}\naudience: {segment: vip}\nchannels: [email, push, email]\nsend_time: asap\npriority: urgent\nholdout: 100%\n" + variantsOK,
			want: []string{
				`c.yaml:3:21: audience.segment: unknown segment "vip" (known: loyal)`,
				`c.yaml:4:19: channels[1]: "push" is not email or sms`,
				`c.yaml:4:25: channels[2]: "email" is listed twice`,
				`c.yaml:5:12: send_time: "asap" is not exact or optimize`,
				`c.yaml:6:11: priority: "urgent" is not high, normal or low (critical and default are also accepted: they are high and normal, as the names of their queues)`,
				`c.yaml:7:10: holdout: must be below 100%, got 100%`,
			},
		},
		{
			name: "variant content rules",
			yaml: `id: a
trigger: {event: E}
channels: [sms]
variants:
  - id: no-sms
    email: {subject: Hi, html: a.html}
  - id: incomplete
    email: {html: a.html}
    sms: {}
  - id: both
    sms: {text: hi, file: hi.txt}
  - id: Bad!
    sms: {text: hi}
  - sms: {text: hi}
`,
			want: []string{
				"c.yaml:5:5: variants[0]: has no content for the campaign's channels (sms)",
				"c.yaml:8:5: variants[1].email.subject: required",
				"c.yaml:9:10: variants[1].sms: needs text or file",
				"c.yaml:11:27: variants[2].sms.file: set text or file, not both",
				`c.yaml:12:9: variants[3].id: "Bad!" must be lower-case letters, digits and dashes`,
				"c.yaml:14:5: variants[4].id: required",
			},
		},
		{
			name: "reward rules",
			yaml: "id: a\ntrigger: {event: E}\n" + variantsOK + `rewards:
  - {id: r, kind: coupon, value: 10 percent}
  - {id: r, kind: points, value: 2.5}
  - {id: c, kind: cash}
  - {id: d, kind: coupon, expires: -1d, budget: {count: -1, amount: -5}}
  - {kind: none, when: "customer.x ==="}
`,
			want: []string{
				`c.yaml:6:34: rewards[0].value: invalid coupon value "10 percent" (want e.g. 10%, 5 or 5 EUR)`,
				`c.yaml:7:10: rewards[1].id: duplicate reward id "r" (first at line 6:10)`,
				`c.yaml:7:34: rewards[1].value: points need a positive whole number, got "2.5"`,
				`c.yaml:8:19: rewards[2].kind: "cash" is not coupon, points, perk, gift or none`,
				"c.yaml:9:5: rewards[3].value: required for a coupon, e.g. 10% or 5 EUR",
				"c.yaml:9:36: rewards[3].expires: must not be negative, got -1d",
				"c.yaml:9:57: rewards[3].budget.count: must not be negative, got -1",
				"c.yaml:9:69: rewards[3].budget.amount: must not be negative, got -5",
				"c.yaml:10:5: rewards[4].id: required",
				`c.yaml:10:24: rewards[4].when: unexpected token Operator("=") (column 14 of "customer.x ===")`,
			},
		},
		{
			name: "a condition that is not boolean",
			yaml: "id: a\ntrigger: {event: E}\naudience: {where: 1 + 2}\n" + variantsOK,
			want: []string{
				`c.yaml:3:19: audience.where: expected bool, but got int in "1 + 2"`,
			},
		},
		{
			name: "a misspelt name in a condition",
			yaml: "id: a\ntrigger: {event: E, where: custmer.tier == \"gold\"}\n" + variantsOK,
			want: []string{
				`c.yaml:2:28: trigger.where: unknown name custmer (column 1 of "custmer.tier == \"gold\"")`,
			},
		},
		{
			name: "schedule more often than once a minute",
			yaml: "id: a\ntrigger:\n  schedule: {cron: \"@every 30s\"}\n" + variantsOK,
			want: []string{
				`c.yaml:3:20: trigger.schedule.cron: invalid cron spec "@every 30s": fires more often than once a minute; ` +
					`occurrences are named by their minute, so the firings within a minute would be one occurrence (use @every 1m or more)`,
			},
		},
		{
			name: "schedule with a seconds field",
			yaml: "id: a\ntrigger:\n  schedule: {cron: \"*/2 * * * * *\"}\n" + variantsOK,
			want: []string{
				`c.yaml:3:20: trigger.schedule.cron: invalid cron spec "*/2 * * * * *": six fields; ` +
					`Rapport's cron has no seconds field (minute hour day-of-month month day-of-week)`,
			},
		},
		{
			name: "date and holiday triggers: tz must be an IANA name",
			yaml: "id: a\ntrigger:\n  date: {trait: birthday, at: \"09:00\", tz: Moon/Base}\n" + variantsOK,
			want: []string{
				`c.yaml:3:44: trigger.date.tz: unknown time zone "Moon/Base" (want an IANA name such as Europe/Berlin)`,
			},
		},
		{
			name: "holiday trigger with the machine's zone",
			yaml: "id: a\ntrigger:\n  holiday: {name: new_year, at: \"10:00\", tz: Local}\n" + variantsOK,
			want: []string{
				`c.yaml:3:46: trigger.holiday.tz: unknown time zone "Local" (want an IANA name such as Europe/Berlin)`,
			},
		},
		{
			name: "wrong shapes",
			yaml: "id: [a]\ntrigger: Order Completed\nvariants: {id: a}\nchannels: email\n",
			want: []string{
				"c.yaml:1:5: id: expected text, got a list",
				`c.yaml:2:10: trigger: expected a mapping of keys, got "Order Completed"`,
				"c.yaml:3:11: variants: expected a list, got a mapping",
				"c.yaml:4:11: channels: expected a list, got \"email\"",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, dir, "segments/loyal.yaml", loyalSegment)
			writeFile(t, dir, "campaigns/c.yaml", tc.yaml)
			_, got := loadLines(t, dir)
			for i := range got {
				got[i] = strings.TrimPrefix(got[i], "campaigns/")
			}
			sameLines(t, got, tc.want)
		})
	}
}

func TestKeyWrittenWithoutValueIsReportedAtTheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/c.yaml", "id: a\ntrigger:\n  date:\n    trait: birthday\n    at:\n"+variantsOK)
	_, got := loadLines(t, dir)
	sameLines(t, got, []string{`campaigns/c.yaml:5:5: trigger.date.at: required: the local time of day, e.g. "09:00"`})
}

func TestDateAndHolidayTriggersTakeATimeZone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "campaigns/b.yaml", "id: b\ntrigger:\n  date: {trait: birthday, at: \"09:00\", tz: Europe/Berlin}\n"+variantsOK)
	writeFile(t, dir, "campaigns/h.yaml", "id: h\ntrigger:\n  holiday: {name: new_year, at: \"10:00\", tz: Asia/Tokyo}\n"+variantsOK)
	writeFile(t, dir, "campaigns/l.yaml", "id: l\ntrigger:\n  date: {trait: birthday, at: \"09:00\"}\n"+variantsOK)
	set, got := loadLines(t, dir)
	sameLines(t, got, nil)
	for id, want := range map[string]string{"b": "Europe/Berlin", "h": "Asia/Tokyo", "l": ""} {
		c := set.Campaign(id)
		tz := ""
		if c.Trigger.Date != nil {
			tz = c.Trigger.Date.TZ
		} else {
			tz = c.Trigger.Holiday.TZ
		}
		if tz != want {
			t.Errorf("campaign %s: tz %q, want %q (empty: each customer's own zone)", id, tz, want)
		}
	}
}
