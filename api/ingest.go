package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/customers"
)

// ingestResponse follows Segment's {"success": true}, with counts.
type ingestResponse struct {
	Success    bool `json:"success"`
	Accepted   int  `json:"accepted"`
	Duplicates int  `json:"duplicates"`
}

func (s *Server) handleSingle(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.readBody(w, r)
		if !ok {
			return
		}
		ev, err := customers.DecodeEvent(body, kind, s.Now())
		if err != nil {
			writeInputError(w, err)
			return
		}
		s.ingest(w, r, []customers.Event{ev}, nil)
	}
}

func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	events, items, err := customers.DecodeBatchItems(body, s.Now())
	if err != nil {
		// The whole request is refused: a partial accept would make the client's retry
		// ambiguous, and nothing of a bad batch is half-applied.
		writeInputError(w, err)
		return
	}
	if len(events) == 0 {
		// Only calls Rapport ignores (page, screen, group, alias): accepted, nothing to store.
		writeJSON(w, http.StatusOK, ingestResponse{Success: true})
		return
	}
	s.ingest(w, r, events, items)
}

// ingest stores events; items are their indexes in a /v1/batch array (nil for one call).
// A batch is all or nothing: an event the store refuses for its content (a trait or the
// profile too large) refuses the whole request, with nothing of it written.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, events []customers.Event, items []int) {
	results, err := s.Ingest.Ingest(r.Context(), events)
	var refused *customers.EventError
	if errors.As(err, &refused) {
		code, field := http.StatusBadRequest, refused.Field.Field
		if errors.Is(err, customers.ErrProfileTooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		if refused.Index < len(items) {
			field = "batch[" + strconv.Itoa(items[refused.Index]) + "]." + field
		}
		writeError(w, code, field, refused.Field.Msg)
		return
	}
	if err != nil {
		s.Log.Error("ingest", zap.Int("events", len(events)), zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "", "could not store the events; retry")
		return
	}
	resp := ingestResponse{Success: true}
	for _, res := range results {
		if res.Duplicate {
			resp.Duplicates++
		} else {
			resp.Accepted++
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// writeInputError answers 400 naming the first wrong field, and lists all of them.
func writeInputError(w http.ResponseWriter, err error) {
	var fe *customers.FieldError
	if !errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, "", err.Error())
		return
	}
	type multi struct {
		Error  string     `json:"error"`
		Field  string     `json:"field"`
		Errors []apiError `json:"errors,omitempty"`
	}
	out := multi{Error: fe.Msg, Field: fe.Field}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var f *customers.FieldError
			if errors.As(e, &f) {
				out.Errors = append(out.Errors, apiError{Error: f.Msg, Field: f.Field})
			}
		}
	}
	writeJSON(w, http.StatusBadRequest, out)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
