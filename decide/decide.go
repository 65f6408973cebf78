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

	// The learning inputs (decide/learn.go, channel_best.go, optimize.go) are read by the
	// delivery code with the customer, in the same round trip; missing ones make the step
	// fall back to its rule without learning, and say so.

	// Variants are the campaign's lifetime stats per variant id, for select: learn. From
	// counts := results.Store.Lifetime(ctx, campaign), for each key k with k.Arm ==
	// results.Treatment and k.Variant != "", summed over channels: Sends += counts of
	// results.Sent, Conversions += results.Conversions, Clicks += results.Clicked. A variant
	// missing is a new one (no sends). Read it once per campaign and batch, not per customer:
	// a few seconds' staleness only delays learning by as many sends.
	Variants map[string]VariantStats
	// BaseEngagement is the whole base's engagement per channel over the same 180 days as
	// Customer.Engagement (received and engaged: messages opened or clicked), the prior of
	// channel_select: best. Missing: a uniform prior.
	BaseEngagement map[string]Rate
	// BaseHours is the whole base's opens and clicks by local hour (any scale: counts or
	// shares), the prior of send_time: optimize. All zero: no prior.
	BaseHours [24]float64
	// SMSText is the rendered SMS text when the caller has it, to count its segments for
	// the channel's cost; empty: the variant's inline template text is counted instead.
	SMSText string
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
	// EmailCostPerMessage and SMSCostPerSegment (email.cost_per_message,
	// sms.cost_per_segment) break ties of channel_select: best toward the cheaper channel.
	EmailCostPerMessage, SMSCostPerSegment float64
	ControlGroup                           float64 // share of customers held out of every non-transactional campaign (InControlGroup)
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
	// Fallback are the other channels with the variant's content that are open to the
	// customer (consent, not unsubscribed, paused or undeliverable, an address on file),
	// best first. On a permanent failure of Channel the delivery tries the first of them
	// once, by deciding again with Channel in Customer.Undeliverable: that decision checks
	// the address (phone parsing is too costly to do here for the rare failure) and the SMS
	// cap, and keeps the variant, whose draw is seeded.
	Fallback []string
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
