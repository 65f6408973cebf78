package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's tour, steps 1 to 3, as a reader types them: `rapport init my-shop`, the hello
// campaign written by the shell block, lint with the project's configuration, and the imports
// of the repository's example customers (dry runs: no Redis). The tour once began with
// `cp -r examples my-shop`, which copied Go code into the marketer's folder.
func TestReadmeTourInitLintsAndImports(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	tour := string(readme)
	tour = tour[strings.Index(tour, "## A five-minute tour"):]
	tour = tour[:strings.Index(tour, "**4. Preview**")]
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(tour, -1)
	if len(blocks) != 3 {
		t.Fatalf("%d shell blocks in steps 1 to 3, want 3", len(blocks))
	}
	if strings.Contains(tour, "cp -r examples") {
		t.Error("the tour copies examples/ (Go code included) again")
	}
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(examples, filepath.Join(root, "examples")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)

	// Step 1: rapport commands run in process, the rest through the shell.
	var shell []string
	for _, line := range strings.Split(blocks[0][1], "\n") {
		if args, ok := strings.CutPrefix(line, "go run ./cmd/rapport "); ok {
			if code, out, errOut := runCmd(strings.Fields(args)...); code != 0 {
				t.Fatalf("%s: exit %d\n%s%s", line, code, out, errOut)
			}
			continue
		}
		shell = append(shell, line)
	}
	if out, err := exec.Command("bash", "-euc", strings.Join(shell, "\n")).CombinedOutput(); err != nil {
		t.Fatalf("step 1: %v\n%s", err, out)
	}
	// Step 2: lint, every campaign of the project.
	lint := regexp.MustCompile(`go run ./cmd/rapport (lint .*)`).FindStringSubmatch(blocks[1][1])
	if lint == nil {
		t.Fatal("step 2 does not lint")
	}
	if code, out, errOut := runCmd(strings.Fields(lint[1])...); code != 0 || !strings.Contains(errOut, "ok: 2 campaign(s)") {
		t.Errorf("%s: exit %d\n%s%s", lint[1], code, out, errOut)
	}
	// Step 3: the imports read files that exist, as the project's configuration allows.
	imports := regexp.MustCompile(`go run ./cmd/rapport (import .*)`).FindAllStringSubmatch(blocks[2][1], -1)
	if len(imports) != 2 {
		t.Fatalf("step 3 has %d imports, want customers and orders", len(imports))
	}
	for _, m := range imports {
		args := append([]string{"import", "--dry-run"}, strings.Fields(m[1])[1:]...)
		if code, out, errOut := runCmd(args...); code != 0 {
			t.Errorf("%s: exit %d\n%s%s", m[1], code, out, errOut)
		}
	}
}
