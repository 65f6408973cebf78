package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/rapporthq/rapport/decide"
)

// Logs written to a file (docker logs, journald, a CI artefact) carry ISO 8601 times and
// durations people can read, and no colour codes: zap's defaults wrote "ts":1796598122.45
// and \x1b[34mINFO\x1b[0m into files.
func TestLogsToAFileHaveISOTimesAndNoColours(t *testing.T) {
	iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[-+Z]`)
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			f, err := os.Create(filepath.Join(t.TempDir(), "rapport.log"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if isTerminal(f) {
				t.Fatal("a regular file taken for a terminal")
			}
			log := newLoggerTo(format, f, isTerminal(f))
			log.Warn("batch sent", zap.Duration("took", 1500*time.Millisecond))
			_ = log.Sync()
			b, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			line := string(b)
			if strings.Contains(line, "\x1b[") {
				t.Errorf("colour codes in a file: %q", line)
			}
			if format == "console" {
				if !iso.MatchString(line) || !strings.Contains(line, `"took": "1.5s"`) {
					t.Errorf("console line %q: want an ISO 8601 time first and took 1.5s", line)
				}
				return
			}
			var rec map[string]any
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			if ts, _ := rec["ts"].(string); !iso.MatchString(ts) {
				t.Errorf("ts = %#v, want an ISO 8601 string", rec["ts"])
			}
			if rec["took"] != "1.5s" {
				t.Errorf("took = %#v, want \"1.5s\"", rec["took"])
			}
		})
	}
}

// On a terminal the console logger colours the level, as before.
func TestConsoleLogsOnATerminalAreColoured(t *testing.T) {
	var b bytes.Buffer
	log := newLoggerTo("console", zapcore.AddSync(&b), true)
	log.Info("hello")
	if !strings.Contains(b.String(), "\x1b[") {
		t.Errorf("no colour on a terminal: %q", b.String())
	}
}

// `predict customer` prints predictions rounded for people; --json keeps full precision.
func TestPredictCustomerRoundsForPeopleAndKeepsPrecisionInJSON(t *testing.T) {
	out := predictionOutput{
		Customer: "c1", At: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Unit: "weeks",
		Summary: &summaryOutput{Frequency: 3, Recency: 20.123456, T: 40.5, MonetaryValue: 51.23456},
		Predictions: decide.Predictions{PAlive: 0.8763962761124754, ExpectedOrders90d: 1.2345678, CLV: 123.456789,
			NextOrderAt: time.Date(2026, 12, 30, 7, 13, 14, 0, time.UTC), RFM: "545", Lifecycle: "active"},
	}
	var text bytes.Buffer
	printCustomerPrediction(&text, out)
	for _, want := range []string{"p alive              0.88\n", "expected orders 90d  1.23\n", "clv                  123.46\n", "next order at        2026-12-30\n", "rfm                  545\n"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "0.876396") {
		t.Errorf("raw float printed:\n%s", text.String())
	}
	var js bytes.Buffer
	if err := writeJSON(&js, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), "0.8763962761124754") {
		t.Errorf("--json lost precision: %s", js.String())
	}
}
