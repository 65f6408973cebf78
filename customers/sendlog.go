package customers

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/decide"
)

// The send log (field s) is what frequency caps count (decide/caps.go) and what the repeat
// rule and GET /v1/customers/{id} read. It keeps, newest first, the newest
// Options.RecentSends sends whatever their age, then older ones while a cap may count them
// (Options.SendHistory, the longest cap configured, plus a day for local days and
// daylight-saving shifts), at most Options.MaxSends in all.
//
// A cap needs of a send only its time, campaign, channel and priority; the repeat rule, a
// batch's retry and the API also read its occurrence, variant, reward and provider id, but
// only of recent sends. So the newest fullSends entries are written in full, and older ones
// in short: minutes instead of milliseconds, campaign, channel and priority only. Campaign,
// channel, variant and reward names are written once, in a table, and each send names them
// by index.
//
// Measured by TestSendLogBytesPerSend on 200 sends of triggered campaigns (a 36-byte
// occurrence, variants and rewards, a provider id on half of them): formatV1, every send in
// full with its names, took 77 bytes a send, 15.4 kB, which as 241 chunks of 64 bytes is
// more than hash-max-listpack-entries (128) allows and would turn the whole profile into a
// hash table; formatV2 takes 1.8 kB: 56 bytes a full send (the name table included) and 4 a
// short one, so 200 sends cost what 20 did. TestSendLogIsBoundedByMaxSends: a profile with
// 200 daily sends is 1,592 bytes in Redis, still a listpack (584 with one send).
//
// A short entry has no occurrence, so recording a delivery again replaces it only while it
// is among the newest fullSends: a retry records within minutes, when it still is.
//
//	formatV1: count, then per send: varint ms delta from the previous (the first from 0),
//	          campaign, occurrence, variant, channel, reward, provider id (appendString)
//	formatV2: names (count, appendString each), full count, short count, then per full send:
//	          varint ms delta, uvarint campaign<<2 | priority+1, uvarint channel, variant,
//	          reward (name indexes), occurrence, provider id (appendString); per short send:
//	          varint minutes before the previous send, uvarint campaign<<2 | priority+1,
//	          uvarint channel.
//
// Short entries keep whole minutes, truncated: a send keeps its local day in every zone
// (offsets are whole minutes, and truncation never crosses a midnight forward), and a rolling
// cap's release may come less than a minute earlier.

// fullSends is how many of the newest sends are written in full.
const fullSends = config.RecentSends

// keepSends trims a send log, newest first: the newest `recent` whatever their age, then
// older ones within history (and a margin day) of the newest, at most maxSends in all.
func keepSends(sends []decide.Send, recent, maxSends int, history time.Duration) []decide.Send {
	keep := min(recent, len(sends))
	if keep == len(sends) {
		return sends
	}
	// A cap of N local days, applied at or after the newest send, counts nothing before
	// N×24 hours and a daylight-saving hour earlier than it; a day of margin covers that.
	cutoff := sends[0].At.Add(-history - 24*time.Hour)
	for keep < len(sends) && keep < maxSends && !sends[keep].At.Before(cutoff) {
		keep++
	}
	return sends[:keep]
}

// encodeSends writes a send log newest first in formatV2.
func encodeSends(sends []decide.Send) []byte {
	if len(sends) == 0 {
		return nil
	}
	index := map[string]uint64{}
	var names []string
	name := func(s string) uint64 {
		i, ok := index[s]
		if !ok {
			i = uint64(len(names))
			index[s] = i
			names = append(names, s)
		}
		return i
	}
	full := min(len(sends), fullSends)
	// Indexes first, so that the table can be written before the sends that use it.
	idx := make([]uint64, 0, 4*full+2*(len(sends)-full))
	for i, s := range sends {
		idx = append(idx, name(s.Campaign)<<2|uint64(s.Priority+1), name(s.Channel))
		if i < full {
			idx = append(idx, name(s.Variant), name(s.Reward))
		}
	}
	b := []byte{formatV2}
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		b = appendString(b, n)
	}
	b = binary.AppendUvarint(b, uint64(full))
	b = binary.AppendUvarint(b, uint64(len(sends)-full))
	var prev int64
	for _, s := range sends[:full] {
		at := s.At.UnixMilli()
		b = binary.AppendVarint(b, at-prev)
		prev = at
		b = binary.AppendUvarint(b, idx[0])
		b = binary.AppendUvarint(b, idx[1])
		b = binary.AppendUvarint(b, idx[2])
		b = binary.AppendUvarint(b, idx[3])
		idx = idx[4:]
		b = appendString(b, s.Occurrence)
		b = appendString(b, s.ProviderID)
	}
	prevMin := minutes(prev)
	for _, s := range sends[full:] {
		m := minutes(s.At.UnixMilli())
		b = binary.AppendVarint(b, prevMin-m)
		prevMin = m
		b = binary.AppendUvarint(b, idx[0])
		b = binary.AppendUvarint(b, idx[1])
		idx = idx[2:]
	}
	return b
}

// minutes is whole minutes since the epoch, rounded toward the past.
func minutes(ms int64) int64 {
	if ms < 0 {
		return (ms - 59_999) / 60_000
	}
	return ms / 60_000
}

// decodeSends reads field s in either format.
func decodeSends(s string) ([]decide.Send, error) {
	if s == "" {
		return nil, nil
	}
	r := reader{b: []byte(s)}
	switch r.byte() {
	case formatV1:
		return decodeSendsV1(&r)
	case formatV2:
	default:
		return nil, fmt.Errorf("%w: unknown format of the send log", errCorrupt)
	}
	names := make([]string, r.count())
	for i := range names {
		names[i] = r.str()
	}
	nameAt := func(i uint64) string {
		if i >= uint64(len(names)) {
			r.corrupt("send log name out of range")
			return ""
		}
		return names[i]
	}
	campaign := func(v uint64) (string, config.Priority) {
		p := config.Priority(v&3) - 1
		if p > config.PriorityHigh {
			r.corrupt("send log priority out of range")
		}
		return nameAt(v >> 2), p
	}
	full, short := r.count(), r.count()
	out := make([]decide.Send, 0, full+short)
	var at int64
	for ; full > 0 && r.err == nil; full-- {
		at += r.varint()
		r.checkTime(at)
		c, p := campaign(r.uvarint())
		out = append(out, decide.Send{At: time.UnixMilli(at).UTC(), Campaign: c, Priority: p,
			Channel: nameAt(r.uvarint()), Variant: nameAt(r.uvarint()), Reward: nameAt(r.uvarint()),
			Occurrence: r.str(), ProviderID: r.str()})
	}
	m := minutes(at)
	for ; short > 0 && r.err == nil; short-- {
		m -= r.varint()
		r.checkTime(m * 60_000)
		c, p := campaign(r.uvarint())
		out = append(out, decide.Send{At: time.UnixMilli(m * 60_000).UTC(), Campaign: c, Priority: p, Channel: nameAt(r.uvarint())})
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// maxSendMillis is the latest send time a log may hold (year 3000): a later one, or one
// before 1970, is corruption, and times that far out do not survive time.UnixMilli's round
// trip (found by FuzzDecodeSends).
const maxSendMillis = 32_503_680_000_000

// checkTime refuses a send time outside [1970, 3000).
func (r *reader) checkTime(ms int64) {
	if ms < 0 || ms >= maxSendMillis {
		r.corrupt("send time out of range")
	}
}

// decodeSendsV1 reads a formatV1 log: sends in full, without their priority (normal).
func decodeSendsV1(r *reader) ([]decide.Send, error) {
	n := r.count()
	out := make([]decide.Send, 0, n)
	var at int64
	for ; n > 0 && r.err == nil; n-- {
		at += r.varint()
		r.checkTime(at)
		out = append(out, decide.Send{
			At: time.UnixMilli(at).UTC(), Campaign: r.str(), Occurrence: r.str(),
			Variant: r.str(), Channel: r.str(), Reward: r.str(), ProviderID: r.str(),
		})
	}
	return out, r.err
}
