package api

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/results"
)

// ResultCounter counts what feedback says about a campaign (results.Store): deliveries,
// bounces, complaints, first human opens and clicks, unsubscribes. Server.Results; nil counts
// nothing.
type ResultCounter interface {
	Add(ctx context.Context, events ...results.Event) error
}

// RecentSends finds the send a notification without a message id is about (customers.Store):
// the unsubscribe link names the campaign, an inbound STOP nothing.
type RecentSends interface {
	RecentSend(ctx context.Context, id, campaign, channel string) (decide.Send, bool, error)
}

// stopAttribution is how recent the last message on a channel must be for a channel-wide
// opt-out (STOP) to count against its campaign.
const stopAttribution = 30 * 24 * time.Hour

// countTimeout bounds the counters' round trip: the notification is already applied.
const countTimeout = 2 * time.Second

// count adds one event of metric for a campaign's send; nothing without a campaign (a
// notification found by address only) or without a counter. Each caller counts only what it
// applied for the first time (a fresh notification, a first human hit, a consent change),
// which is what makes a replayed webhook count once. A failed count is logged, not retried:
// the notification is applied and a provider's retry would be a duplicate, so retrying it
// cannot help; the counter is one low.
func (s *Server) count(ctx context.Context, m results.Metric, campaign, variant, channel string) {
	if s.Results == nil || campaign == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), countTimeout)
	defer cancel()
	ev := results.Event{Campaign: campaign, Variant: variant, Channel: channel, Arm: results.Treatment, Metric: m, At: s.Now()}
	if err := s.Results.Add(ctx, ev); err != nil {
		s.Log.Error("count campaign result", zap.String("campaign", campaign), zap.String("metric", string(m)), zap.Error(err))
	}
}

// feedbackMetric is the counter of a provider's notification.
func feedbackMetric(k customers.FeedbackKind) results.Metric {
	switch k {
	case customers.FeedbackHardBounce, customers.FeedbackSoftBounce:
		return results.Bounced
	case customers.FeedbackComplaint:
		return results.Complained
	}
	return results.Delivered
}

// countFeedback counts an applied notification for the send it is about.
func (s *Server) countFeedback(ctx context.Context, ref customers.SendRef, fb customers.Feedback, res customers.FeedbackResult) {
	if res.Duplicate {
		return
	}
	s.count(ctx, feedbackMetric(fb.Kind), ref.Campaign, ref.Variant, fb.Channel)
}

// countUnsubscribe counts an opt-out for the campaign of the message it came from: the
// campaign the link names, or for a channel-wide STOP the customer's latest message on the
// channel; the variant is that of the customer's latest send of the campaign.
func (s *Server) countUnsubscribe(ctx context.Context, customer, campaign, channel string) {
	rs, ok := s.Customers.(RecentSends)
	if s.Results == nil || !ok {
		return
	}
	sd, found, err := rs.RecentSend(ctx, customer, campaign, channel)
	if err != nil {
		s.Log.Warn("find the send of an unsubscribe", zap.Error(err))
	}
	if found && campaign == "" && s.Now().Sub(sd.At) > stopAttribution {
		return // a STOP long after the last message is about no campaign in particular
	}
	if found {
		campaign = sd.Campaign
	}
	s.count(ctx, results.Unsubscribed, campaign, sd.Variant, channel)
}
