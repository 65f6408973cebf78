package customers

import (
	"fmt"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestLegacyIndexIsMigratedByTheFirstWalk(t *testing.T) {
	b := setup(t)
	var want []string
	for i := range 2500 { // more than one migrateChunk
		id := fmt.Sprintf("old%05d", i)
		want = append(want, id)
		if err := b.redis.Client.ZAdd(b.ctx, legacyIndexKey, redis.Z{Member: id}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	b.apply(t, identify("new", "m", day(1), nil))
	want = append(want, "new")
	if n, _ := b.store.Count(b.ctx); n != 2501 {
		t.Fatalf("count before the walk %d, want 2501", n)
	}
	var got []string
	for after := ""; ; {
		ids, next, err := b.store.Page(b.ctx, after, 333)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids...)
		if next == "" {
			break
		}
		after = next
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("walk saw %d ids, want %d", len(got), len(want))
	}
	if n, _ := b.redis.Client.Exists(b.ctx, legacyIndexKey).Result(); n != 0 {
		t.Fatal("legacy index still there after the walk")
	}
	if n, _ := b.store.Count(b.ctx); n != 2501 {
		t.Fatalf("count after the walk %d, want 2501", n)
	}
	if found, err := b.store.Delete(b.ctx, "old00007"); err != nil || !found {
		t.Fatalf("delete a migrated id: %v %v", found, err)
	}
	if n, _ := b.store.Count(b.ctx); n != 2500 {
		t.Fatalf("count after delete %d, want 2500", n)
	}
}

func TestIndexBucketsStayListpacks(t *testing.T) {
	b := setup(t)
	var events []Event
	for i := range 300 {
		events = append(events, identify(fmt.Sprintf("c%d", i), "m", day(1), nil))
	}
	b.apply(t, events...)
	keys, err := b.redis.Client.Keys(b.ctx, legacyIndexKey+":*").Result()
	if err != nil || len(keys) < 250 {
		t.Fatalf("%d bucket keys for 300 customers (%v): ids are not spread", len(keys), err)
	}
	for _, k := range keys {
		if enc, _ := b.redis.Client.ObjectEncoding(b.ctx, k).Result(); enc != "listpack" {
			t.Fatalf("%s is a %s", k, enc)
		}
	}
}

func TestBucketOfIsStable(t *testing.T) {
	// Checkpointed cursors depend on these values: they must never change.
	for id, want := range map[string]int{"": 7621, "u1": 10227, "c0001": 6213} {
		if got := bucketOf(id); got != want {
			t.Fatalf("bucketOf(%q) = %d, want %d", id, got, want)
		}
	}
}
