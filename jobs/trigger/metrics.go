package trigger

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are registered once per process on the default registry, which /metrics serves.
var (
	eventsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_events_total", Help: "Ingested events by type and outcome (applied, duplicate).",
	}, []string{"type", "outcome"})
	triggersTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_triggers_total", Help: "Campaign triggers evaluated at ingest, by campaign and outcome (enqueued, where_false, too_old).",
	}, []string{"campaign", "outcome"})
)
