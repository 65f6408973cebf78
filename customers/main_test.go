package customers

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testNow is the store's clock in tests: fixed, so that dedupe expiry and UpdatedAt are known.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	redis *testenv.Redis
	store *Store
	ctx   context.Context
}

// setup returns a store on a fresh Redis database with the clock at testNow.
func setup(t testing.TB) *testBundle {
	t.Helper()
	r := testenv.NewRedis(t)
	return &testBundle{
		redis: r,
		store: NewStore(r.Client, Options{Now: func() time.Time { return testNow }}),
		ctx:   context.Background(),
	}
}

// apply applies events and fails the test on error.
func (b *testBundle) apply(t testing.TB, events ...Event) []Result {
	t.Helper()
	res, err := b.store.Apply(b.ctx, events)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// get returns a profile and fails the test when it is missing.
func (b *testBundle) get(t testing.TB, id string) *Profile {
	t.Helper()
	p, err := b.store.Get(b.ctx, id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return p
}

func identify(id, msg string, at time.Time, traits map[string]any) Event {
	return Event{Type: TypeIdentify, UserID: id, MessageID: msg, Timestamp: at, ReceivedAt: at, Traits: traits}
}

func orderEvent(id, msg string, at time.Time, total float64) Event {
	return Event{Type: TypeTrack, Event: OrderCompleted, UserID: id, MessageID: msg,
		Timestamp: at, ReceivedAt: at, Properties: map[string]any{"total": total}}
}

func day(n int) time.Time { return testNow.AddDate(0, 0, -n) }
