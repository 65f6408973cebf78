package customers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Holdings is everything held about one customer in Redis, for an export (GET
// /v1/customers/{id}/export): the profile, the events remembered for idempotency, and the raw
// records other packages keep under the customer's hash tag, which only their owners decode.
type Holdings struct {
	Profile *Profile
	// Orders are the order ids (else messageIds of orders) remembered so that an order is
	// never counted twice; Messages is how many event messageIds are remembered for a while.
	Orders   []string
	Messages int
	// Records are the other keys of the customer's hash tag, sorted by key.
	Records []HeldRecord
}

// HeldRecord is one key another package keeps under a customer's hash tag.
type HeldRecord struct {
	// Family is the first part of the key after the tag ("d" for rp:{c:ID}:d:CAMPAIGN:OCC,
	// delivery records; "g" for reward grants); Rest is what follows "FAMILY:".
	Family, Rest string
	// Type is the Redis type; Value the value of a string key, empty for other types.
	Type, Value string
}

// Holdings reads everything held about a customer; ErrNotFound when there is no profile and
// no record. It lists the keys of the customer's tag as Delete does (customerKeys).
func (s *Store) Holdings(ctx context.Context, id string) (*Holdings, error) {
	h := &Holdings{}
	p, err := s.Get(ctx, id)
	switch {
	case err == nil:
		h.Profile = p
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	members, err := s.rdb.ZRangeWithScores(ctx, dedupeKey(id), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read the events of customer %s: %w", id, err)
	}
	for _, m := range members {
		name, _ := m.Member.(string)
		if o, ok := strings.CutPrefix(name, "o:"); ok {
			h.Orders = append(h.Orders, o)
		} else {
			h.Messages++
		}
	}
	keys, err := s.customerKeys(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("export customer %s: %w", id, err)
	}
	slices.Sort(keys)
	prefix := profileKey(id) + ":"
	pipe := s.rdb.Pipeline()
	types := make([]*redis.StatusCmd, len(keys))
	for i, k := range keys {
		types[i] = pipe.Type(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && len(keys) > 0 {
		return nil, fmt.Errorf("export customer %s: %w", id, err)
	}
	var strs []int
	var strKeys []string
	for i, k := range keys {
		family, rest, _ := strings.Cut(strings.TrimPrefix(k, prefix), ":")
		if family == "m" && rest == "" {
			continue // the dedupe set, read above
		}
		rec := HeldRecord{Family: family, Rest: rest, Type: types[i].Val()}
		if rec.Type == "none" {
			continue // expired since it was listed
		}
		if rec.Type == "string" {
			strs = append(strs, len(h.Records))
			strKeys = append(strKeys, k)
		}
		h.Records = append(h.Records, rec)
	}
	if len(strs) > 0 {
		gets := make([]*redis.StringCmd, len(strs))
		pipe := s.rdb.Pipeline()
		for i, k := range strKeys {
			gets[i] = pipe.Get(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("export customer %s: %w", id, err)
		}
		for i, j := range strs {
			h.Records[j].Value = gets[i].Val()
		}
	}
	if h.Profile == nil && len(h.Orders) == 0 && h.Messages == 0 && len(h.Records) == 0 {
		return nil, fmt.Errorf("export customer %s: %w", id, ErrNotFound)
	}
	return h, nil
}
