package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/internal/redisconn"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfgPath := newFlags("import", "import [--config F] [--dry-run] [--skip-bad] FILE.csv|FILE.jsonl", stderr)
	dryRun := fs.Bool("dry-run", false, "validate and count without writing anything")
	skipBad := fs.Bool("skip-bad", false, "load the good rows of a file that has bad ones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("one file is required")
	}
	path := fs.Arg(0)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	storeOpts := customerOptions(cfg, nil)
	var store *customers.Store // none on a dry run: it validates and counts without Redis
	if !*dryRun {
		if cfg.RedisURL == "" {
			return fmt.Errorf("import writes to Redis: set redis_url or RAPPORT_REDIS_URL (or use --dry-run)")
		}
		rdb, err := redisconn.Open(cfg.RedisURL)
		if err != nil {
			return err
		}
		defer rdb.Close()
		store = customers.NewStore(rdb, storeOpts)
	}
	rep, err := importFile(ctx, store, path, customers.ImportOptions{
		DryRun: *dryRun, SkipBad: *skipBad, Now: time.Now(), StoreOptions: storeOpts})
	for _, e := range rep.Errors {
		fmt.Fprintln(stdout, e.Error())
	}
	if err != nil {
		return err
	}
	verb := "imported"
	if *dryRun {
		verb = "would import (dry run)"
	}
	fmt.Fprintf(stdout, "%s %s: %d rows, %d customers, %d orders, %d events, %d skipped\n",
		verb, filepath.Base(path), rep.Rows, rep.Customers, rep.Orders, rep.Events, rep.Skipped)
	return nil
}

func importFile(ctx context.Context, store *customers.Store, path string, opts customers.ImportOptions) (customers.ImportReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return customers.ImportReport{}, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	return customers.Import(ctx, store, f, path, opts)
}
