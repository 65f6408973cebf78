package delivery

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are registered once per process on the default registry, which /metrics serves.
var (
	sendsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_sends_total", Help: "Delivery attempts by campaign, channel and outcome (sent, duplicate, temporary_failure, permanent_failure).",
	}, []string{"campaign", "channel", "outcome"})
	skipsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_skips_total", Help: "Customers who got nothing, by campaign and reason.",
	}, []string{"campaign", "reason"})
	deferredTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_deferred_total", Help: "Sends moved later by the decision (window, frequency cap).",
	}, []string{"campaign"})
	sendSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "rapport_send_seconds", Help: "Time to hand one message to the provider.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"channel"})
)
