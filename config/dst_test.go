package config

import (
	"os"
	"testing"
	"time"
)

// TestTimeInSpringForwardGapComesAfterTheGap covers zones on both sides of UTC: time.Date
// resolves a missing wall time forward east of UTC but backward west of it.
func TestTimeInSpringForwardGapComesAfterTheGap(t *testing.T) {
	tests := []struct {
		zone       string
		date       time.Time
		at, wantAt string
	}{
		{"America/Los_Angeles", time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC), "02:30", "03:30"},
		{"Europe/Berlin", time.Date(2027, 3, 28, 0, 0, 0, 0, time.UTC), "02:30", "03:30"},
		{"Australia/Lord_Howe", time.Date(2027, 10, 3, 0, 0, 0, 0, time.UTC), "02:15", "02:45"},
		{"America/Los_Angeles", time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC), "10:00", "10:00"},
		{"America/Los_Angeles", time.Date(2027, 11, 7, 0, 0, 0, 0, time.UTC), "01:30", "01:30"},
	}
	for _, tt := range tests {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		tod, _ := ParseTimeOfDay(tt.at)
		got := tod.On(tt.date.Year(), tt.date.Month(), tt.date.Day(), loc)
		if got.Format("15:04") != tt.wantAt || got.Day() != tt.date.Day() {
			t.Errorf("%s %s on %s = %s, want %s the same day", tt.zone, tt.at, tt.date.Format("2006-01-02"), got, tt.wantAt)
		}
	}
}

func TestWindowNextNeverOpensInsideTheGapBackwards(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	w, _ := ParseWindow("02:30-20:00")
	got := w.Next(time.Date(2027, 3, 14, 0, 10, 0, 0, la))
	if got.In(la).Format("15:04") != "03:30" {
		t.Fatalf("window opening in the gap = %s, want 03:30 PDT", got.In(la))
	}
}

func TestUncompiledConditionEvaluatesConcurrently(t *testing.T) {
	c := &Condition{Source: "customer.orders > 1"}
	done := make(chan bool)
	for i := 0; i < 8; i++ {
		go func() {
			ok, err := c.Eval(map[string]any{"customer": map[string]any{"orders": 2}})
			done <- ok && err == nil
		}()
	}
	for i := 0; i < 8; i++ {
		if !<-done {
			t.Fatal("concurrent evaluation failed")
		}
	}
}

func TestLifecycleThresholdsLoadFromFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/rapport.yaml"
	if err := os.WriteFile(path, []byte("predict:\n  lifecycle: {new_days: 45, loyal_orders: 4}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, []string{"RAPPORT_PREDICT_LIFECYCLE_AT_RISK_P_ALIVE=0.4"})
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Predict.Lifecycle
	if l.NewDays != 45 || l.LoyalOrders != 4 || l.AtRiskPAlive != 0.4 {
		t.Fatalf("lifecycle %+v", l)
	}
}
