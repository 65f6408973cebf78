package worker

import (
	"os"
	"runtime/debug"
	"strconv"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
)

// TuneRuntime applies worker.gogc and worker.memory_limit to the Go runtime of a process that
// runs the worker, once at start-up, and logs what the collector runs with.
//
// The worker's live heap is small (campaigns, templates, pools) and nearly everything it
// allocates dies with the message it was allocated for, so at the runtime's default GOGC=100
// the collector runs often and costs about a tenth of the CPU of a send. A higher GOGC trades
// a larger heap for fewer collections; memoryLimit caps that trade where memory is tight.
//
// gogc is a percentage; 0 means config.DefaultGOGC, and a negative value leaves the collector
// as the runtime has it. memoryLimit is in bytes; 0 sets no limit. An operator's GOGC or
// GOMEMLIMIT environment variable wins over both, as for any Go program: it is the runtime's
// own knob, and whoever set it on the deployment meant it.
func TuneRuntime(gogc int, memoryLimit int64, log *zap.Logger) {
	fields := make([]zap.Field, 0, 4)
	switch env := os.Getenv("GOGC"); {
	case env != "":
		fields = append(fields, zap.String("gogc", env), zap.String("gogc_from", "GOGC"))
	case gogc < 0:
		fields = append(fields, zap.String("gogc", gcPercent()), zap.String("gogc_from", "runtime"))
	default:
		if gogc == 0 {
			gogc = config.DefaultGOGC
		}
		debug.SetGCPercent(gogc)
		fields = append(fields, zap.String("gogc", strconv.Itoa(gogc)), zap.String("gogc_from", "config"))
	}
	switch env := os.Getenv("GOMEMLIMIT"); {
	case env != "":
		fields = append(fields, zap.String("memory_limit", env), zap.String("memory_limit_from", "GOMEMLIMIT"))
	case memoryLimit > 0:
		debug.SetMemoryLimit(memoryLimit)
		fields = append(fields, zap.String("memory_limit", config.Size(memoryLimit).String()),
			zap.String("memory_limit_from", "config"))
	default:
		fields = append(fields, zap.String("memory_limit", "none"))
	}
	log.Info("garbage collector tuned", fields...)
}

// gcPercent reads the runtime's GOGC without changing it; "off" when collection is disabled.
func gcPercent() string {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	if p < 0 {
		return "off"
	}
	return strconv.Itoa(p)
}
