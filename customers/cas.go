package customers

import (
	"context"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// casFunction is the compare-and-set of a profile as a Lua function, shared by casScript and
// recordScript so that there is one definition of how a profile is written. cas(hk, mk, o)
// reads casScript's arguments from ARGV[o+1] on (o is 0 for casScript) and answers as
// casScript does. Fields are set and deleted 500 at a time (1000 arguments): unpack fails
// with "too many results to unpack" past Lua's C stack of ~8000 values, which a profile
// reached at about 255 KB of 64-byte chunks (chunks.go); 1000 is an even number, so a group
// never splits a field from its value.
const casFunction = `
local function cas(hk, mk, o)
  local v = tonumber(redis.call('HGET', hk, 'v') or '0')
  if v ~= tonumber(ARGV[o + 1]) then return -1 end
  local now = ARGV[o + 2]
  local n = tonumber(ARGV[o + 3])
  local last = o + 3 + 2 * n
  if n > 0 then
    redis.call('ZREMRANGEBYSCORE', mk, '-inf', now)
    for i = o + 4, last, 2 do
      if redis.call('ZSCORE', mk, ARGV[i + 1]) then return -1 end
    end
    for i = o + 4, last, 2 do
      redis.call('ZADD', mk, ARGV[i], ARGV[i + 1])
    end
    -- The set lives as long as its longest-lived member: for ever once it holds an order.
    -- Relative to the caller's clock, like the scores, so Redis's own clock does not matter.
    local top = redis.call('ZRANGE', mk, -1, -1, 'WITHSCORES')
    if top[2] == 'inf' then
      redis.call('PERSIST', mk)
    else
      redis.call('PEXPIRE', mk, math.max(1, tonumber(top[2]) - tonumber(now)))
    end
  end
  local set, del = {'v', v + 1}, {}
  for i = last + 1, #ARGV, 2 do
    if ARGV[i + 1] == '' then
      del[#del + 1] = ARGV[i]
    else
      set[#set + 1] = ARGV[i]
      set[#set + 1] = ARGV[i + 1]
    end
  end
  for i = 1, #set, 1000 do
    redis.call('HSET', hk, unpack(set, i, math.min(i + 999, #set)))
  end
  for i = 1, #del, 1000 do
    redis.call('HDEL', hk, unpack(del, i, math.min(i + 999, #del)))
  end
  return v + 1
end
`

// casScript is the only way a profile is written (recordScript runs the same function): it
// checks that the profile is still at the version the caller read, records the events' dedupe
// members and sets the changed fields, all in one atomic step, so a crash can never apply an
// event without remembering it, or remember it without applying it.
//
// KEYS[1] -> rp:{c:<id>}    profile hash
// KEYS[2] -> rp:{c:<id>}:m  dedupe set
// ARGV[1] -> the version the caller read ("0": there was no profile)
// ARGV[2] -> now, unix ms: members scored at or below it are forgotten
// ARGV[3] -> n, how many dedupe members follow
// ARGV[4 .. 3+2n] -> score, member pairs (score "+inf" for orders)
// ARGV[4+2n ..] -> field, value pairs of the profile; an empty value deletes the field
// Returns the new version.
// Returns -1 when the profile changed since it was read, or a member is already recorded (a
// concurrent writer won): nothing was written; re-read and retry.
var casScript = redis.NewScript(casFunction + `return cas(KEYS[1], KEYS[2], 0)`)

// recordScript writes a string key of the customer (jobs: the delivery record, over its claim)
// and a change of the profile in one atomic step: one Lua call per message sent instead of
// two. The key is written when it holds the expected value or nothing, whatever becomes of
// the profile's compare-and-set, so a caller that loses the compare-and-set retries the
// profile alone and the key is written exactly once.
//
// KEYS[1] -> rp:{c:<id>}    profile hash
// KEYS[2] -> rp:{c:<id>}:m  dedupe set
// KEYS[3] -> a string key of the same customer (same hash tag)
// ARGV[1] -> the value KEYS[3] must hold to be overwritten (it may also not exist)
// ARGV[2] -> the value to write into KEYS[3]
// ARGV[3] -> its TTL in milliseconds (0: none)
// ARGV[4 ..] -> casScript's ARGV, or nothing: only KEYS[3] is written
// Returns {w, v}: w is 1 when KEYS[3] was written, 0 when it held another value (it is left
// as it was); v is casScript's answer (the new version, or -1: the profile was not written),
// or 0 when no profile write was asked.
var recordScript = redis.NewScript(casFunction + `
local w = 0
local cur = redis.call('GET', KEYS[3])
if not cur or cur == ARGV[1] then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
  else
    redis.call('SET', KEYS[3], ARGV[2])
  end
  w = 1
end
if #ARGV < 4 then return {w, 0} end
return {w, cas(KEYS[1], KEYS[2], 3)}
`)

// casConflict is casScript's answer when another writer came first.
const casConflict = -1

// casArgs builds the keys and arguments of casScript for a changed state and the dedupe
// members (score, member pairs) of the events it applied.
func casArgs(st *state, region string, now int64, members []any) ([]string, []any, error) {
	fields, err := st.encodeDirty(region)
	if err != nil {
		return nil, nil, err
	}
	args := make([]any, 0, 3+len(members)+len(fields))
	args = append(args, strconv.FormatInt(st.base, 10), strconv.FormatInt(now, 10), len(members)/2)
	args = append(args, members...)
	args = append(args, fields...)
	return []string{profileKey(st.id), dedupeKey(st.id)}, args, nil
}

// runCAS writes one changed state outside a pipeline; it reports false when another writer
// came first.
func runCAS(ctx context.Context, rdb redis.Scripter, st *state, region string, now int64) (bool, error) {
	keys, args, err := casArgs(st, region, now, nil)
	if err != nil {
		return false, err
	}
	v, err := casScript.Run(ctx, rdb, keys, args...).Int64()
	if err != nil {
		return false, err
	}
	return v != casConflict, nil
}
