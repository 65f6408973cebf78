package customers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// FeedbackKind is what a provider said about a message.
type FeedbackKind string

// Feedback kinds.
const (
	// FeedbackHardBounce: the address does not exist or refuses for good (a 5xx bounce, an
	// invalid number); the channel is stopped at once.
	FeedbackHardBounce FeedbackKind = "hard_bounce"
	// FeedbackSoftBounce: a temporary failure (mailbox full); the channel is stopped after
	// FeedbackOptions.SoftBounceLimit of them in a row.
	FeedbackSoftBounce FeedbackKind = "soft_bounce"
	// FeedbackComplaint: the recipient marked the message as spam; they are unsubscribed from
	// the channel, recorded in the consent history.
	FeedbackComplaint FeedbackKind = "complaint"
	// FeedbackDelivered: the message arrived (or was opened or clicked); it ends a run of
	// soft bounces.
	FeedbackDelivered FeedbackKind = "delivered"
)

// DefaultSoftBounceLimit is how many soft bounces in a row stop an address when
// email.soft_bounce_limit is not set.
const DefaultSoftBounceLimit = 3

// Feedback is one notification from a provider about a message to a customer.
type Feedback struct {
	// Source names the webhook ("email", "ses", "twilio"); with ID it identifies the
	// notification, so the same notification twice is applied once.
	Source string
	// ID is the provider's id of the notification (SNS MessageId, Twilio's SID and status...).
	ID       string
	Kind     FeedbackKind
	Channel  string // email | sms
	Customer string
	// Reason is kept with an undeliverable mark (the provider's diagnostic, truncated).
	Reason string
	At     time.Time
	// SoftBounceLimit overrides DefaultSoftBounceLimit when positive.
	SoftBounceLimit int
}

// FeedbackResult says what a notification did.
type FeedbackResult struct {
	// Duplicate: the notification was applied before; nothing changed.
	Duplicate bool
	// Stopped: the channel is now undeliverable or unsubscribed because of it.
	Stopped bool
	// SoftBounces is the run of soft bounces after it (soft bounces only).
	SoftBounces int64
}

// ApplyFeedback applies one delivery notification to its customer, at most once per
// (Source, ID): a hard bounce marks the channel undeliverable, a complaint unsubscribes it,
// a soft bounce counts and marks it undeliverable at the limit, a delivery resets the count.
// A notification is remembered before it is applied and forgotten again when applying it
// fails, so the provider's retry applies it then.
func (s *Store) ApplyFeedback(ctx context.Context, fb Feedback) (FeedbackResult, error) {
	if fb.ID == "" || fb.Source == "" || fb.Customer == "" || (fb.Channel != "email" && fb.Channel != "sms") {
		return FeedbackResult{}, fmt.Errorf("apply feedback: source, id, customer and channel email or sms are required")
	}
	if fb.At.IsZero() {
		fb.At = s.opts.Now()
	}
	key := feedbackKey(fb.Source, fb.ID)
	fresh, err := s.rdb.SetNX(ctx, key, "1", feedbackDedupeTTL).Result()
	if err != nil {
		return FeedbackResult{}, fmt.Errorf("apply %s feedback %s: %w", fb.Source, fb.ID, err)
	}
	if !fresh {
		return FeedbackResult{Duplicate: true}, nil
	}
	res, err := s.applyFeedback(ctx, fb)
	if err != nil {
		// Forget the notification so that the provider's retry applies it; with a bounded
		// context, since ctx may be what failed.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = s.rdb.Del(dctx, key).Err()
		return res, fmt.Errorf("apply %s feedback %s to customer %s: %w", fb.Source, fb.ID, fb.Customer, err)
	}
	return res, nil
}

func (s *Store) applyFeedback(ctx context.Context, fb Feedback) (FeedbackResult, error) {
	var res FeedbackResult
	bk := softBounceKey(fb.Customer)
	switch fb.Kind {
	case FeedbackDelivered:
		return res, s.rdb.HDel(ctx, bk, fb.Channel).Err()
	case FeedbackHardBounce:
		res.Stopped = true
		if err := s.MarkUndeliverable(ctx, fb.Customer, fb.Channel, "hard bounce: "+fb.Reason); err != nil {
			return res, err
		}
		return res, s.rdb.HDel(ctx, bk, fb.Channel).Err()
	case FeedbackComplaint:
		res.Stopped = true
		_, err := s.ChangeConsent(ctx, fb.Customer, ConsentChange{At: fb.At, Channel: fb.Channel, Action: ConsentOptOut, Source: SourceComplaint})
		return res, err
	case FeedbackSoftBounce:
		// The customer must exist: a counter for an erased customer would outlive them.
		if _, err := s.readExisting(ctx, "count soft bounce", fb.Customer); err != nil {
			return res, err
		}
		pipe := s.rdb.TxPipeline()
		n := pipe.HIncrBy(ctx, bk, fb.Channel, 1)
		pipe.PExpire(ctx, bk, softBounceTTL)
		if _, err := pipe.Exec(ctx); err != nil {
			return res, err
		}
		res.SoftBounces = n.Val()
		limit := fb.SoftBounceLimit
		if limit <= 0 {
			limit = DefaultSoftBounceLimit
		}
		if res.SoftBounces < int64(limit) {
			return res, nil
		}
		res.Stopped = true
		reason := strconv.FormatInt(res.SoftBounces, 10) + " soft bounces in a row"
		if fb.Reason != "" {
			reason += ": " + fb.Reason
		}
		return res, s.MarkUndeliverable(ctx, fb.Customer, fb.Channel, reason)
	}
	return res, fmt.Errorf("unknown feedback kind %q", fb.Kind)
}

// FindCustomer resolves the customer of a notification: by the message's provider id when
// it was remembered, else by the address (email or E.164 phone). ErrNotFound when neither
// is known.
func (s *Store) FindCustomer(ctx context.Context, providerID, channel, address string) (string, error) {
	if providerID != "" {
		id, err := s.CustomerByMessage(ctx, providerID)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return id, err
		}
	}
	if address == "" {
		return "", fmt.Errorf("find the customer of a notification: %w", ErrNotFound)
	}
	var p *Profile
	var err error
	if channel == "sms" {
		p, err = s.CustomerByPhone(ctx, address)
	} else {
		p, err = s.CustomerByEmail(ctx, address)
	}
	if err != nil {
		return "", err
	}
	return p.ID, nil
}
