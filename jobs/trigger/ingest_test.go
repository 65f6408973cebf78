package trigger_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/testenv"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/tasks"
	"github.com/rapporthq/rapport/jobs/trigger"
	"github.com/rapporthq/rapport/templates"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const thankYou = `
id: thank-you
trigger: {event: Order Completed}
channels: [email]
variants:
  - id: v
    email: {subject: "Thanks", html: t.html}
`

// bundle is an ingester on a real Redis whose enqueues go through flaky: failing while
// fail is set, as a Redis that answers the apply and then goes away would.
type bundle struct {
	store     *customers.Store
	ingester  *trigger.Ingester
	inspector *asynq.Inspector
	fail      atomic.Bool
}

type flaky struct {
	b      *bundle
	client *asynq.Client
}

func (f flaky) EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	if f.b.fail.Load() {
		return nil, errors.New("connection reset")
	}
	return f.client.EnqueueContext(ctx, t, opts...)
}

func setup(t *testing.T) *bundle {
	t.Helper()
	r := testenv.NewRedis(t)
	dir := t.TempDir()
	testenv.WriteFiles(t, dir, map[string]string{"campaigns/thank-you.yaml": thankYou, "templates/t.html": "<p>Thanks</p>"})
	set, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(r.Client)
	t.Cleanup(func() { _ = client.Close() })
	b := &bundle{store: customers.NewStore(r.Client, customers.Options{}), inspector: asynq.NewInspectorFromRedisClient(r.Client)}
	b.ingester, err = trigger.New(trigger.Config{Catalog: delivery.NewCatalogRef(delivery.NewCatalog(set, tpl)),
		Store: b.store, Enqueue: flaky{b: b, client: client}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sends counts the send tasks waiting in every queue.
func (b *bundle) sends(t *testing.T) int {
	t.Helper()
	n := 0
	for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
		info, err := b.inspector.GetQueueInfo(q)
		if err != nil {
			continue // a queue never used does not exist
		}
		n += info.Size
	}
	return n
}

func order(messageID, orderID string, timestamp time.Time) customers.Event {
	now := time.Now()
	if timestamp.IsZero() {
		timestamp = now // Segment fills no timestamp: the time of arrival
	}
	props := map[string]any{"total": 30.0}
	if orderID != "" {
		props["order_id"] = orderID
	}
	return customers.Event{Type: customers.TypeTrack, Event: "Order Completed", UserID: "ann", MessageID: messageID,
		Properties: props, Timestamp: timestamp, ReceivedAt: now}
}

// TestReplayedOrderTriggersOnce: a shop's webhook retrying one order with a new messageId each
// time is one order, and one send.
func TestReplayedOrderTriggersOnce(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	at := time.Now().Add(-time.Minute)
	for i := range 100 {
		if _, err := b.ingester.Ingest(ctx, []customers.Event{order(fmt.Sprintf("msg-%d", i), "o-1", at)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.sends(t); n != 1 {
		t.Fatalf("100 posts of one order enqueued %d sends, want 1", n)
	}
	prof, err := b.store.Get(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if prof.Summary.Orders != 1 {
		t.Errorf("summary counts %d orders, want 1", prof.Summary.Orders)
	}
}

// TestRetriedEventTriggersOnlyWhatWasLeft: a client retrying with the same messageId after a
// failed answer enqueues the send the first attempt did not, and a retry after a complete
// attempt triggers nothing, with or without its own timestamp.
func TestRetriedEventTriggersOnlyWhatWasLeft(t *testing.T) {
	for _, tc := range []struct {
		name      string
		orderID   string
		timestamp time.Time
	}{
		{"order with timestamp", "o-1", time.Now().Add(-time.Minute)},
		{"order without timestamp", "o-1", time.Time{}},
		{"event without order id or timestamp", "", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			ctx := context.Background()
			b.fail.Store(true)
			if _, err := b.ingester.Ingest(ctx, []customers.Event{order("msg-1", tc.orderID, tc.timestamp)}); err == nil {
				t.Fatal("the first attempt succeeded with a failing queue")
			}
			b.fail.Store(false)
			res, err := b.ingester.Ingest(ctx, []customers.Event{order("msg-1", tc.orderID, tc.timestamp)})
			if err != nil {
				t.Fatal(err)
			}
			if !res[0].Duplicate {
				t.Fatal("the first attempt did not apply the event; the test proves nothing")
			}
			if n := b.sends(t); n != 1 {
				t.Fatalf("the retry enqueued %d sends, want 1", n)
			}
			// The send ran and its task is gone: a later retry of the same event sends nothing.
			for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
				_, _ = b.inspector.DeleteAllPendingTasks(q)
				_, _ = b.inspector.DeleteAllScheduledTasks(q)
			}
			if _, err := b.ingester.Ingest(ctx, []customers.Event{order("msg-1", tc.orderID, tc.timestamp)}); err != nil {
				t.Fatal(err)
			}
			if n := b.sends(t); n != 0 {
				t.Fatalf("a retry after a complete attempt enqueued %d sends, want 0", n)
			}
		})
	}
}
