// Command gen writes the synthetic customer base that `rapport demo` imports and the stream
// of purchase events it plays at start-up:
//
//	examples/customers/customers.csv   one row per customer: profile, consent, tier
//	examples/customers/orders.csv      their past orders over the two years before the reference date
//	examples/events/stream.jsonl       identify and track lines played by the demo (no timestamps)
//
// Run it from the repository root: go run ./examples/gen
//
// The output depends only on the seed and the fixed reference date, never on the clock, so the
// committed files are reproducible and a change to the generator shows up as a reviewable diff.
// Names, e-mail addresses and phone numbers are invented (addresses are all @example.com).
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
	_ "time/tzdata" // the same time zone rules on every machine, so the same order timestamps
)

// reference is "today" for the generated history: orders fall in the two years before it.
var reference = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

func main() {
	dir := flag.String("dir", "examples", "directory that receives customers/ and events/")
	seed := flag.Uint64("seed", defaultSeed, "random seed; the committed files use the default")
	flag.Parse()

	if err := run(*dir, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// defaultSeed is the seed of the committed files.
const defaultSeed = 20261101

// run writes the files under dir and a summary of what they hold to out.
func run(dir string, seed uint64, out io.Writer) error {
	r := newRand(seed)
	base := newBase(r)
	stream := newStream(r, base)

	files := []struct {
		path  string
		write func(io.Writer) error
	}{
		{filepath.Join(dir, "customers", "customers.csv"), base.writeCustomers},
		{filepath.Join(dir, "customers", "orders.csv"), base.writeOrders},
		{filepath.Join(dir, "events", "stream.jsonl"), stream.write},
	}
	for _, f := range files {
		if err := writeFile(f.path, f.write); err != nil {
			return err
		}
	}
	base.summary(out)
	stream.summary(out)
	return nil
}

// newRand is the generator's only source of randomness.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// writeFile creates path (and its directory) and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
