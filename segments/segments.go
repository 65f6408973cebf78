// Package segments decides who is in a campaign's audience: the named segment of
// segments/*.yaml (its where) combined with the campaign's own audience.where. A fan-out uses
// it to leave out, before enqueuing anything, the customers the decision would skip anyway.
//
// There is one source of truth for conditions: an Audience evaluates the conditions the
// config loader compiled, in the environment decide.Env builds, exactly as decide's audience
// step does, so the fan-out never drops a customer the worker would have sent to, nor keeps
// one it would skip. decide still checks at send time (a profile may change in between).
//
// What a fan-out reads: the customer index (rp:customers:<b>, 16,384 bucket sets paged by
// bucket then id, customers/index.go) and each
// profile hash, in pages read with one pipeline. Indexes by country and time zone (proposed:
// rp:idx:country:{CC}, rp:idx:tz:{ZONE}, kept by the customers store in the same Lua script
// that writes the profile) would let a holiday fan-out read only the countries keeping the
// holiday and a local schedule's hourly pass only the zones reaching the hour.
package segments

import (
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
)

// Audience is a campaign's compiled audience. The zero value and nil match everybody.
type Audience struct {
	segment *config.Segment
	where   *config.Condition
	// missing names a segment the campaign refers to that the set does not hold.
	missing string
}

// Compile resolves a campaign's audience in a loaded set. The conditions were compiled by the
// loader; Compile only binds them, so it is cheap enough to call per fan-out page.
func Compile(set *config.Set, c *config.Campaign) *Audience {
	a := &Audience{where: c.Audience.Where}
	if id := c.Audience.Segment; id != "" {
		if set == nil || set.Segments[id] == nil {
			a.missing = id
		} else {
			a.segment = set.Segments[id]
		}
	}
	return a
}

// Segment returns the resolved segment, nil when the campaign names none (or an unknown one).
func (a *Audience) Segment() *config.Segment {
	if a == nil {
		return nil
	}
	return a.segment
}

// Matches reports whether the customer is in the audience at now. When not, skip is the
// reason code decide would give (segment, audience, condition_error) and why says it in words.
// A condition that fails to evaluate keeps the customer out, as decide does.
func (a *Audience) Matches(c *decide.Customer, now time.Time) (ok bool, skip decide.SkipReason, why string) {
	if a == nil {
		return true, decide.SkipNone, ""
	}
	if a.missing != "" {
		// decide skips such a campaign too: sending to everybody because a segment file went
		// missing is the worse failure.
		return false, decide.SkipSegment, fmt.Sprintf("segment %q not resolved", a.missing)
	}
	if a.segment == nil && a.where == nil {
		return true, decide.SkipNone, ""
	}
	env := decide.Env(c, nil, now)
	if a.segment != nil {
		if ok, skip, why := eval(a.segment.Where, env, decide.SkipSegment, "segment "+a.segment.ID); !ok {
			return false, skip, why
		}
	}
	return eval(a.where, env, decide.SkipAudience, "audience where")
}

func eval(cond *config.Condition, env map[string]any, skip decide.SkipReason, what string) (bool, decide.SkipReason, string) {
	ok, err := cond.Eval(env)
	switch {
	case err != nil:
		return false, decide.SkipConditionFail, fmt.Sprintf("%s %q failed: %v", what, cond.Source, err)
	case !ok:
		return false, skip, fmt.Sprintf("%s %q does not hold", what, cond.Source)
	}
	return true, decide.SkipNone, ""
}
