package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFiles writes files (path relative to dir → content) under dir, creating their
// directories: a test's campaigns, templates and configuration.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
