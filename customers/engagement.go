package customers

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/decide"
)

// Engagement: what each customer does with the messages Rapport sends, per channel, and the
// links of every sent message, so that a click redirects only where the message pointed.
//
//	rp:{c:<id>}:l:<send> HASH  one sent message (send: 16 hex digits, links.SendIDLen bytes
//	                       derived from the delivery key), written before it is handed to the
//	                       provider (SaveLinks): 0..n-1 the URLs of its links, n how many,
//	                       a campaign, v variant (absent when none), h channel, t sent at
//	                       (unix ms), z the customer's UTC offset then (s); and the counters of its opens and clicks: ot/ct
//	                       total, of/cf flagged (proxy, scanner), ou/cu first human open or
//	                       click (unix ms), eg first engagement, s<i> link i clicked within
//	                       the scanner window, sn how many such links, sc 1 once every link
//	                       was (a link scanner swept the message). Lifetime: the link TTL
//	                       (tracking.link_ttl, 90 days), after which its links answer 404.
//	                       ~100 bytes plus its URLs. Erasing a customer must delete them
//	                       (SCAN rp:{c:<id>}:l:*).
//	rp:{c:<id>} field e:<channel>  the customer's engagement on a channel, binary
//	                       (engagementLen bytes, decodeEngagement), in the profile hash: a
//	                       listpack entry of ~58 bytes, so ~116 bytes for email and SMS. It is
//	                       written by the scripts below without the profile's version: it
//	                       changes nothing casScript reads, and a profile rewrite keeps it.
//
// Format of e:<channel>: format byte 1, then big-endian uint32 received, opens (messages
// opened), clicks (messages clicked), engaged (messages opened or clicked), last engagement
// and last change (unix seconds, 0 never), then 24 one-byte counts of first opens and clicks
// by the customer's local hour; when one reaches 255 all are halved, which keeps their shape.
// Counts start again after engagementWindow without any change: the figures describe the
// last half year of a customer who is still written to, not their whole history.
const (
	engagementFormat = 1
	engagementLen    = 1 + 6*4 + 24
	engagementWindow = 180 * 24 * time.Hour
)

// linkKey is the link hash of one sent message.
func linkKey(id string, send [8]byte) string {
	return keyPrefix + HashTag(id) + ":l:" + hex.EncodeToString(send[:])
}

// engagementField is the profile field of a channel's engagement.
func engagementField(channel string) string { return "e:" + channel }

// luaEngagement reads, changes and writes the engagement field; shared by the scripts.
// eng_load(hk, f, now_s, window_s) returns a table {received, opens, clicks, engaged, last,
// changed, hist = {24}}, empty when absent, too old or unreadable; eng_store writes it back.
const luaEngagement = `
local function u32(s, i)
  local a, b, c, d = string.byte(s, i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
local function p32(n)
  n = math.floor(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
end
local function eng_load(hk, f, now, window)
  local e = {0, 0, 0, 0, 0, 0, hist = {}}
  for h = 1, 24 do e.hist[h] = 0 end
  local s = redis.call('HGET', hk, f)
  if not s or #s ~= ` + "49" + ` or string.byte(s, 1) ~= 1 then return e end
  if now - u32(s, 22) > window then return e end
  for i = 1, 6 do e[i] = u32(s, 2 + 4 * (i - 1)) end
  for h = 1, 24 do e.hist[h] = string.byte(s, 25 + h) end
  return e
end
local function eng_store(hk, f, e, now)
  local parts = {string.char(1)}
  e[6] = now
  for i = 1, 6 do parts[#parts + 1] = p32(e[i]) end
  for h = 1, 24 do parts[#parts + 1] = string.char(e.hist[h]) end
  redis.call('HSET', hk, f, table.concat(parts))
end
local function eng_hour(e, h)
  if e.hist[h + 1] >= 255 then
    for i = 1, 24 do e.hist[i] = math.floor(e.hist[i] / 2) end
  end
  e.hist[h + 1] = e.hist[h + 1] + 1
end
`

// KEYS[1] -> rp:{c:<id>}:l:<send>  link hash
// KEYS[2] -> rp:{c:<id>}           profile hash
// ARGV[1] now (unix s), ARGV[2] TTL ms, ARGV[3] channel, ARGV[4] campaign, ARGV[5] sent at
// (unix ms), ARGV[6] UTC offset (s), ARGV[7] engagement window (s), ARGV[8] variant ("" for
// none), ARGV[9..] the links.
// A retried send writes the same hash again (its links as rendered now) without counting
// the message received twice. The profile is changed only when it exists (has v).
// Returns 1 when the message was counted, 0 when it had been already.
var saveLinksScript = redis.NewScript(luaEngagement + `
local fresh = redis.call('EXISTS', KEYS[1]) == 0
local n = #ARGV - 8
local set = {'n', n, 'a', ARGV[4], 'h', ARGV[3], 't', ARGV[5], 'z', ARGV[6]}
if ARGV[8] ~= '' then
  set[#set + 1] = 'v'
  set[#set + 1] = ARGV[8]
end
for i = 1, n do
  set[#set + 1] = i - 1
  set[#set + 1] = ARGV[8 + i]
end
redis.call('HSET', KEYS[1], unpack(set))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if not fresh or redis.call('HEXISTS', KEYS[2], 'v') == 0 then return 0 end
local now = tonumber(ARGV[1])
local f = 'e:' .. ARGV[3]
local e = eng_load(KEYS[2], f, now, tonumber(ARGV[7]))
e[1] = e[1] + 1
eng_store(KEYS[2], f, e, now)
return 1
`)

// KEYS[1] -> rp:{c:<id>}:l:<send>  link hash
// KEYS[2] -> rp:{c:<id>}           profile hash
// ARGV[1] kind: c (click) or o (open); ARGV[2] link index (clicks); ARGV[3] now (unix ms);
// ARGV[4] 1 when from a privacy proxy; ARGV[5] scanner window (ms, 0 none); ARGV[6]
// engagement window (s).
// Returns {found, url, flag, first, campaign, variant, channel}: found 0 when the message or
// the link is unknown (or expired: nothing was written); flag "", "proxy" or "scanner"; first
// 1 when this was the message's first human open (or click), which counted as engagement,
// and then the message's campaign, variant and channel, for the campaign's counters.
var hitScript = redis.NewScript(luaEngagement + `
local kind = ARGV[1]
local url = ''
if kind == 'c' then
  url = redis.call('HGET', KEYS[1], ARGV[2])
  if not url then return {0, '', '', 0} end
elseif redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, '', '', 0}
end
local now = tonumber(ARGV[3])
redis.call('HINCRBY', KEYS[1], kind .. 't', 1)
local flag = ''
if ARGV[4] == '1' then
  flag = 'proxy'
elseif kind == 'c' and tonumber(ARGV[5]) > 0 and now - tonumber(redis.call('HGET', KEYS[1], 't') or '0') < tonumber(ARGV[5]) then
  flag = 'scanner'
  if redis.call('HSETNX', KEYS[1], 's' .. ARGV[2], 1) == 1 then
    if redis.call('HINCRBY', KEYS[1], 'sn', 1) >= tonumber(redis.call('HGET', KEYS[1], 'n') or '0') then
      redis.call('HSET', KEYS[1], 'sc', 1)
    end
  end
end
if flag ~= '' then
  redis.call('HINCRBY', KEYS[1], kind .. 'f', 1)
  return {1, url, flag, 0}
end
if redis.call('HSETNX', KEYS[1], kind .. 'u', now) == 0 then return {1, url, '', 0} end
local m = redis.call('HMGET', KEYS[1], 'a', 'v', 'h')
local first = {1, url, '', 1, m[1] or '', m[2] or '', m[3] or ''}
if redis.call('HEXISTS', KEYS[2], 'v') == 0 then return first end
local secs = math.floor(now / 1000)
local f = 'e:' .. (m[3] or '')
local e = eng_load(KEYS[2], f, secs, tonumber(ARGV[6]))
if kind == 'o' then e[2] = e[2] + 1 else e[3] = e[3] + 1 end
if redis.call('HSETNX', KEYS[1], 'eg', now) == 1 then e[4] = e[4] + 1 end
e[5] = secs
local z = tonumber(redis.call('HGET', KEYS[1], 'z') or '0')
eng_hour(e, math.floor(((secs + z) % 86400) / 3600))
eng_store(KEYS[2], f, e, secs)
return first
`)

// SentLinks is a sent message's links, as SaveLinks stores them.
type SentLinks struct {
	Customer string
	Send     [8]byte
	Campaign string
	Variant  string
	Channel  string
	At       time.Time
	// UTCOffset is the customer's offset from UTC at At, in seconds: opens and clicks are
	// counted by the customer's local hour with it (a DST change later shifts them by an hour).
	UTCOffset int
	// Links are the URLs the message's tracked links redirect to, by index.
	Links []string
	// TTL is how long the links redirect. Default 90 days.
	TTL time.Duration
}

// SaveLinks stores a message's links and counts it received on the customer's channel. Call
// it before the message goes out, so that no click can come before its links.
func (s *Store) SaveLinks(ctx context.Context, l SentLinks) error {
	if l.TTL <= 0 {
		l.TTL = 90 * 24 * time.Hour
	}
	args := make([]any, 0, 8+len(l.Links))
	args = append(args, s.opts.Now().Unix(), l.TTL.Milliseconds(), l.Channel, l.Campaign, l.At.UnixMilli(),
		l.UTCOffset, int64(engagementWindow/time.Second), l.Variant)
	for _, u := range l.Links {
		args = append(args, u)
	}
	if err := saveLinksScript.Run(ctx, s.rdb, []string{linkKey(l.Customer, l.Send), profileKey(l.Customer)}, args...).Err(); err != nil {
		return fmt.Errorf("save links of %s for customer %s: %w", l.Campaign, l.Customer, err)
	}
	return nil
}

// Hit is an open or a click on a sent message.
type Hit struct {
	Customer string
	Send     [8]byte
	// Click is false for an open; Index is the clicked link.
	Click bool
	Index int
	At    time.Time
	// Proxy: the request came from a privacy proxy (tracking.proxy_ips, proxy_user_agents).
	Proxy bool
	// ScannerWindow: a click this soon after the send is a link scanner's; 0 none.
	ScannerWindow time.Duration
}

// HitResult is what became of a Hit.
type HitResult struct {
	// Found is false for an unknown or expired message or link: nothing was recorded.
	Found bool
	// URL is where a click redirects.
	URL string
	// Flag is "" for a person, "proxy" or "scanner" for a machine (recorded, not engagement).
	Flag string
	// First: the message's first human open (or click), counted as engagement.
	First bool
	// Campaign, Variant and Channel are the message's, set when First.
	Campaign, Variant, Channel string
}

// RecordHit records an open or click in one call and answers where a click goes.
func (s *Store) RecordHit(ctx context.Context, h Hit) (HitResult, error) {
	kind, proxy := "o", "0"
	if h.Click {
		kind = "c"
	}
	if h.Proxy {
		proxy = "1"
	}
	res, err := hitScript.Run(ctx, s.rdb, []string{linkKey(h.Customer, h.Send), profileKey(h.Customer)},
		kind, h.Index, h.At.UnixMilli(), proxy, h.ScannerWindow.Milliseconds(), int64(engagementWindow/time.Second)).Slice()
	if err != nil || len(res) < 4 {
		return HitResult{}, fmt.Errorf("record %s for customer %s: %w", kind, h.Customer, err)
	}
	found, _ := res[0].(int64)
	url, _ := res[1].(string)
	flag, _ := res[2].(string)
	first, _ := res[3].(int64)
	out := HitResult{Found: found == 1, URL: url, Flag: flag, First: first == 1}
	if len(res) == 7 {
		out.Campaign, _ = res[4].(string)
		out.Variant, _ = res[5].(string)
		out.Channel, _ = res[6].(string)
	}
	return out, nil
}

// SendStats are the opens and clicks of one sent message.
type SendStats struct {
	Opens, UniqueOpens, FlaggedOpens    int
	Clicks, UniqueClicks, FlaggedClicks int
	// Scanned: every link was clicked within the scanner window.
	Scanned bool
}

// SendStats reads the counters of one sent message; zero when unknown or expired.
func (s *Store) SendStats(ctx context.Context, customer string, send [8]byte) (SendStats, error) {
	v, err := s.rdb.HMGet(ctx, linkKey(customer, send), "ot", "ou", "of", "ct", "cu", "cf", "sc").Result()
	if err != nil {
		return SendStats{}, fmt.Errorf("send stats of customer %s: %w", customer, err)
	}
	n := func(i int) int {
		str, _ := v[i].(string)
		x, _ := strconv.Atoi(str)
		return x
	}
	return SendStats{Opens: n(0), UniqueOpens: min(1, n(1)), FlaggedOpens: n(2),
		Clicks: n(3), UniqueClicks: min(1, n(4)), FlaggedClicks: n(5), Scanned: n(6) == 1}, nil
}

// Engagement reads a customer's engagement on the given channels; a channel without any is
// left out.
func (s *Store) Engagement(ctx context.Context, id string, channels ...string) (map[string]decide.Engagement, error) {
	fields := make([]string, len(channels))
	for i, ch := range channels {
		fields[i] = engagementField(ch)
	}
	v, err := s.rdb.HMGet(ctx, profileKey(id), fields...).Result()
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("engagement of customer %s: %w", id, err)
	}
	out := map[string]decide.Engagement{}
	for i, ch := range channels {
		if str, ok := v[i].(string); ok {
			if e, ok := decodeEngagement(str, s.opts.Now()); ok {
				out[ch] = e
			}
		}
	}
	return out, nil
}

// decodeEngagement decodes an e:<channel> field as of now; false when it is unreadable or
// has not changed within engagementWindow before now (a zero now: no such check).
func decodeEngagement(s string, now time.Time) (decide.Engagement, bool) {
	if len(s) != engagementLen || s[0] != engagementFormat {
		return decide.Engagement{}, false
	}
	b := []byte(s[1:])
	u := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
	changed := time.Unix(int64(u(5)), 0)
	if !now.IsZero() && now.Sub(changed) > engagementWindow {
		return decide.Engagement{}, false
	}
	e := decide.Engagement{Received: int(u(0)), Opens: int(u(1)), Clicks: int(u(2)), Engaged: int(u(3))}
	if last := u(4); last > 0 {
		e.LastEngagement = time.Unix(int64(last), 0).UTC()
	}
	for h := range e.Hours {
		e.Hours[h] = int(b[24+h])
	}
	return e, true
}

// decodeEngagements fills the engagement of every channel a profile hash holds.
func decodeEngagements(h map[string]string, now time.Time) map[string]decide.Engagement {
	var out map[string]decide.Engagement
	for f, v := range h {
		if len(f) > 2 && f[:2] == "e:" {
			if e, ok := decodeEngagement(v, now); ok {
				if out == nil {
					out = map[string]decide.Engagement{}
				}
				out[f[2:]] = e
			}
		}
	}
	return out
}
