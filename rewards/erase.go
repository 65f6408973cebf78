package rewards

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// EraseCustomer deletes the coupon records granted to the customer (eraseCoupons) and removes
// the customer's grant fields ("g:CUSTOMER\x00OCCURRENCE") from every
// budget hash, for an erased customer (customers.Eraser). The counters "n" and "amount" keep
// their grants: they are aggregates that name no one, and a budget must stay spent. A later
// Refund of an erased grant finds no field and returns nothing, as it should. The grant keys
// under the customer's hash tag (grantKey) are erased with the customer's other keys.
//
// Budget hashes are found by SCAN (on every master of a Cluster): there is one per budgeted
// reward of a campaign, and no list of them outside the campaigns' files.
func (l *Ledger) EraseCustomer(ctx context.Context, customer string) error {
	if err := l.eraseCoupons(ctx, customer); err != nil {
		return err
	}
	budgets, err := scanKeys(ctx, l.rdb, "rp:{rw:*}:budget")
	if err != nil {
		return fmt.Errorf("erase the grants of customer %s: %w", customer, err)
	}
	match := "g:" + globEscape(customer) + "\x00*"
	prefix := "g:" + customer + "\x00"
	for _, key := range budgets {
		var fields []string
		iter := l.rdb.HScan(ctx, key, 0, match, 1000).Iterator()
		for i := 0; iter.Next(ctx); i++ {
			// HSCAN answers field, value, field, value...
			if f := iter.Val(); i%2 == 0 && strings.HasPrefix(f, prefix) {
				fields = append(fields, f)
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("erase the grants of customer %s in %s: %w", customer, key, err)
		}
		if len(fields) == 0 {
			continue
		}
		if err := l.rdb.HDel(ctx, key, fields...).Err(); err != nil {
			return fmt.Errorf("erase the grants of customer %s in %s: %w", customer, key, err)
		}
	}
	return nil
}

// eraseCoupons deletes the coupon records granted to the customer (they name their owner
// and live in their code's slot), found through the customer's index; the index itself goes
// with the customer's other keys.
func (l *Ledger) eraseCoupons(ctx context.Context, customer string) error {
	codes, err := l.rdb.SMembers(ctx, couponIndexKey(customer)).Result()
	if err != nil {
		return fmt.Errorf("erase the coupons of customer %s: %w", customer, err)
	}
	for _, code := range codes {
		// One DEL per code: each is in its own slot.
		if err := l.rdb.Del(ctx, couponKey(code)).Err(); err != nil {
			return fmt.Errorf("erase the coupons of customer %s: %w", customer, err)
		}
	}
	return nil
}

// scanKeys lists the keys matching pattern, on every master of a Cluster.
func scanKeys(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	scan := func(ctx context.Context, c redis.Cmdable) ([]string, error) {
		var out []string
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		return out, iter.Err()
	}
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return scan(ctx, rdb)
	}
	ch := make(chan []string, 64)
	var all []string
	done := make(chan struct{})
	go func() {
		for keys := range ch {
			all = append(all, keys...)
		}
		close(done)
	}()
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		keys, err := scan(ctx, m)
		ch <- keys
		return err
	})
	close(ch)
	<-done
	return all, err
}

// globEscape quotes the characters SCAN MATCH patterns treat specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
