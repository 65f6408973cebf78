package customers

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// The customer index is split into indexBuckets sorted sets (indexKey:<b>, keys.go), a
// customer's bucket being a hash of its id. One sorted set of a million members is a
// skiplist with a dict and cost 102 bytes per customer (bench/README.md); a sorted set of at
// most 128 members (zset-max-listpack-entries, Redis's default) is a listpack at ~15 bytes
// per member. 16,384 buckets keep every bucket a listpack up to about a million and a half
// customers (61 per bucket on average at a million); beyond, the fullest buckets become
// skiplists one by one, which costs what the single set did, never more.
//
// The walk order is (bucket, id): buckets in order, ids lexically within one. Since the
// bucket is a function of the id, the last id of a page is the whole cursor: Page's `after`
// keeps its meaning and format (a plain id), and fan-outs checkpoint it as before.
//
// indexBuckets must never change: every id's bucket, hence every checkpointed cursor,
// depends on it.
const indexBuckets = 16384

// bucketOf returns the index bucket of a customer id.
func bucketOf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % indexBuckets)
}

// maxBucketsPerTrip bounds the buckets one pipelined round trip of Page reads.
const maxBucketsPerTrip = 1024

// indexDensity remembers how many ids per 64 buckets the last full walk step saw, so that the
// next Page reads about as many buckets per round trip as it needs: one round trip per page
// for a fan-out over a large base, a few for a small base whose buckets are mostly empty.
type indexDensity struct{ per64 atomic.Int64 }

// bucketsFor returns how many buckets to read for need more ids.
func (d *indexDensity) bucketsFor(need int) int {
	per64 := d.per64.Load()
	if per64 <= 0 {
		return 16
	}
	k := int(int64(need)*64*5/4/per64) + 1
	return max(1, min(k, maxBucketsPerTrip))
}

// observe records that reading buckets buckets gave got ids.
func (d *indexDensity) observe(buckets, got int) {
	if buckets >= 8 || got > 0 {
		d.per64.Store(max(1, int64(got)*64/int64(max(buckets, 1))))
	}
}

// addToIndex queues in pipe the index entries of ids, one ZADD per bucket.
func addToIndex(ctx context.Context, pipe redis.Pipeliner, ids []string) {
	byBucket := make(map[int][]redis.Z, len(ids))
	for _, id := range ids {
		b := bucketOf(id)
		byBucket[b] = append(byBucket[b], redis.Z{Member: id})
	}
	for b, zs := range byBucket {
		pipe.ZAdd(ctx, bucketKey(b), zs...)
	}
}

// Page walks customer ids after `after` ("" for the start), n at a time, in index order:
// buckets in order, ids lexically within one bucket (keyset pagination: stable while
// customers are added or deleted, every id exactly once). next is the last id of the page, to
// pass as after; it is "" when there is nothing more. A crash between an index entry and its
// profile can leave an id without a profile: GetMany returns nil for it.
//
// A walk that starts ("" after) first moves the entries of a legacy single-set index into the
// buckets (MigrateIndex), so that it sees every customer. A cursor checkpointed by a version
// that paged the legacy set in plain lexical order is read as a position in the new order: a
// fan-out in flight across the upgrade may miss customers; upgrade between occurrences.
func (s *Store) Page(ctx context.Context, after string, n int) (ids []string, next string, err error) {
	if n <= 0 {
		return nil, "", fmt.Errorf("page customers: page size %d must be at least 1", n)
	}
	b, lower := 0, "-"
	if after != "" {
		b, lower = bucketOf(after), "("+after
	} else if _, err := s.MigrateIndex(ctx); err != nil {
		return nil, "", fmt.Errorf("page customers: %w", err)
	}
	need := n + 1 // one more than asked tells whether there is a next page
	read, got := 0, 0
	for b < indexBuckets && len(ids) < need {
		end := min(b+s.density.bucketsFor(need-len(ids)), indexBuckets)
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.StringSliceCmd, 0, end-b)
		for i := b; i < end; i++ {
			cmds = append(cmds, pipe.ZRangeByLex(ctx, bucketKey(i),
				&redis.ZRangeBy{Min: lower, Max: "+", Count: int64(need - len(ids))}))
			lower = "-"
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, "", fmt.Errorf("page customers after %q: %w", after, err)
		}
		for _, cmd := range cmds {
			got += len(cmd.Val())
			if len(ids) < need {
				ids = append(ids, cmd.Val()...)
			}
		}
		read += end - b
		b = end
	}
	s.density.observe(read, got)
	if len(ids) > n {
		ids = ids[:n]
		next = ids[n-1]
	}
	return ids, next, nil
}

// Count returns how many customers the index holds: the sizes of its buckets (one pipelined
// round trip) and of a legacy index not yet migrated.
func (s *Store) Count(ctx context.Context) (int64, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, 0, indexBuckets+1)
	for b := range indexBuckets {
		cmds = append(cmds, pipe.ZCard(ctx, bucketKey(b)))
	}
	cmds = append(cmds, pipe.ZCard(ctx, legacyIndexKey))
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	var n int64
	for _, cmd := range cmds {
		n += cmd.Val()
	}
	return n, nil
}

// migrateChunk is how many legacy index entries MigrateIndex moves per round trip.
const migrateChunk = 1000

// MigrateIndex moves the entries of the legacy index, the single sorted set rp:customers of
// earlier versions, into the buckets, and reports how many it moved; the legacy key is gone
// when it returns without error. Page runs it at the start of every walk, so there is nothing
// to do by hand. Each entry is added to its bucket before it is removed from the legacy set,
// so a crash or a concurrent migration loses nothing; until it has finished, Count may count
// an entry twice.
func (s *Store) MigrateIndex(ctx context.Context) (int64, error) {
	var moved int64
	for {
		ids, err := s.rdb.ZRange(ctx, legacyIndexKey, 0, migrateChunk-1).Result()
		if err != nil {
			return moved, fmt.Errorf("migrate the customer index: %w", err)
		}
		if len(ids) == 0 {
			return moved, nil
		}
		pipe := s.rdb.Pipeline()
		addToIndex(ctx, pipe, ids)
		if _, err := pipe.Exec(ctx); err != nil {
			return moved, fmt.Errorf("migrate the customer index: %w", err)
		}
		members := make([]any, len(ids))
		for i, id := range ids {
			members[i] = id
		}
		if err := s.rdb.ZRem(ctx, legacyIndexKey, members...).Err(); err != nil {
			return moved, fmt.Errorf("migrate the customer index: %w", err)
		}
		moved += int64(len(ids))
	}
}
