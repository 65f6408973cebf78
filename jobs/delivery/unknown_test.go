package delivery

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/internal/testenv"
)

// TestUnknownDeliveriesAreListedAndResentExactlyOnce: a settled unknown outcome and a dead
// worker's sending claim are listed; resending the settled one twice enqueues one send and
// clears its record once, so the send takes a fresh claim and goes out exactly once more.
func TestUnknownDeliveriesAreListedAndResentExactlyOnce(t *testing.T) {
	r := testenv.NewRedis(t)
	ctx := context.Background()
	now := time.Now()
	claims := NewClaims(r.Client).WithLease(time.Second)
	claims.now = func() time.Time { return now }
	settled := deliveryKey("ann", "news", "2026-03-14")
	unknown := Record{State: StateUnknown, Channel: "email", Variant: "v", Reason: "worker_lost", At: now}
	r.Client.Set(ctx, settled, unknown.Encode(), 0)
	r.Client.Set(ctx, deliveryKey("ann", "other", "o"), Record{State: StateSent, At: now}.Encode(), 0)
	dead := deliveryKey("bob", "news", "2026-03-14")
	r.Client.Set(ctx, dead, claimValue(claims.sendingToken()), 0)
	claims.now = func() time.Time { return now.Add(2 * time.Second) } // the lease is over

	list, err := claims.ListUnknown(ctx, "news", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]Unknown{}
	for _, u := range list {
		byKey[u.Key] = u
	}
	if len(list) != 2 || byKey[settled].Customer != "ann" || byKey[settled].Occurrence != "2026-03-14" || !byKey[dead].Pending {
		t.Fatalf("listed %+v, want ann's settled and bob's pending", list)
	}
	client := asynq.NewClientFromRedisClient(r.Client)
	defer client.Close()
	if err := claims.Resend(ctx, client, "default", byKey[settled], now); err != nil {
		t.Fatal(err)
	}
	if err := claims.Resend(ctx, client, "default", byKey[settled], now); !errors.Is(err, ErrNotResendable) {
		t.Fatalf("second resend: %v, want ErrNotResendable", err)
	}
	if err := claims.Resend(ctx, client, "default", byKey[dead], now); !errors.Is(err, ErrNotResendable) {
		t.Fatalf("resend of a pending claim: %v, want ErrNotResendable", err)
	}
	if n := r.Client.Exists(ctx, settled).Val(); n != 0 {
		t.Errorf("the unknown record is still there")
	}
	info, err := asynq.NewInspectorFromRedisClient(r.Client).GetQueueInfo("default")
	if err != nil || info.Scheduled != 1 {
		t.Fatalf("queue %+v %v, want one send scheduled", info, err)
	}
}

func TestMain(m *testing.M) { testenv.Main(m) }
