package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/tasks"
)

// A delivery record is both the claim that guarantees at most one delivery per (campaign,
// occurrence, customer) and the place where the outcome is written down. asynq's TaskID only
// deduplicates while the task exists, and on shutdown asynq may requeue a task whose handler is
// still sending, so the claim is taken in Redis before the SMTP DATA or the SMS request.
//
// Key: rp:{c:CUSTOMER}:d:CAMPAIGN:OCCURRENCE (string), sharing the customer's hash tag
// (customers.HashTag), so that the outcome is written with the send on the profile in one
// Lua call, also on Redis Cluster. Value: a Record (Record.Encode): the claim while a delivery
// is in progress (lease: claimLease), then the outcome. The lifetime depends on the campaign's
// repeat rule (recordTTL); customers.Store.Delete erases every key of the customer's tag.
func deliveryKey(customer, campaign, occurrence string) string {
	return DeliveryKeyPrefix(customer) + tasks.SafeKeyPart(campaign) + ":" + tasks.SafeKeyPart(occurrence)
}

// DeliveryKeyPrefix is the prefix of every delivery record of a customer (for listings and
// erasure).
func DeliveryKeyPrefix(customer string) string {
	return "rp:" + customers.HashTag(customer) + ":d:"
}

// claimLease bounds how long a claim blocks others when its holder crashed mid-send. It is
// longer than any single send (SMTP timeout 30 s) so a live holder never loses its claim.
const claimLease = 2 * time.Minute

// A claim taken to send is a "sending" claim: its token is "RANDOM|s|LEASE_END_MS"
// (sendingToken), so the stored value is "claimed|RANDOM|s|LEASE_END_MS": it still starts
// with "claimed|", and every compare-and-set of the claim (finishScript, releaseScript,
// customers' recordScript) still compares "claimed|" + token. It means "may be sending": it is
// written in the same SET NX GET that takes the claim (no extra round trip), before the
// message is rendered, and replaced by the outcome once the provider answered and the record
// is written, or deleted (Release) when the provider refused it (nothing went out).
//
// The window: from the claim's reply until the outcome's reply. A worker that dies in it (SIGKILL,
// a crash, a power cut) leaves the sending claim behind. It does not expire with the lease,
// which would let the task's retry send the message a second time when the provider had it:
// it lives sendingClaimTTL, and whoever takes it after LEASE_END settles it as StateUnknown
// (reason "worker_lost") instead of sending: never resent automatically, listed by `rapport
// deliveries --state outcome_unknown`. A claim that is still within its lease is held
// (ErrClaimHeld: the task retries later). So a crash leaves at most the claims in flight
// unknown: DeliverMany claims Parallel customers at a time (one chunk), so at most
// Parallel per batch task running (Concurrency × Parallel per worker process), and Deliver one.
// On the SMTP BDAT path (PIPELINING + CHUNKING) MAIL, RCPT and the whole message go in one
// write, so everything after MAIL's reply is inside the window; on the DATA path too, from the
// claim on. An unknown outcome may thus also be a message that provably never left (the
// worker died while rendering): Rapport cannot tell, and prefers a missing message to a
// second one.
//
// sendingClaimTTL keeps a sending claim whose owner died until a retry of its task settles it
// (asynq retries for about two days); as long as the longest delivery record, so that an
// orphaned claim of a "once" or "yearly" campaign is not forgotten early.
const sendingClaimTTL = 400 * 24 * time.Hour

// errOwnerLost is Take's answer for a sending claim whose lease is over: its owner died after
// it may have started the transaction; the caller settles it as StateUnknown.
var errOwnerLost = errors.New("claim of a worker that died while it may have been sending")

// ErrClaimHeld is returned when another handler is delivering the same occurrence right now
// (a task requeued on shutdown while its first handler still sends). The task retries shortly
// and then finds the outcome.
var ErrClaimHeld = errors.New("delivery in progress elsewhere")

// takeArgs take a claim with one native command, SET key "claimed|TOKEN" NX GET with the lease
// as TTL: it answers nil when the claim was free (and is now ours), or the value the key
// holds, unchanged.
// NX with GET needs Redis 7.0 (Rapport needs 7 anyway); miniredis, which `rapport demo` runs
// on, implements it too. It used to be a Lua script: at ~2.5 µs of Redis CPU per call against
// ~0.2 µs for a native command, claims were a third of Redis's time in a large campaign.
var takeArgs = redis.SetArgs{Mode: "NX", Get: true, TTL: claimLease}

// takeSendingArgs is takeArgs for a sending claim (sendingToken).
var takeSendingArgs = redis.SetArgs{Mode: "NX", Get: true, TTL: sendingClaimTTL}

func takeArgsFor(token string) redis.SetArgs {
	if strings.Contains(token, "|s|") {
		return takeSendingArgs
	}
	return takeArgs
}

// claimValue is the value of a claim held by token.
func claimValue(token string) string { return Claim(token).Encode() }

// KEYS[1] -> rp:{c:ID}:d:CAMPAIGN:OCCURRENCE
// ARGV[1] -> token that must hold the claim
// ARGV[2] -> final value
// ARGV[3] -> TTL in milliseconds (0: keep forever)
// ARGV[4] -> optional, "1": the claim must still be there (settling another worker's claim)
// Returns 1 when written, 0 when the claim was lost (expired and taken by someone else).
var finishScript = redis.NewScript(`
local v = redis.call("GET", KEYS[1])
if v and v ~= "claimed|" .. ARGV[1] then
  return 0
end
if not v and ARGV[4] == "1" then
  return 0
end
if tonumber(ARGV[3]) > 0 then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
else
  redis.call("SET", KEYS[1], ARGV[2])
end
return 1
`)

// KEYS[1] -> rp:{c:ID}:d:CAMPAIGN:OCCURRENCE
// ARGV[1] -> token
// Deletes the claim when it is still ours, so a retry after a temporary failure can send.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == "claimed|" .. ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`)

// Claims takes and settles delivery claims.
type Claims struct {
	rdb   redis.UniversalClient
	lease time.Duration
	now   func() time.Time
}

// NewClaims returns a claim store on rdb, with leases of claimLease (2 minutes).
func NewClaims(rdb redis.UniversalClient) *Claims {
	return &Claims{rdb: rdb, lease: claimLease, now: time.Now}
}

// WithLease returns a copy of c whose sending claims have lease d (tests of crashes, which
// cannot wait two minutes); d must stay above the longest send (sendTimeout) in production.
func (c *Claims) WithLease(d time.Duration) *Claims {
	cp := *c
	if d > 0 {
		cp.lease = d
	}
	return &cp
}

// sendingToken returns a fresh token for a sending claim: "RANDOM|s|LEASE_END_MS" (see
// sendingClaimTTL). The lease end is by the taker's clock, compared with another worker's:
// clocks of workers must agree to well within the lease.
func (c *Claims) sendingToken() string {
	return tasks.NewToken() + "|s|" + strconv.FormatInt(c.now().Add(c.lease).UnixMilli(), 10)
}

// Take claims a delivery for token. ok is false when an outcome already exists (prior holds it)
// or another attempt holds a live claim (err is ErrClaimHeld).
func (c *Claims) Take(ctx context.Context, key, token string) (ok bool, prior string, err error) {
	prior, err = c.rdb.SetArgs(ctx, key, claimValue(token), takeArgsFor(token)).Result()
	return c.taken(ctx, key, token, prior, err)
}

// taken reads the answer of SET NX GET (takeArgs) for token's claim of key, as Take returns it.
func (c *Claims) taken(ctx context.Context, key, token, prior string, err error) (bool, string, error) {
	if err == nil && prior == claimValue(token) && strings.Contains(token, "|s|") {
		// Our own sending claim, the SET sent again after a broken connection: it is ours.
		return true, "", nil
	}
	if err == nil && prior == claimValue(token) {
		// Our own claim: the SET was sent again after a broken connection. Its lease is
		// renewed, as a fresh claim's would be.
		renewed, perr := c.rdb.PExpire(ctx, key, claimLease).Result()
		if perr != nil {
			return false, "", fmt.Errorf("claim %s: renew the lease: %w", key, perr)
		}
		if renewed {
			return true, "", nil
		}
		// It expired in between, so nobody holds it: claim it again.
		prior, err = c.rdb.SetArgs(ctx, key, claimValue(token), takeArgs).Result()
	}
	switch {
	case errors.Is(err, redis.Nil):
		return true, "", nil
	case err != nil:
		return false, "", fmt.Errorf("claim %s: %w", key, err)
	case strings.HasPrefix(prior, string(StateClaimed)+"|"):
		if end, ok := leaseEnd(prior); ok && !c.now().Before(end) {
			return false, prior, errOwnerLost
		}
		return false, prior, ErrClaimHeld
	}
	return false, prior, nil
}

// leaseEnd reads the end of the lease of a sending claim's value; ok is false for a claim
// that is not sending (its lease is its TTL).
func leaseEnd(value string) (time.Time, bool) {
	_, rest, ok := strings.Cut(value, "|s|")
	if !ok {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// settleLost writes rec (StateUnknown) over the sending claim prior of a worker that died
// (errOwnerLost). It answers ErrClaimHeld when the claim changed meanwhile (its owner was
// alive after all and wrote the outcome, or another worker settled it): the retry reads it.
func (c *Claims) settleLost(ctx context.Context, key, prior string, rec Record, ttl time.Duration) error {
	token := strings.TrimPrefix(prior, string(StateClaimed)+"|")
	n, err := finishScript.Run(ctx, c.rdb, []string{key}, token, rec.Encode(), ttl.Milliseconds(), 1).Int()
	if err != nil {
		return fmt.Errorf("settle lost claim %s: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("settle lost claim %s: %w", key, ErrClaimHeld)
	}
	return nil
}

// Finish writes the outcome over our claim. A lost claim (it expired and someone else took
// it) is reported so the caller can log it: the message may then have gone out twice.
func (c *Claims) Finish(ctx context.Context, key, token string, rec Record, ttl time.Duration) error {
	return c.finish(ctx, key, token, rec.Encode(), ttl)
}

func (c *Claims) finish(ctx context.Context, key, token, value string, ttl time.Duration) error {
	n, err := finishScript.Run(ctx, c.rdb, []string{key}, token, value, ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("record outcome %s: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("record outcome %s: claim lost to another worker", key)
	}
	return nil
}

// Release drops our claim after a failure that did not deliver.
func (c *Claims) Release(ctx context.Context, key, token string) error {
	if err := releaseScript.Run(ctx, c.rdb, []string{key}, token).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("release claim %s: %w", key, err)
	}
	return nil
}

// Outcome returns the record of a delivery; ok is false when there is none.
func (c *Claims) Outcome(ctx context.Context, customer, campaign, occurrence string) (rec Record, ok bool, err error) {
	v, err := c.rdb.Get(ctx, deliveryKey(customer, campaign, occurrence)).Result()
	if errors.Is(err, redis.Nil) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("read delivery of %s to customer %s: %w", campaign, customer, err)
	}
	rec, err = DecodeRecord(v)
	return rec, err == nil, err
}

// put writes a record where no claim exists (a skip, a holdout): SET NX, so that it never
// overwrites an outcome or a live claim. written is false when a record was there already
// (a retried task): its counters were counted then.
func (c *Claims) put(ctx context.Context, key string, rec Record, ttl time.Duration) (written bool, err error) {
	err = c.rdb.SetArgs(ctx, key, rec.Encode(), redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record %s: %w", key, err)
	}
	return true, nil
}

// occurrenceFor maps a campaign's repeat rule onto the claim's occurrence: "once" campaigns
// share one claim per customer forever; "yearly" one per local year; "every D" one that lives
// D; the default one per occurrence.
func occurrenceFor(c *config.Campaign, occurrence string, due time.Time, loc *time.Location) (string, time.Duration) {
	switch c.Repeat.Kind {
	case config.RepeatOnce:
		return "once", 0
	case config.RepeatYearly:
		return fmt.Sprintf("year-%d", due.In(loc).Year()), 400 * 24 * time.Hour
	case config.RepeatEvery:
		return "every", c.Repeat.Every.D()
	}
	return occurrence, recordTTL(c)
}

// Lifetimes of per-occurrence delivery records. A triggered one must outlive every way its
// task can come back: the messageId dedupe window (7 days by default; a duplicate within it
// re-enqueues its triggers), the trigger's maximum age and delay, and asynq's retries
// (about two days). A scheduled one only has to outlive the scheduler's catch-up and the
// batch retries: the scheduler never fires an occurrence older than catch_up again. Keeping
// them shorter matters at scale: a daily campaign to a million customers keeps one record
// per customer for each day of this lifetime.
const (
	triggeredRecordTTL = 10 * 24 * time.Hour
	scheduledRecordTTL = 3 * 24 * time.Hour
)

func recordTTL(c *config.Campaign) time.Duration {
	if c.Triggered() {
		return triggeredRecordTTL + c.Trigger.Delay.D()
	}
	return scheduledRecordTTL
}

// TakeReading is Take with reads queued by read in the same pipeline: reads of the
// customer's own keys share the claim's hash tag {c:ID}, so they cost no round trip and, on a
// Cluster, go to the same node (the points balance templates show, points.go). When the
// connection breaks, Take is tried again alone and the reads' commands hold the error.
func (c *Claims) TakeReading(ctx context.Context, key, token string, read func(redis.Pipeliner)) (ok bool, prior string, err error) {
	if read == nil {
		return c.Take(ctx, key, token)
	}
	pipe := c.rdb.Pipeline()
	set := pipe.SetArgs(ctx, key, claimValue(token), takeArgsFor(token))
	read(pipe)
	_, _ = pipe.Exec(ctx) // the claim's answer is looked at below, the reads' by their caller
	prior, err = set.Result()
	if err != nil && !isRedisError(err) {
		return c.Take(ctx, key, token)
	}
	return c.taken(ctx, key, token, prior, err)
}

// TakeMany is Take for many claims in one pipelined round trip (the keys may be in different
// Cluster slots: go-redis splits the pipeline by slot). It returns, per key, what Take would.
func (c *Claims) TakeMany(ctx context.Context, keys, tokens []string) (oks []bool, priors []string, errs []error) {
	return c.TakeManyReading(ctx, keys, tokens, nil)
}

// TakeManyReading is TakeMany with read(i, pipe) queuing reads for the i-th claim's customer
// in the same pipeline, as TakeReading does.
func (c *Claims) TakeManyReading(ctx context.Context, keys, tokens []string, read func(int, redis.Pipeliner)) (oks []bool, priors []string, errs []error) {
	oks, priors, errs = make([]bool, len(keys)), make([]string, len(keys)), make([]error, len(keys))
	if len(keys) == 0 {
		return
	}
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.StatusCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.SetArgs(ctx, k, claimValue(tokens[i]), takeArgsFor(tokens[i]))
		if read != nil {
			read(i, pipe)
		}
	}
	_, _ = pipe.Exec(ctx) // every command's answer is looked at below
	for i, cmd := range cmds {
		prior, err := cmd.Result()
		if err != nil && !isRedisError(err) {
			// A broken connection: nothing or the claim itself was written; Take is
			// idempotent for our token.
			oks[i], priors[i], errs[i] = c.Take(ctx, keys[i], tokens[i])
			continue
		}
		oks[i], priors[i], errs[i] = c.taken(ctx, keys[i], tokens[i], prior, err)
	}
	return
}

// FinishMany is Finish for many claims in one pipelined round trip; one error per key.
func (c *Claims) FinishMany(ctx context.Context, keys, tokens, values []string, ttls []time.Duration) []error {
	errs := make([]error, len(keys))
	if len(keys) == 0 {
		return errs
	}
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.EvalSha(ctx, finishScript.Hash(), []string{k}, tokens[i], values[i], ttls[i].Milliseconds())
	}
	_, _ = pipe.Exec(ctx)
	for i, cmd := range cmds {
		n, err := cmd.Int()
		switch {
		case err != nil && (redis.HasErrorPrefix(err, "NOSCRIPT") || !isRedisError(err)):
			errs[i] = c.finish(ctx, keys[i], tokens[i], values[i], ttls[i])
		case err != nil:
			errs[i] = fmt.Errorf("record outcome %s: %w", keys[i], err)
		case n == 0:
			errs[i] = fmt.Errorf("record outcome %s: claim lost to another worker", keys[i])
		}
	}
	return errs
}

// isRedisError reports whether err is an error reply of the server (rather than a network
// failure, after which the command may not have run).
func isRedisError(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}
