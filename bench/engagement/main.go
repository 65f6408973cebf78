// Command engagement measures the Redis bytes per customer that engagement data adds (issue
// 9, "Redis bytes per customer added by engagement data, at 1,000,000 customers with
// engagement", target under 150) and prints one JSON object on stdout.
//
// It starts a redis-server on a free port and seeds -customers customers through the store
// (customers.Store.Apply, as an import does; not timed). Then it adds, step by step, the
// engagement fields of every customer's profile hash — e:email, e:sms (customers/engagement.go)
// and b, the purchase hours (customers/engagement_buy.go) — and measures after each step:
//
//   - INFO used_memory, before and after, divided by the customers (the headline: it counts
//     everything Redis allocated, the hash's growth and any re-encoding);
//   - MEMORY USAGE of -sample profile hashes (SAMPLES 0: exact), before and after;
//   - OBJECT ENCODING of the sample, which must stay listpack.
//
// With -spread (default) every profile is first padded by 0 to 63 bytes (a field _pad), so
// that profiles are spread over an allocator size class as real ones are; without it the
// identical seeded profiles make each field cost 0 or 64 bytes by the luck of the class.
//
// The fields are written with pipelined HSETs of values laid out as the store lays them out;
// so that the layout is the store's own, customer 0 is first given its engagement through
// the real code (SaveLinks, RecordHit, an Order Completed through Apply), and the bench fails
// if the lengths the store wrote differ from the ones it writes. Per-message link hashes
// (rp:{c:<id>}:l:<send>, ~100 bytes plus URLs, for the link TTL) are per message, not per
// customer, and are not counted here.
//
// Usage: go run ./bench/engagement [-customers 1000000] [-sample 2000]
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rapporthq/rapport/bench/internal/rig"
	"github.com/rapporthq/rapport/customers"
)

// Lengths of the fields, as customers writes them (checked against customer 0).
const (
	engagementLen    = 1 + 6*4 + 24
	purchaseHoursLen = 1 + 12
)

type step struct {
	Field         string  `json:"field"`
	UsedMemoryMB  float64 `json:"used_memory_mb"`
	BytesPerCust  float64 `json:"bytes_per_customer_used_memory"`
	SampleBytes   float64 `json:"bytes_per_customer_memory_usage_sample"`
	Encoding      string  `json:"sample_encoding"`
	SecondsToLoad float64 `json:"seconds_to_write"`
}

type result struct {
	Machine      rig.Machine `json:"machine"`
	Customers    int         `json:"customers"`
	Sample       int         `json:"sample"`
	Spread       bool        `json:"spread"`
	BaseMB       float64     `json:"profiles_used_memory_mb"`
	BasePerCust  float64     `json:"profile_bytes_per_customer_used_memory"`
	BaseSample   float64     `json:"profile_bytes_per_customer_memory_usage_sample"`
	Steps        []step      `json:"steps"`
	TotalPerCust float64     `json:"engagement_bytes_per_customer_used_memory"`
	TotalSample  float64     `json:"engagement_bytes_per_customer_memory_usage_sample"`
}

func main() {
	n := flag.Int("customers", 1000000, "customers, each given engagement on email and SMS and purchase hours")
	sample := flag.Int("sample", 2000, "profile hashes read with MEMORY USAGE")
	spread := flag.Bool("spread", true, "pad profiles by 0 to 63 bytes first, so that they do not all sit at the same place in an allocator size class")
	flag.Parse()
	if err := run(*n, *sample, *spread); err != nil {
		fmt.Fprintln(os.Stderr, "engagement:", err)
		os.Exit(1)
	}
}

func run(n, sample int, spread bool) error {
	ctx := context.Background()
	r, err := rig.StartRedis()
	if err != nil {
		return err
	}
	defer r.Stop()
	store := customers.NewStore(r.Client, customers.Options{})
	t0 := time.Now()
	if err := rig.SeedCustomers(ctx, store, n); err != nil {
		return err
	}
	rig.Logf("seeded %d customers in %s", n, time.Since(t0).Round(time.Second))
	if err := realLayout(ctx, store, r.Client); err != nil {
		return err
	}
	sample = min(sample, n-1)
	key := func(i int) string { return "rp:{c:" + rig.CustomerID(i) + "}" }
	sampleKeys := make([]string, sample)
	for k := range sample {
		sampleKeys[k] = key(1 + k*(n-1)/sample) // customer 0 was written by the real code
	}
	usage := func() (float64, string, error) {
		var sum int64
		enc := ""
		for _, k := range sampleKeys {
			b, err := r.Client.MemoryUsage(ctx, k, 0).Result()
			if err != nil {
				return 0, "", err
			}
			sum += b
			e, err := r.Client.ObjectEncoding(ctx, k).Result()
			if err != nil {
				return 0, "", err
			}
			if enc == "" || e != "listpack" {
				enc = e
			}
		}
		return float64(sum) / float64(len(sampleKeys)), enc, nil
	}
	if spread {
		// Identical profiles all sit at the same offset in their jemalloc size class (64
		// bytes apart at this size), so a field that fits in the slack would cost 0 bytes
		// and one that does not a whole class. Real profiles differ in size: spreading them
		// over a class makes the average the expected cost of a field.
		for lo := 1; lo < n; lo += 1000 {
			pipe := r.Client.Pipeline()
			for i := lo; i < min(lo+1000, n); i++ {
				pipe.HSet(ctx, key(i), "_pad", strings.Repeat("x", (i*37)%64))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	_, _ = r.Client.Do(ctx, "MEMORY", "PURGE").Result()
	used0 := usedMemory(ctx, r.Client)
	base, _, err := usage()
	if err != nil {
		return err
	}
	out := result{Machine: rig.Facts(r.Version()), Customers: n, Sample: sample, Spread: spread, BaseMB: mb(used0),
		BasePerCust: rig.Round(float64(used0) / float64(n)), BaseSample: rig.Round(base)}
	prevUsed, prevSample := used0, base
	now := uint32(time.Now().Unix())
	for _, field := range []string{"e:email", "e:sms", "b"} {
		start := time.Now()
		for lo := 1; lo < n; lo += 1000 {
			pipe := r.Client.Pipeline()
			for i := lo; i < min(lo+1000, n); i++ {
				pipe.HSet(ctx, key(i), field, value(field, i, now))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
		took := time.Since(start)
		_, _ = r.Client.Do(ctx, "MEMORY", "PURGE").Result()
		used := usedMemory(ctx, r.Client)
		s, enc, err := usage()
		if err != nil {
			return err
		}
		out.Steps = append(out.Steps, step{Field: field, UsedMemoryMB: mb(used),
			BytesPerCust: rig.Round(float64(used-prevUsed) / float64(n-1)), SampleBytes: rig.Round(s - prevSample),
			Encoding: enc, SecondsToLoad: rig.Round(took.Seconds())})
		rig.Logf("%s: +%.1f B/customer (used_memory), +%.1f B (MEMORY USAGE), %s", field,
			float64(used-prevUsed)/float64(n-1), s-prevSample, enc)
		prevUsed, prevSample = used, s
	}
	out.TotalPerCust = rig.Round(float64(prevUsed-used0) / float64(n-1))
	out.TotalSample = rig.Round(prevSample - base)
	return rig.PrintJSON(out)
}

// value is a field's value for customer i, laid out as the store lays it out.
func value(field string, i int, now uint32) []byte {
	if field == "b" {
		b := make([]byte, purchaseHoursLen)
		b[0] = 1
		b[1+(i%12)] = byte(1+i%5) << 4
		b[1+((i+7)%12)] |= 1
		return b
	}
	b := make([]byte, 1, engagementLen)
	b[0] = 1
	for _, v := range []uint32{uint32(3 + i%20), uint32(1 + i%7), uint32(i % 3), uint32(1 + i%7), now - uint32(i%86400), now} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	for h := range 24 {
		b = append(b, byte((i+h)%4))
	}
	return b
}

// realLayout gives customer 0 its engagement through the store and checks the lengths.
func realLayout(ctx context.Context, store *customers.Store, rdb redis.UniversalClient) error {
	id := rig.CustomerID(0)
	now := time.Now()
	for k, ch := range []string{"email", "sms"} {
		send := [8]byte{byte(k + 1)}
		if err := store.SaveLinks(ctx, customers.SentLinks{Customer: id, Send: send, Campaign: "bench", Variant: "a", Channel: ch,
			At: now.Add(-time.Hour), Links: []string{"https://shop.example.com/"}}); err != nil {
			return err
		}
		if _, err := store.RecordHit(ctx, customers.Hit{Customer: id, Send: send, Click: true, Index: 0, At: now}); err != nil {
			return err
		}
	}
	order := customers.Event{Type: customers.TypeTrack, Event: customers.OrderCompleted, UserID: id, MessageID: "o-" + id,
		Timestamp: now, ReceivedAt: now, Properties: map[string]any{"total": 10.0}}
	if _, err := store.Apply(ctx, []customers.Event{order}); err != nil {
		return err
	}
	for field, want := range map[string]int64{"e:email": engagementLen, "e:sms": engagementLen, "b": purchaseHoursLen} {
		got, err := rdb.HStrLen(ctx, "rp:{c:"+id+"}", field).Result()
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("the store wrote %s in %d bytes, this bench writes %d: update it", field, got, want)
		}
	}
	return nil
}

func usedMemory(ctx context.Context, rdb redis.UniversalClient) int64 {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

func mb(b int64) float64 { return rig.Round(float64(b) / (1 << 20)) }
