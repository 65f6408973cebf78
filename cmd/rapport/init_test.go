package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `rapport init` writes a project a marketer edits, and nothing else (copying examples/
// brought Go code along), that lints against its own configuration as written.
func TestInitWritesAStarterProjectThatLintsWithItsConfiguration(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-shop")
	if code, out, errOut := runCmd("init", dir); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"rapport.yaml", ".gitignore", "campaigns/thank-you.yaml", "segments/loyal.yaml",
		"templates/_sender.html", "templates/thank-you/standard.html", "templates/thank-you/standard.de.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no %s: %v", name, err)
		}
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(path, ".go") || d.Name() == "gen") {
			t.Errorf("Go code in the project: %s", path)
		}
		return nil
	})
	yaml := readFile(t, filepath.Join(dir, "rapport.yaml"))
	for _, key := range []string{"sender_address:", "shop_url:", "api_keys:", "secret:", "admin_listen:", "listen:", "# "} {
		if !strings.Contains(yaml, key) {
			t.Errorf("rapport.yaml lacks %q", key)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, ".gitignore")), "outbox/") {
		t.Error(".gitignore does not keep outbox/ out")
	}
	cfgPath := filepath.Join(dir, "rapport.yaml")
	for _, args := range [][]string{{"lint", dir, "--config", cfgPath}, {"lint", "--config", cfgPath}, {"lint", dir}} {
		if code, out, errOut := runCmd(args...); code != 0 || !strings.Contains(errOut, "ok: 1 campaign") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Secret) != 64 || len(cfg.APIKeys) != 1 || strings.Contains(yaml, "{{API_KEY}}") || strings.Contains(yaml, "{{SECRET}}") {
		t.Errorf("secret %d characters, keys %d: want a random secret and one random key", len(cfg.Secret), len(cfg.APIKeys))
	}
	other := filepath.Join(t.TempDir(), "other")
	if code, _, errOut := runCmd("init", other); code != 0 {
		t.Fatal(errOut)
	}
	if c2, err := loadConfig(filepath.Join(other, "rapport.yaml")); err != nil || c2.Secret == cfg.Secret || c2.APIKeys[0] == cfg.APIKeys[0] {
		t.Errorf("two projects share their secret or key (%v)", err)
	}
}

// init never overwrites: a directory with anything in it is refused and left as it was; a new
// or empty one is written.
func TestInitRefusesANonEmptyDirectory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		code  int
	}{
		{name: "a file in it", files: map[string]string{"notes.txt": "mine"}, code: 1},
		{name: "a hidden file in it", files: map[string]string{".git/HEAD": "ref"}, code: 1},
		{name: "empty", files: map[string]string{}, code: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, tc.files)
			code, out, errOut := runCmd("init", dir)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if tc.code != 0 {
				if !strings.Contains(errOut, "not empty") {
					t.Errorf("error %q does not say the directory is not empty", errOut)
				}
				if _, err := os.Stat(filepath.Join(dir, "rapport.yaml")); err == nil {
					t.Error("wrote rapport.yaml into a non-empty directory")
				}
				for name, body := range tc.files {
					if got := readFile(t, filepath.Join(dir, name)); got != body {
						t.Errorf("%s changed to %q", name, got)
					}
				}
			}
		})
	}
}

// `rapport lint DIR --config F` lints with F: the flag after the directory used to be taken
// for another argument and ignored, so a project without a sender address passed.
func TestLintWithConfigAfterTheDirectoryAppliesTheConfiguration(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	if code, _, errOut := runCmd("init", dir); code != 0 {
		t.Fatal(errOut)
	}
	cfgPath := filepath.Join(dir, "rapport.yaml")
	yaml := readFile(t, cfgPath)
	start := strings.Index(yaml, "  sender_address: |")
	end := strings.Index(yaml, "  # No smtp_url")
	if err := os.WriteFile(cfgPath, []byte(yaml[:start]+yaml[end:]), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("lint", dir, "--config", cfgPath)
	if code != 1 || !strings.Contains(out, "sender_address") {
		t.Errorf("exit %d, want 1 naming sender_address\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCmd("lint", "../../examples", "--config", cfgPath); code != 1 || !strings.Contains(errOut, "not the directory of") {
		t.Errorf("a directory and another project's configuration: exit %d, %s", code, errOut)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
