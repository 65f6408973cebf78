// Package api serves Rapport over HTTP: Segment-compatible ingest (identify, track, batch),
// customer read and erase, unsubscribe, health, readiness and Prometheus metrics. A request is
// answered 2xx only after what it carries is durably in Redis; bad input gets a 4xx with a JSON
// error naming the field.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/links"
)

// Ingester applies events and enqueues what they trigger (trigger.Ingester).
type Ingester interface {
	Ingest(ctx context.Context, events []customers.Event) ([]customers.Result, error)
}

// Customers is what the API reads and erases.
type Customers interface {
	Get(ctx context.Context, id string) (*customers.Profile, error)
	Delete(ctx context.Context, id string) (bool, error)
	SetUnsubscribed(ctx context.Context, id, channel string, at time.Time) error
}

// Server is the HTTP API. Fields documented with a default may be left zero.
type Server struct {
	Ingest    Ingester
	Customers Customers
	// Ready reports whether Redis answers; /readyz fails when it does not.
	Ready func(ctx context.Context) error
	// APIKeys authorise /v1/* with every scope (a bare key of api_keys).
	APIKeys []string
	// Keys authorise /v1/* with the scopes each is given (a {key, scopes} of api_keys).
	Keys []Key
	// Links verifies unsubscribe tokens.
	Links *links.Signer
	// Tracking serves the click redirects and open pixels (tracking.go); nil: none.
	Tracking *Tracking
	// BodyLimit caps request bodies. Default 1 MiB.
	BodyLimit int64
	// Runs serves GET /v1/campaigns/{id}/runs; nil answers 404.
	Runs Runs
	// States serves pause, resume and state of campaigns (campaigns_state.go); nil: not served.
	States *States
	// Reports serves GET /v1/campaigns/{id}/report (campaigns_report.go); nil answers 404.
	Reports *Reports
	// Records decode, for GET /v1/customers/{id}/export, the records kept under a customer's
	// hash tag, by key family: "d" (delivery records, as ExportedSend). Reward grants ("g")
	// are read without one; a record of a family without a reader is exported raw.
	Records map[string]RecordReader
	// Coupons checks codes for POST /v1/coupons/validate (coupons.go); nil answers 501.
	Coupons Coupons
	// Reload reloads campaigns for POST /v1/admin/reload; nil answers 501.
	Reload func(ctx context.Context) error
	// Extra mounts more handlers by pattern. Operations endpoints (/metrics, /monitoring/) are
	// never mounted here: they are served on the admin listener (cmd/rapport serveAdmin).
	Extra map[string]http.Handler
	// Admin mounts handlers (asynqmon) by pattern behind an API key with the admin scope.
	Admin map[string]http.Handler
	// Webhooks configures the provider webhooks (webhooks.go).
	Webhooks Webhooks
	// Results counts feedback per campaign (webhooks_results.go; results.Store); nil: none.
	Results ResultCounter
	Now     func() time.Time
	Log     *zap.Logger

	keys []keyHash
}

var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "rapport_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	httpSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "rapport_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"route"})
)

// Handler returns the routed handler.
func (s *Server) Handler() http.Handler {
	if s.BodyLimit <= 0 {
		s.BodyLimit = 1 << 20
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = zap.NewNop()
	}
	if s.Webhooks.SNS == nil {
		s.Webhooks.SNS = &SNSVerifier{}
	}
	s.keys = s.hashKeys()
	mux := http.NewServeMux()
	route := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.instrument(pattern, h)) }
	route("POST /v1/identify", s.auth(ScopeIngest, s.handleSingle("identify")))
	route("POST /v1/track", s.auth(ScopeIngest, s.handleSingle("track")))
	route("POST /v1/batch", s.auth(ScopeIngest, s.handleBatch))
	route("GET /v1/customers/{id}", s.auth(ScopeRead, s.handleGetCustomer))
	route("DELETE /v1/customers/{id}", s.auth(ScopeAdmin, s.handleDeleteCustomer))
	route("GET /v1/customers/{id}/export", s.auth(ScopeAdmin, s.handleExportCustomer))
	route("GET /v1/campaigns/{id}/runs", s.auth(ScopeRead, s.handleRuns))
	route("GET /v1/campaigns/{id}/report", s.auth(ScopeRead, s.handleReport))
	route("GET /v1/campaigns/{id}/variants", s.auth(ScopeRead, s.handleVariants))
	route("POST /v1/admin/reload", s.auth(ScopeAdmin, s.handleReload))
	if s.States != nil {
		route("POST /v1/campaigns/{id}/pause", s.auth(ScopeAdmin, s.handlePause))
		route("POST /v1/campaigns/{id}/resume", s.auth(ScopeAdmin, s.handleResume))
		route("GET /v1/campaigns/{id}/state", s.auth(ScopeRead, s.handleState))
	}
	route("POST /v1/coupons/validate", s.auth(ScopeIngest, s.handleValidateCoupon))
	route("GET /u/{token}", s.handleUnsubscribePage)
	route("POST /u/{token}", s.handleUnsubscribe)
	if s.Tracking != nil {
		route("GET /t/c/{token}", s.handleClick)
		route("GET /t/o/{token}", s.handleOpen)
	}
	route("POST /v1/webhooks/email", s.auth(ScopeIngest, s.handleEmailWebhook))
	route("POST /v1/webhooks/ses", s.handleSESWebhook)
	route("POST /v1/webhooks/twilio/sms", s.handleTwilioSMS)
	route("POST /v1/webhooks/twilio/status", s.handleTwilioStatus)
	route("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	route("GET /readyz", s.handleReady)
	for pattern, h := range s.Extra {
		mux.Handle(pattern, h)
	}
	for pattern, h := range s.Admin {
		mux.Handle(pattern, s.auth(ScopeAdmin, h.ServeHTTP))
	}
	return mux
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	writeJSON(w, 200, map[string]string{"status": "ready"})
}

// statusRecorder remembers the status code for metrics and logs.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) { r.code = code; r.ResponseWriter.WriteHeader(code) }

func (s *Server) instrument(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		h(rec, r)
		d := time.Since(start)
		httpRequests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		httpSeconds.WithLabelValues(route).Observe(d.Seconds())
		if rec.code >= 500 {
			s.Log.Error("request failed", zap.String("route", route), zap.Int("status", rec.code), zap.Duration("took", d))
		}
	})
}

// apiError is the JSON body of every error.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, code int, field, msg string) {
	writeJSON(w, code, apiError{Error: msg, Field: field})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// readBody reads a request body within the limit, answering 413 when it is larger.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.BodyLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "", "request body larger than the limit of "+byteSize(s.BodyLimit))
		} else {
			writeError(w, http.StatusBadRequest, "", "read body: "+err.Error())
		}
		return nil, false
	}
	return body, true
}
