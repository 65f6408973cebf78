package main

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// signalBuffer collects what the demo prints and signals every write, so a test waits for a
// line rather than polling on a timer.
type signalBuffer struct {
	syncBuffer
	once  sync.Once
	wrote chan struct{}
}

func (s *signalBuffer) Write(p []byte) (int, error) {
	s.once.Do(func() { s.wrote = make(chan struct{}, 1) })
	n, err := s.syncBuffer.Write(p)
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// waitFor waits until the output matches re, or the command ends, or the deadline passes.
func (s *signalBuffer) waitFor(t *testing.T, re *regexp.Regexp, done <-chan error) []string {
	t.Helper()
	s.once.Do(func() { s.wrote = make(chan struct{}, 1) })
	deadline := time.After(120 * time.Second)
	for {
		if m := re.FindStringSubmatch(s.String()); m != nil {
			return m
		}
		select {
		case <-s.wrote:
		case err := <-done:
			t.Fatalf("ended before printing %s: %v\n%s", re, err, s.String())
		case <-deadline:
			t.Fatalf("no %s within 120 s:\n%s", re, s.String())
		}
	}
}

// freePort returns a loopback address nobody listens on at the time of the call.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// In a container the demo must listen where RAPPORT_LISTEN says: --listen's default used to
// override it, so `docker run -e RAPPORT_LISTEN=0.0.0.0:8080 rapport demo` listened on the
// container's loopback, unreachable. It prints the URLs it serves, the admin one's /metrics
// included, and they answer.
func TestDemoListensWhereRAPPORT_LISTENSaysAndPrintsItsURLs(t *testing.T) {
	want := freePort(t)
	t.Setenv("RAPPORT_LISTEN", want)
	t.Setenv("RAPPORT_ADMIN_LISTEN", "localhost:0") // not 9464, which another process may hold
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out signalBuffer
	done := make(chan error, 1)
	go func() { done <- demoCmd(ctx, "--outbox", t.TempDir())(&out) }()

	api := out.waitFor(t, regexp.MustCompile(`API on http://(\S+) `), done)[1]
	if api != want {
		t.Errorf("API on %s, want %s (RAPPORT_LISTEN)", api, want)
	}
	metrics := out.waitFor(t, regexp.MustCompile(`Metrics on (http://\S+/metrics)`), done)[1]
	for _, url := range []string{"http://" + api + "/healthz", metrics} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", url, resp.Status)
		}
	}
	if strings.Contains(strings.ToLower(out.String()), "dashboard") {
		t.Errorf("the demo announces a dashboard it does not serve:\n%s", out.String())
	}
	cancel()
	<-done
}

// A port already in use fails at once, naming the setting to change, before the import (it
// used to fail after importing the whole base).
func TestDemoOnAPortInUseFailsBeforeImportingAndNamesTheSetting(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	t.Setenv("RAPPORT_ADMIN_LISTEN", "localhost:0")
	for _, tc := range []struct {
		name, env string
		args      []string
		want      string
	}{
		{name: "from the environment", env: addr, want: "RAPPORT_LISTEN"},
		{name: "from the flag", env: freePort(t), args: []string{"--listen", addr}, want: "--listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("RAPPORT_LISTEN", tc.env)
			// Bounded: a demo that did not fail would otherwise serve until stopped.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var out signalBuffer
			err := demoCmd(ctx, append(tc.args, "--outbox", t.TempDir())...)(&out)
			if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s and %s", err, addr, tc.want)
			}
			if strings.Contains(out.String(), "imported") {
				t.Errorf("imported before failing to listen:\n%s", out.String())
			}
		})
	}
}

// demoCmd returns `rapport demo args` writing to an output.
func demoCmd(ctx context.Context, args ...string) func(*signalBuffer) error {
	return func(out *signalBuffer) error {
		var stderr syncBuffer
		return runDemo(ctx, args, out, &stderr)
	}
}
