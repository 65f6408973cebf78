package dryrun

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rapporthq/rapport/decide"
)

// ConditionError says in words why customers were skipped as condition_error: a condition
// that fails to evaluate (a trait most customers lack, a type it did not expect) keeps the
// customer out, and a count alone does not say which condition or why.
type ConditionError struct {
	// Condition names the step and the source: `audience where "customer.order.total > 1"`.
	Condition string `json:"condition"`
	// Customers is how many customers it failed for.
	Customers int64 `json:"customers"`
	// Error is the error of the first customer it failed for, its first line.
	Error string `json:"error"`
}

// conditionErrors collects ConditionErrors by condition, in the order first seen.
type conditionErrors struct {
	list  []ConditionError
	index map[string]int
}

// add counts one failure described by reason, as decide and segments write it:
// `STEP "SOURCE" failed: ERROR[ (FACTS)]`.
func (c *conditionErrors) add(reason string) {
	cond, msg, ok := strings.Cut(reason, " failed: ")
	if !ok {
		cond, msg = "a condition", reason
	}
	if c.index == nil {
		c.index = map[string]int{}
	}
	i, seen := c.index[cond]
	if !seen {
		i = len(c.list)
		c.index[cond] = i
		c.list = append(c.list, ConditionError{Condition: cond, Error: firstError(msg)})
	}
	c.list[i].Customers++
}

// sorted returns the conditions, the most frequent first.
func (c *conditionErrors) sorted() []ConditionError {
	out := slices.Clone(c.list)
	slices.SortStableFunc(out, func(a, b ConditionError) int { return int(b.Customers - a.Customers) })
	return out
}

// firstError keeps the first line of an expr error (the rest is a caret drawing) without the
// `evaluate "SOURCE": ` prefix config.Condition.Eval adds.
func firstError(msg string) string {
	msg, _, _ = strings.Cut(msg, "\n")
	if rest, ok := strings.CutPrefix(msg, "evaluate "); ok && strings.HasPrefix(rest, `"`) {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			msg = strings.TrimPrefix(rest[len(q):], ": ")
		}
	}
	return msg
}

// lastReason is the reason a decision stopped on.
func lastReason(dec decide.Decision) string {
	if len(dec.Reasons) == 0 {
		return ""
	}
	return dec.Reasons[len(dec.Reasons)-1]
}
