// Package decide makes the one-to-one decision: for one customer and one campaign occurrence,
// which message variant, which reward, which channel and when. It is pure: no Redis, no clock
// reads (time is a parameter), so preview, simulate and the worker agree, and every decision
// carries human-readable reasons.
package decide

import (
	"time"

	"github.com/rapporthq/rapport/config"
)

// Input is everything a decision depends on.
type Input struct {
	Campaign *config.Campaign
	Customer *Customer
	// Event is the triggering event of a triggered campaign; nil for scheduled ones.
	Event *Event
	// Occurrence identifies the campaign occurrence (event id, or scheduled local date/time).
	Occurrence string
	// Due is when the campaign wants the message sent: the event time plus the delay, or the
	// scheduled instant. The decision may move it later (sending window, send time).
	Due time.Time
	// Now is the time of the decision.
	Now time.Time
	// Policy holds the configuration's defaults.
	Policy Policy
	// Segment is the campaign's audience segment, resolved by the caller (nil when none).
	Segment *config.Segment
	// RewardsLeft says, per reward id, whether its budget still has room (missing means yes).
	// The budget itself is taken atomically at send time; this only avoids offering a reward
	// that is known to be exhausted.
	RewardsLeft map[string]bool
	// Base holds the customer base's medians for the reward policy (decide/reward.go); nil: unknown.
	Base *Base
}

// Policy is the part of rapport.yaml that decisions use.
type Policy struct {
	DefaultTimezone *time.Location
	DefaultLocale   string
	Window          config.Window
	PerCustomer     config.Limit
	SMS             config.Limit
	// DefaultRegion parses national phone numbers when the customer has no country.
	DefaultRegion string
}

// Decision is the outcome for one customer.
type Decision struct {
	// Eligible is false when nothing is to be sent; Skip then names the reason code.
	Eligible bool
	Skip     SkipReason
	// Holdout is true when the customer is in the control group (not sent, but counted).
	// Variant, Reward, Channel and SendAt are still decided, so the control group is
	// comparable. Skip is SkipHoldout when the customer would otherwise have been sent; when
	// a later step would have skipped them anyway (no channel, say), Skip names that step and
	// Holdout stays true: reports count as control only Holdout with Skip == SkipHoldout.
	Holdout bool
	Variant *config.Variant
	Reward  *config.Reward
	Channel string
	// Address is the normalised address on Channel: the email address, or the E.164 number.
	Address string
	// SendAt is when to deliver, in UTC.
	SendAt time.Time
	// Location is the customer's time zone used for the decision; Locale their language.
	Location *time.Location
	Locale   string
	Reasons  []string
}

// SkipReason is a stable code for why a customer gets nothing; used in metrics and run progress.
type SkipReason string

// Skip reasons.
const (
	SkipNone          SkipReason = ""
	SkipWhere         SkipReason = "trigger_where"
	SkipAudience      SkipReason = "audience"
	SkipSegment       SkipReason = "segment"
	SkipHoldout       SkipReason = "holdout"
	SkipNoVariant     SkipReason = "no_variant"
	SkipNoChannel     SkipReason = "no_channel"
	SkipFrequencyCap  SkipReason = "frequency_cap"
	SkipRepeat        SkipReason = "repeat"
	SkipConditionFail SkipReason = "condition_error"
)

// SkipInvalidInput means the input lacks a campaign or a customer; a caller bug, reported
// rather than panicking.
const SkipInvalidInput SkipReason = "invalid_input"
