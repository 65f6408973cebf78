// Package delivery is the one path from a decision to a sent message: it decides (decide),
// claims the delivery in Redis, grants the reward, renders (templates), hands the message to a
// channel (channels) and records the outcome. It is the only code that writes delivery
// records. Triggered sends (Deliverer.Deliver) and scheduled batches (Deliverer.DeliverMany)
// share every step; preview and simulate (jobs/dryrun) call the same decision and rendering.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/channels"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/results"
	"github.com/rapporthq/rapport/rewards"
	"github.com/rapporthq/rapport/templates"
)

// Profiles is what delivery needs of the customer store.
type Profiles interface {
	Get(ctx context.Context, id string) (*customers.Profile, error)
	GetMany(ctx context.Context, ids []string) ([]*customers.Profile, error)
	RecordSend(ctx context.Context, id string, send decide.Send) error
	MarkUndeliverable(ctx context.Context, id, channel, reason string) error
}

// Links makes the links a message carries (links.Signer).
type Links interface {
	Unsubscribe(customer, campaign, channel string) string
}

// Config is what a Deliverer is built from. Catalog, Profiles, Claims, Rewards, Email, SMS,
// Links and Enqueue are required.
type Config struct {
	Catalog  *CatalogRef
	Profiles Profiles
	Claims   *Claims
	Rewards  *rewards.Ledger
	Email    channels.EmailSender
	SMS      channels.SMSSender
	Links    Links
	Enqueue  tasks.Enqueuer
	Policy   decide.Policy
	// Predictor fills the customer's predictions before deciding; nil: none (no fit).
	Predictor Predictor
	// MessageDomain is the right-hand side of Message-IDs (the sender's domain). Default
	// rapport.local.
	MessageDomain string
	// Now is the clock; tests and the demo's player inject one. Default time.Now.
	Now func() time.Time
	// Log defaults to a no-op logger.
	Log *zap.Logger
	// Observe, when set, is called with every final outcome (the demo's summary uses it).
	Observe func(p *tasks.SendPayload, out Outcome)
	// Signals, when set, receives every finished delivery (tests); nil in production.
	Signals *Signals
	// Parallel is how many sends of a DeliverMany run at once. Default 8.
	Parallel int
	// Sender is who sends (email.from, email.sender_address), shown in every footer.
	Sender templates.Sender
	// ShopURL is shop_url, the shop's home page ({{.Links.Shop}}).
	ShopURL string
	// Tracking tracks opens and clicks (tracking.go); nil: none.
	Tracking *Tracking
	// Variants and Base feed the learned choices (learning.go); nil: the rules without
	// learning, as the decisions' reasons then say.
	Variants VariantReader
	Base     BaseReader
	// Pauses says which campaigns are paused (pause.go, campaignstate.Store); nil: none ever is.
	Pauses Pauses
	// Results counts decisions and sends per campaign and records touches (results.go); nil: none.
	Results *results.Store
}

// Deliverer processes sends: decide, claim, grant the reward, render, deliver, record. It is
// immutable once built (New) and safe for concurrent use.
type Deliverer struct {
	cfg Config
	// rec writes down the sends of every DeliverMany and Deliver in flight, so that their
	// records share round trips (sendRecorder).
	rec *sendRecorder
}

// New checks cfg, fills its defaults and returns a Deliverer.
func New(cfg Config) (*Deliverer, error) {
	var missing []string
	for name, ok := range map[string]bool{"Catalog": cfg.Catalog != nil, "Profiles": cfg.Profiles != nil,
		"Claims": cfg.Claims != nil, "Rewards": cfg.Rewards != nil, "Email": cfg.Email != nil, "SMS": cfg.SMS != nil,
		"Links": cfg.Links != nil, "Enqueue": cfg.Enqueue != nil} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("delivery: %s required", strings.Join(missing, ", "))
	}
	if err := checkTracking(cfg.Tracking); err != nil {
		return nil, err
	}
	if cfg.MessageDomain == "" {
		cfg.MessageDomain = "rapport.local"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	if cfg.Policy.DefaultTimezone == nil {
		cfg.Policy.DefaultTimezone = time.UTC
	}
	d := &Deliverer{cfg: cfg}
	d.rec = &sendRecorder{d: d}
	return d, nil
}

// Config returns the configuration the Deliverer was built with (defaults filled): the
// demo's player builds its own Deliverer from it with another clock and queue.
func (d *Deliverer) Config() Config { return d.cfg }

// Catalog returns the current catalog.
func (d *Deliverer) Catalog() *Catalog { return d.cfg.Catalog.Load() }

// Policy is the decision policy of rapport.yaml.
func (d *Deliverer) Policy() decide.Policy { return d.cfg.Policy }

// Predictor returns the predictor, nil when predictions are not wired.
func (d *Deliverer) Predictor() Predictor { return d.cfg.Predictor }

// Outcome says what became of one send.
type Outcome struct {
	State    State
	Reason   string // skip reason code
	Channel  string
	Variant  string
	SendAt   time.Time
	Provider string
	Reasons  []string
	// Prior is the record another attempt wrote (StateDuplicate).
	Prior Record
}

// providerTimeout bounds one provider call once it is detached from the task's context;
// providers have their own shorter timeouts (SMTP 30 s, SMS 10 s).
const providerTimeout = 60 * time.Second

// deferSlack is how far in the future a decided send time must be before the task is
// re-enqueued instead of sent now; below it, waiting costs more than it is worth.
const deferSlack = time.Second

// ProcessTask handles TypeSend (asynq.Handler).
func (d *Deliverer) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.UnmarshalSend(t.Payload())
	if err != nil {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	_, err = d.Deliver(ctx, p)
	return err
}

// Deliver runs one send. A returned error means "retry later" (temporary provider failure,
// Redis unavailable, another worker holding the claim); everything final returns nil with the
// outcome written to Redis.
func (d *Deliverer) Deliver(ctx context.Context, p *tasks.SendPayload) (Outcome, error) {
	out, err := d.deliver(ctx, p)
	if err == nil && d.cfg.Observe != nil {
		d.cfg.Observe(p, out)
	}
	d.cfg.Signals.done(p, out, err)
	return out, err
}

func (d *Deliverer) deliver(ctx context.Context, p *tasks.SendPayload) (Outcome, error) {
	cat := d.Catalog()
	camp := cat.Set.Campaign(p.Campaign)
	if camp == nil {
		d.cfg.Log.Warn("send for a campaign that no longer exists; dropped", zap.String("campaign", p.Campaign))
		return Outcome{State: StateSkipped, Reason: "campaign_removed"}, nil
	}
	if out, stop, err := d.skipIfPaused(ctx, camp, p); stop {
		return out, err
	}
	prof, err := d.cfg.Profiles.Get(ctx, p.Customer)
	if errors.Is(err, customers.ErrNotFound) {
		return Outcome{State: StateSkipped, Reason: "customer_deleted"}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("send %s to customer %s: %w", camp.ID, p.Customer, err)
	}
	left, err := d.cfg.Rewards.Left(ctx, camp)
	if err != nil {
		return Outcome{}, err
	}
	c, out, err := d.prepare(ctx, cat, camp, p, prof, left, nil)
	if c == nil {
		return out, err
	}
	ok, prior, err := d.cfg.Claims.TakeReading(ctx, c.key, c.token, d.readPoints(ctx, c))
	return d.deliverTaken(ctx, cat, c, ok, prior, err)
}

// claimable is a delivery decided and ready to be claimed.
type claimable struct {
	in         decide.Input
	dec        decide.Decision
	key, token string
	ttl        time.Duration
	read       *customers.Profile // as read before deciding, to record the send on
	// points is the customer's points balance, read with the claim (points.go).
	points func() (int64, error)
}

// Input builds the decision input of a send for a loaded profile, as the worker decides it;
// preview and simulate use it so that what they show is what is sent.
func (d *Deliverer) Input(cat *Catalog, camp *config.Campaign, p *tasks.SendPayload, prof *customers.Profile, left map[string]bool, now time.Time) decide.Input {
	return decide.Input{
		Campaign: camp, Customer: &prof.Customer, Event: eventOf(p), Occurrence: p.Occurrence,
		Due: p.Due, Now: now, Policy: d.cfg.Policy, Segment: cat.Segment(camp), RewardsLeft: left,
	}
}

// prepare decides a delivery. A customer who gets nothing now (skipped, held out, deferred)
// is recorded and returned as an outcome with a nil claimable; otherwise the claim to take.
// counts, when set, gathers the results of a customer who gets nothing (DeliverMany).
func (d *Deliverer) prepare(ctx context.Context, cat *Catalog, camp *config.Campaign, p *tasks.SendPayload, prof *customers.Profile, left map[string]bool, counts *resultsBatch) (*claimable, Outcome, error) {
	now := d.cfg.Now()
	if err := FillPredictions(ctx, d.cfg.Predictor, prof, now); err != nil {
		return nil, Outcome{}, fmt.Errorf("send %s: %w", camp.ID, err)
	}
	in := d.Input(cat, camp, p, prof, left, now)
	if err := d.FillLearning(ctx, &in); err != nil {
		return nil, Outcome{}, fmt.Errorf("send %s: %w", camp.ID, err)
	}
	dec := decide.Decide(in)
	if !dec.Eligible {
		out, err := d.recordNotSent(ctx, camp, p, dec, counts)
		return nil, out, err
	}
	if dec.SendAt.After(in.Now.Add(deferSlack)) {
		out, err := d.deferTo(ctx, camp, p, dec)
		return nil, out, err
	}
	claimOcc, ttl := occurrenceFor(camp, p.Occurrence, p.Due, dec.Location)
	return &claimable{in: in, dec: dec, key: deliveryKey(p.Customer, camp.ID, claimOcc), token: d.cfg.Claims.sendingToken(), ttl: ttl, read: prof}, Outcome{}, nil
}

// deliverTaken goes on after the claim was tried (Claims.Take's answer): it sends under the
// claim, or reports the outcome that someone else recorded.
func (d *Deliverer) deliverTaken(ctx context.Context, cat *Catalog, c *claimable, ok bool, prior string, err error) (Outcome, error) {
	if errors.Is(err, errOwnerLost) {
		return d.settleLost(ctx, c, prior)
	}
	if err != nil {
		return Outcome{}, err
	}
	if !ok {
		sendsTotal.WithLabelValues(c.in.Campaign.ID, "", string(StateDuplicate)).Inc()
		rec, derr := DecodeRecord(prior)
		if derr != nil {
			d.cfg.Log.Warn("unreadable delivery record", zap.String("key", c.key), zap.Error(derr))
		}
		return Outcome{State: StateDuplicate, Reason: string(rec.State), Prior: rec}, nil
	}
	out, err := d.deliverClaimed(ctx, cat, c)
	if err != nil {
		// Nothing went out: free the claim so the retry can send.
		if rerr := d.cfg.Claims.Release(context.WithoutCancel(ctx), c.key, c.token); rerr != nil {
			d.cfg.Log.Error("release claim", zap.Error(rerr))
		}
		return out, err
	}
	return out, nil
}

// settleLost records as unknown the sending claim of a worker that died (errOwnerLost): the
// provider may have the message, so it is not sent again (see sendingClaimTTL).
func (d *Deliverer) settleLost(ctx context.Context, c *claimable, prior string) (Outcome, error) {
	camp := c.in.Campaign
	rec := d.record(StateUnknown, c.in, c.dec, nil, 0)
	rec.Reason = "worker_lost"
	if err := d.cfg.Claims.settleLost(context.WithoutCancel(ctx), c.key, prior, rec, c.ttl); err != nil {
		return Outcome{}, err
	}
	sendsTotal.WithLabelValues(camp.ID, c.dec.Channel, "outcome_unknown").Inc()
	d.cfg.Log.Error("delivery outcome unknown: its worker died while it may have been sending; not resent",
		zap.String("campaign", camp.ID), zap.String("customer", c.in.Customer.ID), zap.String("key", c.key))
	return Outcome{State: StateUnknown, Reason: rec.Reason, Channel: c.dec.Channel, Variant: rec.Variant, Reasons: c.dec.Reasons}, nil
}

// granted is a reward granted for a delivery: the grant and the reward it was taken from, so
// that a refund returns exactly what was spent.
type granted struct {
	grant  *rewards.Grant
	reward *config.Reward
}

// deliverClaimed sends under a held claim. Two things can make it decide again, each with its
// own bound: a reward whose budget ran out between the decision and the grant (at most once per
// reward of the campaign), and a permanent failure of a channel (the next allowed channel is
// tried, at most once per channel). A deliverable customer is never recorded undeliverable
// because rewards ran out, nor the other way round.
func (d *Deliverer) deliverClaimed(ctx context.Context, cat *Catalog, c *claimable) (Outcome, error) {
	in, dec := c.in, c.dec
	camp, cust := in.Campaign, in.Customer
	var g granted
	refund := func() {
		if g.grant == nil {
			return
		}
		if err := d.cfg.Rewards.RefundIn(context.WithoutCancel(ctx), camp, g.reward, cust.ID, in.Occurrence); err != nil {
			d.cfg.Log.Error("refund reward", zap.String("campaign", camp.ID), zap.String("reward", g.reward.ID), zap.Error(err))
		}
		g = granted{}
	}
	points, err := d.pointsOf(ctx, c)
	if err != nil {
		return Outcome{}, err
	}
	exhausted, fallbacks := 0, 0
	var refused []string // why each channel failed for good, for the record
	for dec.Eligible {
		if r := dec.Reward; r != nil && (g.grant == nil || g.grant.ID != r.ID) {
			refund() // a new decision picked another reward: return the previous one
			gr, err := d.cfg.Rewards.GrantIn(ctx, camp, r, cust.ID, in.Occurrence, in.Now)
			if errors.Is(err, rewards.ErrExhausted) {
				if exhausted++; exhausted > len(camp.Rewards) {
					return Outcome{}, fmt.Errorf("send %s to customer %s: rewards keep running out: %w", camp.ID, cust.ID, err)
				}
				in.RewardsLeft = withExhausted(in.RewardsLeft, r.ID)
				dec = withRefused(decide.Decide(in), refused)
				continue
			}
			if err != nil {
				return Outcome{}, err
			}
			g = granted{grant: gr, reward: r}
		} else if r == nil {
			refund()
		}
		receipt, err := d.send(ctx, cat, in, dec, g.grant, c.key, points)
		if err == nil {
			return d.recordSent(ctx, c, in, dec, g.grant, fallbacks, receipt), nil
		}
		if errors.Is(err, channels.ErrOutcomeUnknown) {
			// The provider may have the message (the connection broke after the transaction
			// started). A retry could deliver it twice, so the claim is settled as unknown:
			// never resent automatically, counted and logged for the operator (rapport
			// deliveries --state outcome_unknown). The reward stays granted: it may be out.
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "outcome_unknown").Inc()
			d.cfg.Log.Error("delivery outcome unknown; not resent", zap.String("campaign", camp.ID),
				zap.String("customer", cust.ID), zap.String("channel", dec.Channel), zap.Error(err))
			rec := d.record(StateUnknown, in, dec, g.grant, fallbacks)
			if ferr := d.cfg.Claims.Finish(context.WithoutCancel(ctx), c.key, c.token, rec, c.ttl); ferr != nil {
				return Outcome{}, ferr
			}
			return Outcome{State: StateUnknown, Channel: dec.Channel, Variant: dec.Variant.ID, Reasons: dec.Reasons}, nil
		}
		if channels.IsConfig(err) {
			// Our side is wrong (credentials, a template that does not render): the address is
			// fine, so nothing is marked, and the task retries with backoff until an operator
			// fixes the configuration and reloads. The reward goes back until then.
			refund()
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "config_error").Inc()
			d.cfg.Log.Error("delivery failed on configuration; will retry", zap.String("campaign", camp.ID),
				zap.String("channel", dec.Channel), zap.Error(err))
			return Outcome{}, fmt.Errorf("send %s to customer %s by %s: %w", camp.ID, cust.ID, dec.Channel, err)
		}
		if channels.IsContentRefused(err) {
			// The server refused this message's content (too long a line, a policy on the
			// body): the address is fine and the same message would be refused again, so it
			// is neither marked nor retried nor sent by another channel.
			refund()
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "content_refused").Inc()
			d.cfg.Log.Warn("message content refused; not retried", zap.String("campaign", camp.ID),
				zap.String("channel", dec.Channel), zap.Error(err))
			rec := d.record(StateSkipped, in, dec, nil, fallbacks)
			rec.Reason = "content_refused"
			rec.Reasons = append(rec.Reasons, "refused by the provider: "+err.Error())
			if ferr := d.cfg.Claims.Finish(context.WithoutCancel(ctx), c.key, c.token, rec, c.ttl); ferr != nil {
				return Outcome{}, ferr
			}
			skipsTotal.WithLabelValues(camp.ID, "content_refused").Inc()
			return Outcome{State: StateSkipped, Reason: "content_refused", Reasons: rec.Reasons}, nil
		}
		if !channels.IsPermanent(err) {
			refund()
			sendsTotal.WithLabelValues(camp.ID, dec.Channel, "temporary_failure").Inc()
			return Outcome{}, fmt.Errorf("send %s to customer %s by %s: %w", camp.ID, cust.ID, dec.Channel, err)
		}
		sendsTotal.WithLabelValues(camp.ID, dec.Channel, "permanent_failure").Inc()
		d.cfg.Log.Warn("permanent delivery failure; address marked undeliverable",
			zap.String("campaign", camp.ID), zap.String("customer", cust.ID), zap.String("channel", dec.Channel), zap.Error(err))
		if merr := d.cfg.Profiles.MarkUndeliverable(ctx, cust.ID, dec.Channel, err.Error()); merr != nil {
			refund()
			return Outcome{}, merr
		}
		if cust.Undeliverable == nil {
			cust.Undeliverable = map[string]string{}
		}
		cust.Undeliverable[dec.Channel] = err.Error()
		// The decision is made again with the channel undeliverable: it goes to the first of
		// dec.Fallback that passes the checks Fallback leaves out (the address, the SMS cap),
		// with the same variant, as decide is deterministic and nothing else changed. The
		// record says first why the channel was left (fallback.go).
		refused = append(refused, refusedReason(dec.Channel, err))
		if fallbacks++; fallbacks >= len(camp.Channels) {
			dec = withRefused(decide.Decide(in), refused)
			if dec.Eligible {
				// Every channel failed once already; decide would pick one of them again.
				dec.Eligible, dec.Skip = false, decide.SkipReason("undeliverable")
			}
			break
		}
		dec = withRefused(decide.Decide(in), refused)
	}
	refund()
	reason := string(dec.Skip)
	if reason == "" {
		reason = "undeliverable"
	}
	rec := d.record(StateSkipped, in, dec, nil, fallbacks)
	rec.Reason = reason
	if err := d.cfg.Claims.Finish(ctx, c.key, c.token, rec, c.ttl); err != nil {
		return Outcome{}, err
	}
	skipsTotal.WithLabelValues(camp.ID, reason).Inc()
	return Outcome{State: StateSkipped, Reason: reason, Reasons: dec.Reasons}, nil
}

// record builds the delivery record of a decision.
func (d *Deliverer) record(state State, in decide.Input, dec decide.Decision, g *rewards.Grant, attempt int) Record {
	r := Record{State: state, Reason: string(dec.Skip), Reasons: dec.Reasons, At: d.cfg.Now(), Attempt: attempt, Channel: dec.Channel}
	if dec.Variant != nil {
		r.Variant = dec.Variant.ID
	}
	if g != nil {
		r.Reward, r.Code = g.ID, g.Code
	}
	return r
}

// send renders the message for the decided channel and hands it to the provider.
func (d *Deliverer) send(ctx context.Context, cat *Catalog, in decide.Input, dec decide.Decision, grant *rewards.Grant, key string, points int64) (channels.Receipt, error) {
	data := d.TemplateData(in, dec, grant)
	data.Customer.Points = points
	msg, err := cat.Templates.Render(dec.Variant, dec.Channel, dec.Locale, dec.Location, data)
	if err != nil {
		// A template that fails at send time is a configuration error that lint should have
		// caught; it is retried, so a fixed template (after a reload) still reaches the customer.
		return channels.Receipt{}, fmt.Errorf("render %s/%s: %w: %w", in.Campaign.ID, dec.Variant.ID, err, channels.ErrConfig)
	}
	if msg.HTML, err = d.cfg.Tracking.track(ctx, in, dec, key, msg.HTML, data.Links.Unsubscribe); err != nil {
		return channels.Receipt{}, err
	}
	start := time.Now()
	defer func() { sendSeconds.WithLabelValues(dec.Channel).Observe(time.Since(start).Seconds()) }()
	// The provider call is not cancelled with the task: on shutdown asynq cancels handlers,
	// and a message cut mid-DATA may be accepted anyway while its claim is released, so the
	// retry would send it twice. The call keeps its own deadline, well below the claim lease.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), providerTimeout)
	defer cancel()
	meta := channels.Meta{Campaign: in.Campaign.ID, Variant: dec.Variant.ID, Customer: in.Customer.ID, Locale: dec.Locale}
	switch dec.Channel {
	case "email":
		return d.cfg.Email.SendEmail(ctx, &channels.Email{
			To: dec.Address, ToName: templates.DisplayName(in.Customer.FirstName, in.Customer.LastName, dec.Locale),
			Subject: msg.Subject, HTML: msg.HTML, Text: msg.Text,
			MessageID:       messageID(key, in.Campaign.ID, in.Customer.ID, d.cfg.MessageDomain),
			ListUnsubscribe: data.Links.Unsubscribe,
			Headers:         map[string]string{"X-Rapport-Campaign": in.Campaign.ID},
			Meta:            meta,
		})
	case "sms":
		return d.cfg.SMS.SendSMS(ctx, &channels.SMS{To: dec.Address, Text: msg.SMS, Key: tasks.ShortHash(key), Meta: meta})
	}
	return channels.Receipt{}, fmt.Errorf("unknown channel %q: %w", dec.Channel, channels.ErrConfig)
}

// PreviewGrant is the grant a preview shows for reward r: what Grant would give, without
// spending the budget, with the code the send would carry.
func (d *Deliverer) PreviewGrant(camp string, r *config.Reward, customer, occurrence string, sendAt time.Time) *rewards.Grant {
	g := &rewards.Grant{ID: r.ID, Kind: r.Kind, Value: r.Value, Text: r.Text}
	if r.Kind == "coupon" {
		g.Code = d.cfg.Rewards.Code(camp, r.ID, customer, occurrence)
	}
	if r.Expires > 0 {
		g.ExpiresAt = sendAt.Add(r.Expires.D())
	}
	return g
}

// TemplateData is what the templates of a decided message see.
func (d *Deliverer) TemplateData(in decide.Input, dec decide.Decision, grant *rewards.Grant) *templates.Data {
	data := &templates.Data{
		Customer: templates.NewCustomerData(in.Customer),
		Campaign: templates.CampaignData{ID: in.Campaign.ID, Name: in.Campaign.Name},
		Links:    templates.Links{Unsubscribe: d.cfg.Links.Unsubscribe(in.Customer.ID, in.Campaign.ID, dec.Channel), Shop: d.cfg.ShopURL},
		Sender:   d.cfg.Sender,
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

// recordSent writes down a message that went out. The message is out: from here on nothing
// may make the task retry and send it again, so failures to record are logged, not returned.
func (d *Deliverer) recordSent(ctx context.Context, c *claimable, in decide.Input, dec decide.Decision, grant *rewards.Grant, attempt int, r channels.Receipt) Outcome {
	rec := d.record(StateSent, in, dec, grant, attempt)
	// An SMTP server that names no queue id leaves our own Message-ID as the provider id. It
	// is derived from the delivery key (messageID), so it is not stored again.
	if r.ProviderID != messageID(c.key, in.Campaign.ID, in.Customer.ID, d.cfg.MessageDomain) {
		rec.ProviderID = r.ProviderID
	}
	send := decide.Send{Campaign: in.Campaign.ID, Occurrence: in.Occurrence, Variant: dec.Variant.ID,
		Channel: dec.Channel, At: rec.At.UTC(), ProviderID: rec.ProviderID, Reward: rec.Reward, Priority: in.Campaign.CapPriority()}
	until, ok := leaseEnd(claimValue(c.token))
	if !ok {
		until = d.cfg.Claims.now().Add(claimLease)
	}
	d.rec.record(context.WithoutCancel(ctx), &sentRecord{key: c.key, token: c.token, value: rec.Encode(), ttl: c.ttl,
		customer: in.Customer.ID, send: send, read: c.read, until: until, goal: in.Campaign.GoalOf()})
	if grant != nil {
		// Counted for the report, and points credited to the balance, once the message is out.
		if err := d.cfg.Rewards.Delivered(context.WithoutCancel(ctx), in.Campaign.ID, in.Customer.ID, in.Occurrence, grant, rec.At); err != nil {
			d.cfg.Log.Error("record reward sent", zap.String("campaign", in.Campaign.ID), zap.String("reward", grant.ID), zap.Error(err))
		}
	}
	sendsTotal.WithLabelValues(in.Campaign.ID, dec.Channel, string(StateSent)).Inc()
	d.cfg.Log.Info("sent", zap.String("campaign", in.Campaign.ID), zap.String("customer", in.Customer.ID),
		zap.String("variant", dec.Variant.ID), zap.String("channel", dec.Channel), zap.String("provider_id", r.ProviderID))
	return Outcome{State: StateSent, Channel: dec.Channel, Variant: dec.Variant.ID, SendAt: rec.At, Provider: r.ProviderID, Reasons: dec.Reasons}
}

// recordNotSent writes why a customer got nothing. Skips are recorded per occurrence (not on
// the repeat claim), so a customer skipped today can still receive a "once" campaign later;
// holdouts take the repeat claim, so the control group stays out.
func (d *Deliverer) recordNotSent(ctx context.Context, camp *config.Campaign, p *tasks.SendPayload, dec decide.Decision, counts *resultsBatch) (Outcome, error) {
	state, key, ttl := StateSkipped, deliveryKey(p.Customer, camp.ID, p.Occurrence), recordTTL(camp)
	if dec.Holdout {
		state = StateHoldout
		var occ string
		occ, ttl = occurrenceFor(camp, p.Occurrence, p.Due, dec.Location)
		key = deliveryKey(p.Customer, camp.ID, occ)
	}
	rec := Record{State: state, Reason: string(dec.Skip), Reasons: dec.Reasons, At: d.cfg.Now()}
	written, err := d.cfg.Claims.put(ctx, key, rec, ttl)
	if err != nil {
		return Outcome{}, fmt.Errorf("record skip of %s for customer %s: %w", camp.ID, p.Customer, err)
	}
	if written {
		d.countNotSent(ctx, counts, camp, p, dec, rec.At)
	}
	skipsTotal.WithLabelValues(camp.ID, string(dec.Skip)).Inc()
	return Outcome{State: state, Reason: string(dec.Skip), Reasons: dec.Reasons}, nil
}

// deferTo re-enqueues the send for the decided time (window opening, frequency cap).
func (d *Deliverer) deferTo(ctx context.Context, camp *config.Campaign, p *tasks.SendPayload, dec decide.Decision) (Outcome, error) {
	body, err := p.Marshal()
	if err != nil {
		return Outcome{}, err
	}
	task := asynq.NewTask(tasks.TypeSend, body)
	_, err = d.cfg.Enqueue.EnqueueContext(ctx, task,
		asynq.TaskID(tasks.DeferredTaskID(camp.ID, p.Customer, p.Occurrence, dec.SendAt)),
		asynq.ProcessAt(dec.SendAt), asynq.Queue(tasks.QueueFor(camp)), asynq.MaxRetry(tasks.MaxRetry))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return Outcome{}, fmt.Errorf("defer %s for customer %s to %s: %w", camp.ID, p.Customer, dec.SendAt, err)
	}
	deferredTotal.WithLabelValues(camp.ID).Inc()
	return Outcome{State: StateDeferred, SendAt: dec.SendAt, Channel: dec.Channel, Variant: dec.Variant.ID, Reasons: dec.Reasons}, nil
}

func eventOf(p *tasks.SendPayload) *decide.Event {
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
// same id and receivers that deduplicate on it see one message. It names the send
// (customers.MessageID), so that a bounce finds its campaign and variant without a key.
func messageID(key, campaign, customer, domain string) string {
	return customers.MessageID(SendID(key), campaign, customer, domain)
}
