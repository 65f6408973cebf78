package results

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Touch is a customer reached by a campaign (a message recorded as sent: Arm Treatment) or
// held out of it at the moment they would have been sent (Arm Holdout). Conversions are
// attributed to touches (Attribute).
type Touch struct {
	Customer, Campaign, Variant, Channel string
	Arm                                  Arm
	At                                   time.Time
	// Goal is the campaign's goal event and Within how long after the touch it converts;
	// defaults DefaultGoalEvent and DefaultGoalWithin. They are kept with the touch, so that
	// Attribute needs no configuration and a goal changed by a reload applies from the next
	// touch on.
	Goal   string
	Within time.Duration
}

// NoCurrency is ISO 4217's code for "no currency": the currency of revenue from orders that
// name none when there is no base currency to take as theirs.
const NoCurrency = "XXX"

// Goal defaults (config.DefaultGoalEvent and DefaultGoalWithin).
const (
	DefaultGoalEvent  = "Order Completed"
	DefaultGoalWithin = 5 * 24 * time.Hour
)

// Order is a goal event to attribute: an order (Event "Order Completed"), or any other goal.
type Order struct {
	Customer string
	// OrderID identifies the order (its order_id, else the event's messageId): an order is
	// attributed once, whatever the retries and re-ingestions.
	OrderID string
	At      time.Time
	// Amount in Currency ("" when the order names none: the base currency if there is one).
	Amount   float64
	Currency string
	// Event is the event name, matched against each touch's goal. Default "Order Completed".
	Event string
}

// Attribution is how Attribute credits orders: to each campaign's first touch within its goal
// (FirstTouch) or its latest (the default), and in which currency revenue is counted.
type Attribution struct {
	FirstTouch bool
	// Base is the reporting currency (config currency.base) and Rates what one unit of each
	// currency is worth in it. With a base, revenue is counted in Base, and an order in a
	// currency without a rate counts as a conversion without revenue (never converted 1:1).
	// Without one, revenue is counted in each order's own currency, never added across them.
	Base  string
	Rates map[string]float64
}

// WithAttribution returns a copy of s that attributes with a.
func (s *Store) WithAttribution(a Attribution) *Store {
	c := *s
	c.attribution = a
	return &c
}

// touchKey is what results keeps per customer for attribution:
//
//	rp:{c:<customer>}:r  HASH, on the customer's hash tag (the slot of their profile):
//	  "t:<campaign>" -> the campaign's touches: ARM␟GOAL␟WITHIN_S␟FIRST_UNIX␟FIRST_VARIANT␟
//	                    FIRST_CHANNEL␟LAST_UNIX␟LAST_VARIANT␟LAST_CHANNEL (␟ is \x1f);
//	                    written once per touch by touchScript; the arm is the first touch's.
//	  "v:<campaign>" -> "1" once the customer converted in the campaign (count converters once)
//	  "$:<campaign>:<CUR>" -> revenue attributed to the campaign so far in CUR (the Prior of
//	                    the next order: Welch's test needs each customer's sum of squares)
//	  "o:<order id>"   -> "1" once the order was attributed: never counted twice
//	Lifetime: the store's retention from its last write. Size: ~60 bytes per campaign that
//	touched the customer, ~20 per attributed order.
func touchKey(customer string) string { return "rp:{c:" + customer + "}:r" }

// touchScript records a touch.
//
// KEYS[1] -> rp:{c:<customer>}:r
// ARGV[1] -> campaign; ARGV[2] -> arm; ARGV[3] -> goal event; ARGV[4] -> within, seconds;
// ARGV[5] -> touch time, unix seconds; ARGV[6] -> variant; ARGV[7] -> channel;
// ARGV[8] -> the key's lifetime, seconds.
// Returns 1 for the customer's first touch of the campaign (count them once), else 0.
var touchScript = redis.NewScript(`
local f = 't:' .. ARGV[1]
local sep = '\31'
local at = tonumber(ARGV[5])
local cur = redis.call('HGET', KEYS[1], f)
local first = 0
local p
if not cur then
  first = 1
  p = {ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[5], ARGV[6], ARGV[7]}
else
  p = {}
  for s in string.gmatch(cur .. sep, '([^' .. sep .. ']*)' .. sep) do p[#p + 1] = s end
  p[2], p[3] = ARGV[3], ARGV[4]
  if at < (tonumber(p[4]) or 0) then p[4], p[5], p[6] = ARGV[5], ARGV[6], ARGV[7] end
  if at >= (tonumber(p[7]) or 0) then p[7], p[8], p[9] = ARGV[5], ARGV[6], ARGV[7] end
end
redis.call('HSET', KEYS[1], f, table.concat(p, sep))
redis.call('EXPIRE', KEYS[1], ARGV[8])
return first
`)

// Touch records touches and counts each customer once per campaign (Customers, on the day
// of their first touch). See Record.
func (s *Store) Touch(ctx context.Context, ts ...Touch) error { return s.Record(ctx, nil, ts) }

// Record counts events and records touches in one pipeline, then counts the customers of
// first touches in a second: those counters live in the campaign's slot, not the customer's,
// so on a Redis Cluster no script can write both. A writer that touches and counts (the
// delivery recorder) thus pays two round trips per group of records, not per record.
func (s *Store) Record(ctx context.Context, events []Event, ts []Touch) error {
	return s.record(ctx, events, ts, nil)
}

// record is Record, with decisions for the recent lists (recent.go) in the first pipeline.
func (s *Store) record(ctx context.Context, events []Event, ts []Touch, ds []Decision) error {
	if len(events) == 0 && len(ts) == 0 && len(ds) == 0 {
		return nil
	}
	cmds := make([]*redis.Cmd, len(ts))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.AddTo(ctx, p, events...)
		s.addDecisionsTo(ctx, p, ds...)
		for i, t := range ts {
			cmds[i] = p.EvalSha(ctx, touchScript.Hash(), []string{touchKey(t.Customer)}, s.touchArgs(t)...)
		}
		return nil
	})
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or its scripts were flushed: load it and run the touches that did
		// not run (a NOSCRIPT command changed nothing), once.
		err = s.retryNoScript(ctx, ts, cmds)
	}
	if err != nil {
		return fmt.Errorf("results: record %d events and %d touches: %w", len(events), len(ts), err)
	}
	var firsts []Event
	for i, c := range cmds {
		if n, _ := c.Int(); n == 1 {
			t := ts[i]
			firsts = append(firsts, Event{Campaign: t.Campaign, Variant: t.Variant, Channel: t.Channel, Arm: armOf(t.Arm), Metric: Customers, At: t.At})
		}
	}
	return s.Add(ctx, firsts...)
}

func (s *Store) retryNoScript(ctx context.Context, ts []Touch, cmds []*redis.Cmd) error {
	if err := touchScript.Load(ctx, s.rdb).Err(); err != nil {
		return err
	}
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			cmds[i] = touchScript.Run(ctx, s.rdb, []string{touchKey(ts[i].Customer)}, s.touchArgs(ts[i])...)
		}
	}
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// touchArgs are touchScript's arguments for t.
func (s *Store) touchArgs(t Touch) []any {
	goal, within := t.Goal, t.Within
	if goal == "" {
		goal = DefaultGoalEvent
	}
	if within <= 0 {
		within = DefaultGoalWithin
	}
	return []any{t.Campaign, string(armOf(t.Arm)), goal, int64(within / time.Second), t.At.Unix(),
		dash(t.Variant), dash(t.Channel), int64(s.retention / time.Second)}
}

// attributeScript attributes an order to the touches of every campaign whose goal is the
// order's event and whose chosen touch (the latest before the order, or with first_touch
// the first one, if it is still within the goal, else the latest) is at most WITHIN before it.
// The touch record keeps only each campaign's first and latest touch, so first_touch means
// "the first touch, or the latest when the first is too old" — exact for the usual single
// send per campaign and window.
//
// KEYS[1] -> rp:{c:<customer>}:r
// ARGV[1] -> order id; ARGV[2] -> order time, unix seconds; ARGV[3] -> event name;
// ARGV[4] -> "1" for first_touch; ARGV[5] -> amount ("" for none); ARGV[6] -> currency;
// ARGV[7] -> the key's lifetime, seconds.
// Returns {} when the order was attributed before or matches no touch, else for each
// campaign credited the flat list campaign, arm, variant, channel, first conversion (0/1),
// revenue attributed to the campaign before this order (a number as text).
var attributeScript = redis.NewScript(`
local ok = 'o:' .. ARGV[1]
if redis.call('HEXISTS', KEYS[1], ok) == 1 then return {} end
local sep = '\31'
local at = tonumber(ARGV[2])
local h = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #h, 2 do
  local camp = string.match(h[i], '^t:(.*)$')
  if camp then
    local p = {}
    for s in string.gmatch(h[i + 1] .. sep, '([^' .. sep .. ']*)' .. sep) do p[#p + 1] = s end
    if p[2] == ARGV[3] then
      local within = tonumber(p[3]) or 0
      local fa, la = tonumber(p[4]) or 0, tonumber(p[7]) or 0
      local t, v, c = nil, nil, nil
      if la <= at then t, v, c = la, p[8], p[9] end
      if (ARGV[4] == '1' or not t) and fa <= at and at - fa <= within then t, v, c = fa, p[5], p[6] end
      if t and at - t <= within then
        local conv = redis.call('HSETNX', KEYS[1], 'v:' .. camp, '1')
        local prior = '0'
        if ARGV[5] ~= '' then
          local f = '$:' .. camp .. ':' .. ARGV[6]
          prior = redis.call('HGET', KEYS[1], f) or '0'
          redis.call('HINCRBYFLOAT', KEYS[1], f, ARGV[5])
        end
        for _, x in ipairs({camp, p[1], v, c, tostring(conv), prior}) do out[#out + 1] = x end
      end
    end
  end
end
if #out > 0 then
  redis.call('HSET', KEYS[1], ok, '1')
  redis.call('EXPIRE', KEYS[1], ARGV[7])
end
return out
`)

// Credit is one campaign credited with an order.
type Credit struct {
	Campaign, Variant, Channel string
	Arm                        Arm
	// FirstConversion: the customer's first conversion in the campaign (a converter).
	FirstConversion bool
	// Currency and Amount are the revenue counted (Currency "" and Amount 0 when none).
	Currency string
	Amount   float64
}

// Attribute credits an order to the campaigns that touched the customer within their goal
// (see attributeScript), and counts Conversions, Converters and revenue on the order's day.
// An order is attributed once: the marker is written by the same script that reads the
// touches, so a re-ingested order or a retried call credits nothing more. The counters are a
// second round trip (they are in each campaign's slot): should it fail, the order stays
// attributed without being counted — counts err on the side of too few, never twice.
func (s *Store) Attribute(ctx context.Context, o Order) ([]Credit, error) {
	if o.Customer == "" || o.OrderID == "" {
		return nil, fmt.Errorf("results: attribute an order: customer and order id required")
	}
	event := o.Event
	if event == "" {
		event = DefaultGoalEvent
	}
	cur, amount, money := s.attribution.convert(o.Currency, o.Amount)
	amt := ""
	if money {
		amt = strconv.FormatFloat(amount, 'f', -1, 64)
	}
	first := "0"
	if s.attribution.FirstTouch {
		first = "1"
	}
	res, err := attributeScript.Run(ctx, s.rdb, []string{touchKey(o.Customer)}, o.OrderID, o.At.Unix(), event,
		first, amt, dash(cur), int64(s.retention/time.Second)).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("results: attribute order %s of customer %s: %w", o.OrderID, o.Customer, err)
	}
	var credits []Credit
	var events []Event
	var revenue []Revenue
	for i := 0; i+5 < len(res); i += 6 {
		c := Credit{Campaign: res[i], Arm: Arm(res[i+1]), Variant: undash(res[i+2]), Channel: undash(res[i+3]), FirstConversion: res[i+4] == "1"}
		events = append(events, Event{Campaign: c.Campaign, Variant: c.Variant, Channel: c.Channel, Arm: c.Arm, Metric: Conversions, At: o.At})
		if c.FirstConversion {
			events = append(events, Event{Campaign: c.Campaign, Variant: c.Variant, Channel: c.Channel, Arm: c.Arm, Metric: Converters, At: o.At})
		}
		if money {
			prior, _ := strconv.ParseFloat(res[i+5], 64)
			c.Currency, c.Amount = cur, amount
			revenue = append(revenue, Revenue{Campaign: c.Campaign, Variant: c.Variant, Channel: c.Channel, Arm: c.Arm,
				At: o.At, Currency: cur, Amount: amount, Prior: prior})
		}
		credits = append(credits, c)
	}
	if len(credits) == 0 {
		return nil, nil
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.AddTo(ctx, p, events...)
		s.addRevenueTo(ctx, p, revenue...)
		return nil
	})
	if err != nil {
		return credits, fmt.Errorf("results: count the conversion of order %s: %w", o.OrderID, err)
	}
	return credits, nil
}

// convert returns the currency and amount an order's revenue is counted in, and false when
// it is counted without revenue (a currency without a rate into the base, or no amount).
func (a Attribution) convert(cur string, amount float64) (string, float64, bool) {
	if !(amount > 0) || math.IsInf(amount, 0) {
		return "", 0, false
	}
	if a.Base == "" {
		if cur == "" {
			cur = NoCurrency
		}
		return cur, amount, true
	}
	if cur == "" || cur == a.Base {
		return a.Base, amount, true
	}
	r, ok := a.Rates[cur]
	if !ok || !(r > 0) || math.IsInf(r, 0) {
		return "", 0, false
	}
	return a.Base, math.Round(amount*r*1000) / 1000, true
}

func armOf(a Arm) Arm {
	if a == "" {
		return Treatment
	}
	return a
}
