package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

// TestTriggeredSendsOnRedisCluster runs the whole triggered path on a three-master Redis
// Cluster: every multi-key operation (profile and dedupe, claims, budgets, asynq's queues)
// must stay within one hash slot, or Redis answers CROSSSLOT.
func TestTriggeredSendsOnRedisCluster(t *testing.T) {
	_, client := testenv.NewCluster(t)
	b := setupOn(t, client, thankYou, "")
	for _, id := range []string{"ana", "ben", "cyd", "dov", "eva", "fay"} {
		b.identify(id, emailCustomer(strings.ToUpper(id[:1])+id[1:], "en", "silver"))
		b.order(id, "o-"+id, 40)
	}
	b.smtp.Wait(t, 6, 15*time.Second)
	b.order("ana", "o-ana", 40) // replay
	b.order("ana", "o-ana-2", 40)
	b.settle()
	if n := b.smtp.Count(); n != 6 {
		t.Fatalf("%d emails on the cluster, want 6", n)
	}
	p := must(b.store.Get(context.Background(), "ana"))
	if p.Summary.Orders != 2 || len(p.Sends) != 1 {
		t.Fatalf("profile on the cluster: orders %d, sends %d", p.Summary.Orders, len(p.Sends))
	}
	if ok, err := b.store.Delete(context.Background(), "ana"); !ok || err != nil {
		t.Fatalf("delete on the cluster: %v %v", ok, err)
	}
}
