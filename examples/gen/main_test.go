package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The committed customer base and stream must be what the generator writes: edit the
// generator, then run go run ./examples/gen and commit both.
func TestCommittedFilesAreWhatTheGeneratorWrites(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, defaultSeed, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"customers/customers.csv", "customers/orders.csv", "events/stream.jsonl"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("examples/%s differs from the generator's output: run go run ./examples/gen", name)
		}
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := run(dir, 7, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"customers/customers.csv", "customers/orders.csv", "events/stream.jsonl"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if !bytes.Equal(x, y) {
			t.Errorf("two runs with the same seed wrote different %s", name)
		}
	}
}

func TestBaseHasTheShapeTheDemoNeeds(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, defaultSeed, io.Discard); err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, name := range []string{"customers/customers.csv", "customers/orders.csv", "events/stream.jsonl"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	if total >= 1<<20 {
		t.Errorf("the generated files take %d bytes, want under 1 MiB", total)
	}

	b := newBase(newRand(defaultSeed))
	if len(b.customers) < 1200 {
		t.Errorf("%d customers, want at least 1,200", len(b.customers))
	}
	perLocale := map[string]int{}
	var gold, neither int
	for _, c := range b.customers {
		perLocale[c.Locale]++
		if c.Tier == "gold" {
			gold++
		}
		if !c.ConsentEmail && !c.ConsentSMS {
			neither++
		}
	}
	for _, l := range []string{"ru-RU", "fa-IR", "zh-CN", "de-DE", "es-ES", "en-US"} {
		if perLocale[l] < 100 {
			t.Errorf("%d customers with locale %s, want at least 100", perLocale[l], l)
		}
	}
	if share := float64(gold) / float64(len(b.customers)); share < 0.12 || share > 0.18 {
		t.Errorf("gold tier share %.2f, want about 0.15", share)
	}
	if share := float64(neither) / float64(len(b.customers)); share < 0.03 || share > 0.08 {
		t.Errorf("share without any consent %.2f, want about 0.05", share)
	}
}
