package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// Profiles is what delivery needs of the customer store.
type Profiles interface {
	Get(ctx context.Context, id string) (*customers.Profile, error)
	RecordSend(ctx context.Context, id string, send decide.Send) error
	MarkUndeliverable(ctx context.Context, id, channel, reason string) error
}

// Enqueuer puts tasks into asynq; *asynq.Client satisfies it.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Deliverer processes one send: decide, claim, grant the reward, render, deliver, record.
type Deliverer struct {
	Catalog  *CatalogRef
	Profiles Profiles
	Claims   *Claims
	Rewards  *rewards.Ledger
	Email    channels.EmailSender
	SMS      channels.SMSSender
	Links    *links.Signer
	Enqueue  Enqueuer
	Policy   decide.Policy
	// Predictor fills the customer's predictions before deciding; nil: none (no fit).
	Predictor Predictor
	// MessageDomain is the right-hand side of Message-IDs (the sender's domain).
	MessageDomain string
	// Now is the clock; tests inject one.
	Now func() time.Time
	Log *zap.Logger
	// Observe, when set, is called with every final outcome (the demo summary uses it).
	Observe func(p *SendPayload, out Outcome)
}

// Outcome says what became of one send.
type Outcome struct {
	State    string // sent, skipped, holdout, deferred, duplicate
	Reason   string // skip reason code
	Channel  string
	Variant  string
	SendAt   time.Time
	Provider string
	Reasons  []string
}

// providerTimeout bounds one provider call once it is detached from the task's context;
// providers have their own shorter timeouts (SMTP 30 s, SMS 10 s).
const providerTimeout = 60 * time.Second

// deferSlack is how far in the future a decided send time must be before the task is
// re-enqueued instead of sent now; below it, waiting costs more than it is worth.
const deferSlack = time.Second

// Deliver runs one send. A returned error means "retry later" (temporary provider failure,
// Redis unavailable, another worker holding the claim); everything final returns nil with the
// outcome written to Redis.
func (d *Deliverer) Deliver(ctx context.Context, p *SendPayload) (Outcome, error) {
	out, err := d.deliver(ctx, p)
	if err == nil && d.Observe != nil {
		d.Observe(p, out)
	}
	return out, err
}

func (d *Deliverer) deliver(ctx context.Context, p *SendPayload) (Outcome, error) {
	cat := d.Catalog.Load()
	camp := cat.Set.Campaign(p.Campaign)
	if camp == nil {
		d.Log.Warn("send for a campaign that no longer exists; dropped", zap.String("campaign", p.Campaign))
		return Outcome{State: stateSkipped, Reason: "campaign_removed"}, nil
	}
	prof, err := d.Profiles.Get(ctx, p.Customer)
	if errors.Is(err, customers.ErrNotFound) {
		return Outcome{State: stateSkipped, Reason: "customer_deleted"}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("send %s to customer %s: %w", camp.ID, p.Customer, err)
	}
	left, err := d.Rewards.Left(ctx, camp)
	if err != nil {
		return Outcome{}, err
	}
	return d.deliverTo(ctx, cat, camp, p, prof, left)
}

// deliverTo is deliver for a loaded profile: the batch handler reads a whole page of profiles
// in one pipeline and the reward budgets once, then calls it per customer.
func (d *Deliverer) deliverTo(ctx context.Context, cat *Catalog, camp *config.Campaign, p *SendPayload, prof *customers.Profile, left map[string]bool) (Outcome, error) {
	c, out, err := d.prepare(ctx, cat, camp, p, prof, left)
	if c == nil {
		return out, err
	}
	ok, prior, err := d.Claims.Take(ctx, c.key, c.token)
	return d.deliverTaken(ctx, cat, c, ok, prior, err, nil)
}

// claimable is a delivery decided and ready to be claimed.
type claimable struct {
	in         decide.Input
	dec        decide.Decision
	key, token string
	ttl        time.Duration
	read       *customers.Profile // as the batch read it, to record the send on
}

// prepare decides a delivery. A customer who gets nothing now (skipped, held out, deferred)
// is recorded and returned as an outcome with a nil claimable; otherwise the claim to take.
func (d *Deliverer) prepare(ctx context.Context, cat *Catalog, camp *config.Campaign, p *SendPayload, prof *customers.Profile, left map[string]bool) (*claimable, Outcome, error) {
	if err := fillPredictions(ctx, d.Predictor, prof, d.Now()); err != nil {
		return nil, Outcome{}, fmt.Errorf("send %s: %w", camp.ID, err)
	}
	in := decide.Input{
		Campaign: camp, Customer: &prof.Customer, Event: eventOf(p), Occurrence: p.Occurrence,
		Due: p.Due, Now: d.Now(), Policy: d.Policy, Segment: cat.Segment(camp), RewardsLeft: left,
	}
	dec := decide.Decide(in)
	if !dec.Eligible {
		out, err := d.recordNotSent(ctx, camp, p, dec)
		return nil, out, err
	}
	if dec.SendAt.After(in.Now.Add(deferSlack)) {
		out, err := d.deferTo(ctx, camp, p, dec)
		return nil, out, err
	}
	claimOcc, ttl := occurrenceFor(camp, p.Occurrence, p.Due, dec.Location)
	return &claimable{in: in, dec: dec, key: deliveryKey(p.Customer, camp.ID, claimOcc), token: newToken(), ttl: ttl, read: prof}, Outcome{}, nil
}

// deliverTaken goes on after the claim was tried (Claims.Take's answer): it sends under the
// claim, or reports the outcome that someone else recorded. rec, when not nil, records the
// sends of a batch a group at a time.
func (d *Deliverer) deliverTaken(ctx context.Context, cat *Catalog, c *claimable, ok bool, prior string, err error, rec *sendRecorder) (Outcome, error) {
	if err != nil {
		return Outcome{}, err
	}
	if !ok {
		sendsTotal.WithLabelValues(c.in.Campaign.ID, "", "duplicate").Inc()
		return Outcome{State: "duplicate", Reason: prior}, nil
	}
	out, err := d.deliverClaimed(ctx, cat, c.in, c.dec, c.key, c.token, c.ttl, rec, c.read)
	if err != nil {
		// Nothing went out: free the claim so the retry can send.
		if rerr := d.Claims.Release(context.WithoutCancel(ctx), c.key, c.token); rerr != nil {
			d.Log.Error("release claim", zap.Error(rerr))
		}
		return out, err
	}
	return out, nil
}

// deliverClaimed sends under a held claim, falling through the allowed channels when one fails
// permanently (hard bounce, invalid number).
func (d *Deliverer) deliverClaimed(ctx context.Context, cat *Catalog, in decide.Input, dec decide.Decision, key, token string, ttl time.Duration, rec *sendRecorder, read *customers.Profile) (Outcome, error) {
	camp, c := in.Campaign, in.Customer
	var grant *rewards.Grant
	for attempt := 0; attempt <= len(camp.Channels); attempt++ {
		if dec.Reward != nil && (grant == nil || grant.ID != dec.Reward.ID) {
			g, err := d.Rewards.Grant(ctx, camp.ID, dec.Reward, c.ID, in.Occurrence, in.Now)
			if errors.Is(err, rewards.ErrExhausted) {
				in.RewardsLeft = withExhausted(in.RewardsLeft, dec.Reward.ID)
				dec = decide.Decide(in)
				if !dec.Eligible {
					break
				}
				continue
			}
			if err != nil {
				return Outcome{}, err
			}
			grant = g
		}
		receipt, err := d.send(ctx, cat, in, dec, grant, key)
		if err == nil {
			return d.recordSent(ctx, in, dec, grant, key, token, ttl, receipt, rec, read)
		}
		if errors.Is(err, channels.ErrOutcomeUnknown) {
			// The provider may have the message (the connection broke after DATA). A retry
			// could deliver it twice, so the claim is settled as unknown: never resent,
			// counted and logged for the operator.
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "outcome_unknown").Inc()
			d.Log.Error("delivery outcome unknown; not resent", zap.String("campaign", camp.ID),
				zap.String("customer", c.ID), zap.String("channel", dec.Channel), zap.Error(err))
			value := stateUnknown + "|" + dec.Channel + "|" + dec.Variant.ID + "|" + fmt.Sprint(d.Now().Unix())
			if ferr := d.Claims.Finish(context.WithoutCancel(ctx), key, token, value, ttl); ferr != nil {
				return Outcome{}, ferr
			}
			return Outcome{State: stateUnknown, Channel: dec.Channel, Variant: dec.Variant.ID, Reasons: dec.Reasons}, nil
		}
		if channels.IsConfig(err) {
			// Our side is wrong (credentials, a template that does not render): the address is
			// fine, so nothing is marked, and the task retries with backoff until an operator
			// fixes the configuration and reloads.
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "config_error").Inc()
			d.Log.Error("delivery failed on configuration; will retry", zap.String("campaign", camp.ID),
				zap.String("channel", dec.Channel), zap.Error(err))
			return Outcome{}, fmt.Errorf("send %s to customer %s by %s: %w", camp.ID, c.ID, dec.Channel, err)
		}
		if !channels.IsPermanent(err) {
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "temporary_failure").Inc()
			return Outcome{}, fmt.Errorf("send %s to customer %s by %s: %w", camp.ID, c.ID, dec.Channel, err)
		}
		sendsTotal.WithLabelValues(camp.ID, dec.Channel, "permanent_failure").Inc()
		d.Log.Warn("permanent delivery failure; address marked undeliverable",
			zap.String("campaign", camp.ID), zap.String("customer", c.ID), zap.String("channel", dec.Channel), zap.Error(err))
		if merr := d.Profiles.MarkUndeliverable(ctx, c.ID, dec.Channel, err.Error()); merr != nil {
			return Outcome{}, merr
		}
		if c.Undeliverable == nil {
			c.Undeliverable = map[string]string{}
		}
		c.Undeliverable[dec.Channel] = err.Error()
		dec = decide.Decide(in)
		if !dec.Eligible {
			break
		}
	}
	if grant != nil {
		if err := d.Rewards.Refund(ctx, camp.ID, dec.Reward, c.ID, in.Occurrence); err != nil {
			d.Log.Error("refund reward", zap.Error(err))
		}
	}
	reason := string(dec.Skip)
	if reason == "" {
		reason = "undeliverable"
	}
	value := stateSkipped + "|" + reason + "|" + strings.Join(dec.Reasons, "; ")
	if err := d.Claims.Finish(ctx, key, token, value, ttl); err != nil {
		return Outcome{}, err
	}
	skipsTotal.WithLabelValues(camp.ID, reason).Inc()
	return Outcome{State: stateSkipped, Reason: reason, Reasons: dec.Reasons}, nil
}

// send renders the message for the decided channel and hands it to the provider.
func (d *Deliverer) send(ctx context.Context, cat *Catalog, in decide.Input, dec decide.Decision, grant *rewards.Grant, key string) (channels.Receipt, error) {
	data := d.templateData(in, dec, grant)
	msg, err := cat.Templates.Render(dec.Variant, dec.Channel, dec.Locale, dec.Location, data)
	if err != nil {
		// A template that fails at send time is a configuration error that lint should have
		// caught; it is retried, so a fixed template (after a reload) still reaches the customer.
		return channels.Receipt{}, fmt.Errorf("render %s/%s: %w: %w", in.Campaign.ID, dec.Variant.ID, err, channels.ErrConfig)
	}
	start := time.Now()
	defer func() { sendSeconds.WithLabelValues(dec.Channel).Observe(time.Since(start).Seconds()) }()
	// The provider call is not cancelled with the task: on shutdown asynq cancels handlers,
	// and a message cut mid-DATA may be accepted anyway while its claim is released, so the
	// retry would send it twice. The call keeps its own deadline, well below the claim lease.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), providerTimeout)
	defer cancel()
	switch dec.Channel {
	case "email":
		return d.Email.SendEmail(ctx, &channels.Email{
			To: dec.Address, ToName: strings.TrimSpace(in.Customer.FirstName + " " + in.Customer.LastName),
			Subject: msg.Subject, HTML: msg.HTML, Text: msg.Text,
			MessageID:       messageID(key, d.MessageDomain),
			ListUnsubscribe: data.Links.Unsubscribe,
			Headers:         map[string]string{"X-Rapport-Campaign": in.Campaign.ID},
		})
	case "sms":
		return d.SMS.SendSMS(ctx, &channels.SMS{To: dec.Address, Text: msg.SMS, Key: shortHash(key)})
	}
	return channels.Receipt{}, fmt.Errorf("unknown channel %q: %w", dec.Channel, channels.ErrConfig)
}

func (d *Deliverer) templateData(in decide.Input, dec decide.Decision, grant *rewards.Grant) *templates.Data {
	data := &templates.Data{
		Customer: templates.NewCustomerData(in.Customer),
		Campaign: templates.CampaignData{ID: in.Campaign.ID, Name: in.Campaign.Name},
		Links:    templates.Links{Unsubscribe: d.Links.Unsubscribe(in.Customer.ID, in.Campaign.ID, dec.Channel)},
		Now:      in.Now,
	}
	if in.Event != nil {
		data.Event = in.Event.Properties
	}
	if grant != nil {
		data.Reward = &templates.RewardData{ID: grant.ID, Kind: grant.Kind, Value: grant.Value, Code: grant.Code, Text: grant.Text, ExpiresAt: grant.ExpiresAt}
	}
	return data
}

func (d *Deliverer) recordSent(ctx context.Context, in decide.Input, dec decide.Decision, grant *rewards.Grant, key, token string, ttl time.Duration, r channels.Receipt, rec *sendRecorder, read *customers.Profile) (Outcome, error) {
	now := d.Now()
	// An SMTP server that names no queue id leaves our own Message-ID as the provider id. It
	// is derived from the delivery key (messageID), so it is not stored again: at a million
	// customers its ~40 bytes, in the delivery record and in the profile's recent sends, cost
	// about 70 MB of Redis per occurrence.
	provider := r.ProviderID
	if provider == messageID(key, d.MessageDomain) {
		provider = ""
	}
	value := fmt.Sprintf("%s|%s|%s|%s|%d", stateSent, dec.Channel, dec.Variant.ID, provider, now.Unix())
	// The message is out: from here on nothing may make the task retry and send it again, so
	// failures to record are logged, not returned.
	wctx := context.WithoutCancel(ctx)
	send := decide.Send{Campaign: in.Campaign.ID, Occurrence: in.Occurrence, Variant: dec.Variant.ID,
		Channel: dec.Channel, At: now.UTC(), ProviderID: provider}
	if grant != nil {
		send.Reward = grant.ID
	}
	if rec == nil {
		// A single delivery is a group of one: its outcome and send are still written in one
		// Lua call.
		rec = &sendRecorder{d: d}
	}
	rec.record(wctx, &sentRecord{key: key, token: token, value: value, ttl: ttl, customer: in.Customer.ID, send: send, read: read})
	sendsTotal.WithLabelValues(in.Campaign.ID, dec.Channel, stateSent).Inc()
	d.Log.Info("sent", zap.String("campaign", in.Campaign.ID), zap.String("customer", in.Customer.ID),
		zap.String("variant", dec.Variant.ID), zap.String("channel", dec.Channel), zap.String("provider_id", r.ProviderID))
	return Outcome{State: stateSent, Channel: dec.Channel, Variant: dec.Variant.ID, SendAt: now, Provider: r.ProviderID, Reasons: dec.Reasons}, nil
}

// recordNotSent writes why a customer got nothing. Skips are recorded per occurrence (not on
// the repeat claim), so a customer skipped today can still receive a "once" campaign later;
// holdouts take the repeat claim, so the control group stays out.
func (d *Deliverer) recordNotSent(ctx context.Context, camp *config.Campaign, p *SendPayload, dec decide.Decision) (Outcome, error) {
	state, key, ttl := stateSkipped, deliveryKey(p.Customer, camp.ID, p.Occurrence), recordTTL(camp)
	if dec.Holdout {
		state = stateHoldout
		var occ string
		occ, ttl = occurrenceFor(camp, p.Occurrence, p.Due, dec.Location)
		key = deliveryKey(p.Customer, camp.ID, occ)
	}
	value := state + "|" + string(dec.Skip) + "|" + strings.Join(dec.Reasons, "; ")
	if err := d.Claims.rdb.SetArgs(ctx, key, value, redisSetNX(ttl)).Err(); err != nil && !isRedisNil(err) {
		return Outcome{}, fmt.Errorf("record skip of %s for customer %s: %w", camp.ID, p.Customer, err)
	}
	skipsTotal.WithLabelValues(camp.ID, string(dec.Skip)).Inc()
	return Outcome{State: state, Reason: string(dec.Skip), Reasons: dec.Reasons}, nil
}

// deferTo re-enqueues the send for the decided time (window opening, frequency cap).
func (d *Deliverer) deferTo(ctx context.Context, camp *config.Campaign, p *SendPayload, dec decide.Decision) (Outcome, error) {
	body, err := p.marshal()
	if err != nil {
		return Outcome{}, err
	}
	task := asynq.NewTask(TypeSend, body)
	_, err = d.Enqueue.EnqueueContext(ctx, task,
		asynq.TaskID(deferredTaskID(camp.ID, p.Customer, p.Occurrence, dec.SendAt)),
		asynq.ProcessAt(dec.SendAt), asynq.Queue(queueFor(camp)), asynq.MaxRetry(maxRetry))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return Outcome{}, fmt.Errorf("defer %s for customer %s to %s: %w", camp.ID, p.Customer, dec.SendAt, err)
	}
	deferredTotal.WithLabelValues(camp.ID).Inc()
	return Outcome{State: "deferred", SendAt: dec.SendAt, Channel: dec.Channel, Variant: dec.Variant.ID, Reasons: dec.Reasons}, nil
}

func eventOf(p *SendPayload) *decide.Event {
	if p.Event == nil {
		return nil
	}
	return &decide.Event{ID: p.Event.ID, Name: p.Event.Name, Properties: p.Event.Properties, Timestamp: p.Event.Timestamp}
}

func withExhausted(m map[string]bool, id string) map[string]bool {
	out := map[string]bool{id: false}
	for k, v := range m {
		if k != id {
			out[k] = v
		}
	}
	return out
}

// messageID derives the Message-ID from the delivery key, so a retried delivery carries the
// same id and receivers that deduplicate on it see one message.
func messageID(key, domain string) string {
	if domain == "" {
		domain = "rapport.local"
	}
	return "rapport." + shortHash(key) + "@" + domain
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
