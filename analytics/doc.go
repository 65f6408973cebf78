// Package analytics owns what Rapport knows of the customer base as a whole, on top of the
// pure models of predict: the published model and its store (Models), the refit that fits it
// on every customer (Refitter), backtests, and the loyalty report. The refit's task handler
// and its daily schedule are jobs, in jobs/schedule; predictions reach decisions through
// delivery.Predictor, which Models implements.
package analytics
