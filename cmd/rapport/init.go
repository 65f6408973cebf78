package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// starter is the project `rapport init` writes: rapport.yaml, one triggered campaign with its
// templates in English and German, a segment, a custom holiday and a .gitignore. It lives here
// rather than in examples/ so that a new project gets only what a marketer edits: copying
// examples/ brought the Go code of the package (embed.go, its tests, gen/) along.
//
//go:embed all:starter
var starter embed.FS

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset, _ := newFlags("init", "init DIR", stderr)
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fset.Usage()
		return fmt.Errorf("one directory is required, e.g. rapport init my-shop")
	}
	dir := pos[0]
	if err := initProject(dir, rand.Reader); err != nil {
		return err
	}
	cfg := filepath.Join(dir, "rapport.yaml")
	fmt.Fprintf(stdout, `Wrote a starter project in %s:
  rapport.yaml                       settings: API key and secret (random), sender address, shop URL, listeners
  campaigns/thank-you.yaml           a thank-you two hours after each order of a loyal customer
  templates/thank-you/standard.html  its email in English, and standard.de.html in German
  segments/loyal.yaml                customers with three orders or more
  holidays/shop-anniversary.yaml     a date of your own, on top of each country's calendar

Next:
  rapport lint --config %s
  rapport import --config %s customers.csv     # userId + trait columns; orders.csv: userId,timestamp,total
  rapport serve --config %s                    # set redis_url first, or nothing is kept
`, dir, cfg, cfg, cfg)
	return nil
}

// initProject writes the starter project into dir, which must be new or empty: init never
// overwrites a file. The API key and the secret are random, so that no two projects share
// them and none runs on a published value.
func initProject(dir string, random io.Reader) error {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s is not empty: rapport init writes a new project into a new or empty directory and overwrites nothing", dir)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("init %s: %w", dir, err)
	}
	key, err := randomHex(random, 16)
	if err != nil {
		return err
	}
	secret, err := randomHex(random, 32)
	if err != nil {
		return err
	}
	root, err := fs.Sub(starter, "starter")
	if err != nil {
		return err
	}
	return fs.WalkDir(root, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := fs.ReadFile(root, path)
		if err != nil {
			return err
		}
		if path == "rapport.yaml" {
			b = []byte(strings.NewReplacer("{{API_KEY}}", key, "{{SECRET}}", secret).Replace(string(b)))
		}
		return writeNew(target, b)
	})
}

// writeNew writes a file that must not exist yet (O_EXCL: a file created meanwhile is kept).
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("init: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("init: write %s: %w", path, err)
	}
	return nil
}

func randomHex(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("init: random key: %w", err)
	}
	return hex.EncodeToString(b), nil
}
