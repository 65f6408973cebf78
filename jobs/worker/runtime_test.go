package worker

import (
	"math"
	"runtime/debug"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/rapporthq/rapport/config"
)

// TestTuneRuntimeAppliesConfigUnlessTheEnvironmentSaysOtherwise changes the process's collector
// settings, so it restores them and does not run in parallel.
func TestTuneRuntimeAppliesConfigUnlessTheEnvironmentSaysOtherwise(t *testing.T) {
	gogc0, limit0 := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(gogc0); debug.SetMemoryLimit(limit0) })
	cases := []struct {
		name            string
		envGOGC, envLim string
		gogc            int
		limit           int64
		wantGOGC        int
		wantLimit       int64
		wantFrom        string
	}{
		{"config value", "", "", 250, 300 << 20, 250, 300 << 20, "config"},
		{"zero means the default", "", "", 0, 0, config.DefaultGOGC, math.MaxInt64, "config"},
		{"negative leaves the runtime alone", "", "", -1, 0, 100, math.MaxInt64, "runtime"},
		{"GOGC in the environment wins", "150", "", 400, 0, 100, math.MaxInt64, "GOGC"},
		{"GOMEMLIMIT in the environment wins", "", "1GiB", 400, 300 << 20, 400, math.MaxInt64, "config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			t.Setenv("GOGC", c.envGOGC)
			t.Setenv("GOMEMLIMIT", c.envLim)
			core, logs := observer.New(zap.InfoLevel)
			TuneRuntime(c.gogc, c.limit, zap.New(core))
			// The environment variables are read by the runtime at start-up only: TuneRuntime
			// must leave the settings as they were when it defers to them.
			if got := debug.SetGCPercent(100); got != c.wantGOGC {
				t.Errorf("GOGC = %d, want %d", got, c.wantGOGC)
			}
			if got := debug.SetMemoryLimit(-1); got != c.wantLimit {
				t.Errorf("memory limit = %d, want %d", got, c.wantLimit)
			}
			entries := logs.FilterMessage("garbage collector tuned").All()
			if len(entries) != 1 {
				t.Fatalf("%d log lines, want one", len(entries))
			}
			if from := entries[0].ContextMap()["gogc_from"]; from != c.wantFrom {
				t.Errorf("gogc_from = %v, want %s", from, c.wantFrom)
			}
		})
	}
}
