package results

import (
	"context"
	"testing"
	"time"

	"github.com/rapporthq/rapport/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestAddedEventsAreReadBackPerVariantAndChannel(t *testing.T) {
	rdb := testenv.NewRedis(t).Client
	s, err := New(rdb, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	if err := s.Add(ctx,
		Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Sent, At: at},
		Event{Campaign: "c", Variant: "a", Channel: "email", Metric: Sent, At: at},
		Event{Campaign: "c", Variant: "b", Channel: "sms", Metric: Sent, At: at, N: 3},
		Event{Campaign: "c", Arm: Holdout, Metric: Held, At: at},
	); err != nil {
		t.Fatal(err)
	}
	c, err := s.Lifetime(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if got := c[Key{Metric: Sent, Arm: Treatment, Channel: "email", Variant: "a"}]; got != 2 {
		t.Errorf("sent a/email = %d, want 2", got)
	}
	if got := c.Sum(Sent, Treatment); got != 5 {
		t.Errorf("sent = %d, want 5", got)
	}
	if got := c.Sum(Held, Holdout); got != 1 {
		t.Errorf("held = %d, want 1", got)
	}
	if n := rdb.HLen(ctx, dayKey("c", at)).Val(); n != 3 {
		t.Errorf("day hash has %d fields, want 3", n)
	}
}
