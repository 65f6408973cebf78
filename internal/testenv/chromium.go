package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of a Chromium for the browser tests: $CHROMIUM, else the first
// of chromium, chromium-browser and google-chrome on PATH. Without one, the test is skipped
// with a message saying how to get it, and fails under CI, where scripts/test.sh installs
// Debian's chromium: a browser test must never pass there without running.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH (apt-get install chromium, or run scripts/test.sh, which installs it; or set CHROMIUM)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg + ": skipping the browser test")
	return ""
}
