package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
)

var (
	// idPattern is the form of campaign, segment and variant ids: they appear in Redis keys,
	// task ids and URLs.
	idPattern = regexp.MustCompile(`^[a-z0-9-]+$`)
	// holidayPattern is the form of holiday names, as rickar/cal and holidays/*.yaml spell them.
	holidayPattern = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// Channel names.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Send-time modes a campaign may name; exact is the default.
const (
	SendTimeExact    = "exact"
	SendTimeOptimize = "optimize"
)

// checkCampaign validates a decoded campaign and fills the defaults that depend on it:
// channels [email], send_time exact, and a non-local schedule's tz (defaultTZ).
func checkCampaign(d *doc, c *Campaign, segments map[string]*Segment, defaultTZ string) {
	checkID(d, "id", c.ID, idPattern, "lower-case letters, digits and dashes")
	checkTrigger(d, &c.Trigger, defaultTZ)

	checkCondition(d, "audience.where", c.Audience.Where)
	if s := c.Audience.Segment; s != "" && segments[s] == nil {
		d.errorAt("audience.segment", "unknown segment %q%s", s, knownList(segments))
	}
	if c.Holdout >= 1 {
		d.errorAt("holdout", "must be below 100%%, got %s", c.Holdout)
	}

	if len(c.Channels) == 0 {
		c.Channels = []string{ChannelEmail}
	}
	for i, ch := range c.Channels {
		p := fmt.Sprintf("channels[%d]", i)
		switch {
		case ch != ChannelEmail && ch != ChannelSMS:
			d.errorAt(p, "%q is not email or sms", ch)
		case slices.Index(c.Channels, ch) < i:
			d.errorAt(p, "%q is listed twice", ch)
		}
	}

	switch c.SendTime {
	case "":
		c.SendTime = SendTimeExact
	case SendTimeExact, SendTimeOptimize:
	default:
		d.errorAt("send_time", "%q is not exact or optimize", c.SendTime)
	}
	checkCaps(d, c)

	checkVariants(d, c)
	checkLearn(d, c)
	checkRewards(d, c.Rewards)
	checkGoal(d, c)
	checkRewardPolicy(d, c)
}

// checkTrigger enforces exactly one kind of trigger and the keys that belong to it.
func checkTrigger(d *doc, t *Trigger, defaultTZ string) {
	var kinds []string
	if t.Event != "" {
		kinds = append(kinds, "event")
	}
	if t.Schedule != nil {
		kinds = append(kinds, "schedule")
	}
	if t.Date != nil {
		kinds = append(kinds, "date")
	}
	if t.Holiday != nil {
		kinds = append(kinds, "holiday")
	}
	switch len(kinds) {
	case 0:
		d.errorAt("trigger", "needs one of event, schedule, date or holiday")
	case 1:
	default:
		d.errorAt("trigger", "has %s: use exactly one", strings.Join(kinds, " and "))
	}

	if t.Event == "" && t.Where != nil {
		d.errorAt("trigger.where", "only an event trigger has where; use audience.where")
	}
	if t.Event == "" && t.Delay != 0 {
		d.errorAt("trigger.delay", "only an event trigger has a delay")
	} else if t.Delay < 0 {
		d.errorAt("trigger.delay", "must not be negative, got %s", t.Delay)
	}
	checkCondition(d, "trigger.where", t.Where)

	if s := t.Schedule; s != nil {
		if s.Cron == "" {
			d.errorAt("trigger.schedule.cron", "required, e.g. \"0 10 * * MON\" or \"@daily\"")
		} else if _, err := ParseCron(s.Cron); err != nil {
			d.errorAt("trigger.schedule.cron", "%v", err)
		}
		switch {
		case s.Local && s.TZ != "":
			d.errorAt("trigger.schedule.tz", "a local schedule runs in each customer's time zone: set local or tz, not both")
		case s.TZ != "":
			checkTZ(d, "trigger.schedule.tz", s.TZ)
		case !s.Local:
			s.TZ = defaultTZ
		}
	}
	if dt := t.Date; dt != nil {
		if dt.Trait == "" {
			d.errorAt("trigger.date.trait", "required: the profile trait holding the date, e.g. birthday")
		}
		if !dt.At.Set {
			d.errorAt("trigger.date.at", "required: the local time of day, e.g. \"09:00\"")
		}
		if dt.Offset%Duration(24*time.Hour) != 0 {
			d.errorAt("trigger.date.offset", "must be whole days, e.g. -1d, got %s", dt.Offset)
		}
		checkTZ(d, "trigger.date.tz", dt.TZ)
	}
	if h := t.Holiday; h != nil {
		if h.Name == "" {
			d.errorAt("trigger.holiday.name", "required, e.g. new_year")
		} else if !holidayPattern.MatchString(h.Name) {
			d.errorAt("trigger.holiday.name", "%q must be lower-case letters, digits and underscores", h.Name)
		}
		if !h.At.Set {
			d.errorAt("trigger.holiday.at", "required: the local time of day, e.g. \"10:00\"")
		}
		checkTZ(d, "trigger.holiday.tz", h.TZ)
	}
}

// checkTZ reports a time zone that is not an IANA name; "" is unset. "Local" is refused too:
// it is whatever zone the machine running the scheduler has, which differs between machines.
func checkTZ(d *doc, path, tz string) {
	if !d.written(path) {
		return
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		d.errorAt(path, "unknown time zone %q (want an IANA name such as Europe/Berlin)", tz)
	}
}

func checkVariants(d *doc, c *Campaign) {
	if len(c.Variants) == 0 {
		d.errorAt("variants", "at least one variant is required")
	}
	seen := map[string]string{}
	for i := range c.Variants {
		v := &c.Variants[i]
		p := fmt.Sprintf("variants[%d]", i)
		if checkID(d, p+".id", v.ID, idPattern, "lower-case letters, digits and dashes") {
			if first, dup := seen[v.ID]; dup {
				d.errorAt(p+".id", "duplicate variant id %q (first at %s)", v.ID, first)
			} else {
				seen[v.ID] = d.lineCol(p + ".id")
			}
		}
		checkCondition(d, p+".when", v.When)

		usable := false
		if e := v.Email; e != nil {
			if e.Subject == "" {
				d.errorAt(p+".email.subject", "required")
			}
			if e.HTML == "" {
				d.errorAt(p+".email.html", "required: a template file under the templates directory")
			}
			usable = usable || slices.Contains(c.Channels, ChannelEmail)
		}
		if s := v.SMS; s != nil {
			switch {
			case s.Text == "" && s.File == "":
				d.errorAt(p+".sms", "needs text or file")
			case s.Text != "" && s.File != "":
				d.errorAt(p+".sms.file", "set text or file, not both")
			}
			usable = usable || slices.Contains(c.Channels, ChannelSMS)
		}
		if !usable {
			d.errorAt(p, "has no content for the campaign's channels (%s)", strings.Join(c.Channels, ", "))
		}
	}
}

// checkID reports a missing or malformed id and says whether it is well formed.
func checkID(d *doc, path, id string, pattern *regexp.Regexp, form string) bool {
	switch {
	case id == "":
		d.errorAt(path, "required")
	case !pattern.MatchString(id):
		d.errorAt(path, "%q must be %s", id, form)
	default:
		return true
	}
	return false
}

// checkCondition compiles a condition, reporting expr's complaint at the condition's
// position so that every broken condition of a file shows up in one run.
func checkCondition(d *doc, path string, c *Condition) {
	if c == nil {
		return
	}
	if strings.TrimSpace(c.Source) == "" {
		d.errorAt(path, "empty condition")
		return
	}
	if err := c.Compile(); err != nil {
		pos := c.Pos
		if pos.Line == 0 {
			pos, _ = d.at(path)
		}
		d.errs.add(d.file, pos, path, "%s", conditionMessage(c.Source, err))
	}
}

// conditionMessage turns expr's multi-line error (message, snippet, caret) into one line,
// since lint prints one problem per line.
func conditionMessage(source string, err error) string {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return fmt.Sprintf("%v in %q", err, source)
	}
	if strings.Contains(source, "\n") {
		return fmt.Sprintf("%s (line %d, column %d of the condition)", fe.Message, fe.Line, fe.Column+1)
	}
	return fmt.Sprintf("%s (column %d of %q)", fe.Message, fe.Column+1, source)
}

// lineCol formats where path was written, for messages pointing at another place.
func (d *doc) lineCol(path string) string {
	p, _ := d.at(path)
	return fmt.Sprintf("line %d:%d", p.Line, p.Col)
}

// knownList names the segments there are, for an "unknown segment" message.
func knownList(segments map[string]*Segment) string {
	if len(segments) == 0 {
		return " (no segments are loaded)"
	}
	ids := make([]string, 0, len(segments))
	for id := range segments {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return " (known: " + strings.Join(ids, ", ") + ")"
}
