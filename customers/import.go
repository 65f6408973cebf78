package customers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrBadRows is returned, wrapped, when a file has bad rows and ImportOptions.SkipBad is off:
// nothing was loaded, and ImportReport.Errors says what to fix.
var ErrBadRows = errors.New("the file has bad rows")

// MaxImportErrors is how many bad rows a report lists; ImportReport.Bad counts them all.
const MaxImportErrors = 1000

// ImportOptions configure Import; zero values take the documented defaults.
type ImportOptions struct {
	// DryRun validates the whole file and reports its counts without writing anything.
	DryRun bool
	// SkipBad loads the good rows of a file that has bad ones; they are reported and counted
	// in Skipped. Without it, a file with any bad row loads nothing.
	SkipBad bool
	// Now is the import's clock: the event time of customers CSV rows, and the limit past
	// which a timestamp is in the future; default time.Now().
	Now time.Time
	// BatchSize is how many events go into one Store.Apply call; default 500.
	BatchSize int
	// StoreOptions are what rows are checked against when Import has no store, as on a dry
	// run with no Redis (DefaultRegion reads phone numbers without a country code). With a
	// store, the store's own options are used and these are ignored.
	StoreOptions Options
}

// ImportReport counts what a file holds (valid rows) and what happened to it.
type ImportReport struct {
	Rows      int // data rows read, blank lines and the CSV header excluded
	Customers int // distinct customers among the valid rows
	Orders    int // Order Completed events among the valid rows
	Events    int // valid rows, each one event
	Skipped   int // bad rows skipped (SkipBad)
	// Duplicates are events already applied before, by an earlier import for instance: they
	// changed nothing. Not known on a dry run.
	Duplicates int
	Bad        int           // bad rows
	Errors     []ImportError // the first MaxImportErrors bad rows
}

// ImportError is one bad row, or a bad header (line 1).
type ImportError struct {
	File  string
	Line  int
	Field string // the CSV column or JSON field; empty when the whole line is wrong
	Msg   string
}

// Error formats as "file:line: field: msg", the form editors jump to.
func (e ImportError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Import loads a file of customers and past orders into the store. name (the file name)
// decides the format: .jsonl or .ndjson is one /v1/batch item per line (identify, or track
// with its timestamp); .csv is a customers CSV (userId and trait columns: email, phone,
// firstName, lastName, birthday, createdAt, country, timezone, locale, consent_email,
// consent_sms, any other column a string trait) or, when the header has timestamp and total,
// an orders CSV (userId,timestamp,total[,order_id,currency,coupon]). Other names are read as
// JSONL when the file starts with '{', else as CSV.
//
// The whole file is validated first, then applied in batches: a file with any bad row loads
// nothing unless SkipBad. Rows without a messageId get one derived from their content, so
// importing the same file twice changes nothing. Memory stays bounded whatever the size of
// the file (a set of 8-byte hashes to count customers aside): r is read twice, seeking back
// when it can, else through a temporary file. An import that fails while loading (Redis
// down) has loaded some batches: running it again completes it, the loaded rows coming back
// as duplicates. A row over MaxTraitBytes, or whose traits alone are over MaxProfileBytes, is
// a bad row; the one size found only while loading is that of a customer whose rows are each
// under MaxProfileBytes and together over it: the load stops there with ErrProfileTooLarge,
// naming the customer, and running it again with that customer's rows fixed completes it. Import writes profiles only: it never triggers campaigns, the data are
// history. s may be nil on a dry run only.
func Import(ctx context.Context, s *Store, r io.Reader, name string, opts ImportOptions) (ImportReport, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	var rep ImportReport
	rules := opts.StoreOptions.WithDefaults()
	if s != nil {
		rules = s.opts
	} else if !opts.DryRun {
		return rep, fmt.Errorf("import %s: no store to load into (only a dry run needs none)", name)
	}
	src, cleanup, err := seekable(r)
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", name, err)
	}
	defer cleanup()
	start, err := src.Seek(0, io.SeekCurrent)
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", name, err)
	}
	env := rowEnv{now: opts.Now.UTC(), region: rules.DefaultRegion, maxTrait: rules.MaxTraitBytes, maxProfile: rules.MaxProfileBytes}

	rows, err := openRows(src, name, env)
	if err != nil {
		return rep, rep.fatal(name, err)
	}
	seed := maphash.MakeSeed()
	customers := map[uint64]struct{}{}
	err = eachRow(ctx, rows, func(rw row) error {
		rep.Rows++
		if rw.err != nil {
			rep.Bad++
			if len(rep.Errors) < MaxImportErrors {
				rep.Errors = append(rep.Errors, ImportError{File: name, Line: rw.line, Field: rw.err.Field, Msg: rw.err.Msg})
			}
			return nil
		}
		rep.Events++
		if rw.ev.Type == TypeTrack && rw.ev.Event == OrderCompleted {
			rep.Orders++
		}
		customers[maphash.String(seed, rw.ev.UserID)] = struct{}{}
		return nil
	})
	rep.Customers = len(customers)
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", name, err)
	}
	if rep.Bad > 0 {
		if !opts.SkipBad {
			return rep, fmt.Errorf("import %s: %d bad rows, nothing loaded: %w", name, rep.Bad, ErrBadRows)
		}
		rep.Skipped = rep.Bad
	}
	if opts.DryRun {
		return rep, nil
	}

	if _, err := src.Seek(start, io.SeekStart); err != nil {
		return rep, fmt.Errorf("import %s: rewind: %w", name, err)
	}
	if rows, err = openRows(src, name, env); err != nil {
		return rep, rep.fatal(name, err)
	}
	batch := make([]Event, 0, opts.BatchSize)
	flush := func() error {
		res, err := s.apply(ctx, batch, false, nil)
		var refused *EventError
		if errors.As(err, &refused) {
			return fmt.Errorf("customer %s: %w", batch[refused.Index].UserID, err)
		}
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Duplicate {
				rep.Duplicates++
			}
		}
		batch = batch[:0]
		return nil
	}
	err = eachRow(ctx, rows, func(rw row) error {
		if rw.err != nil {
			return nil
		}
		if batch = append(batch, rw.ev); len(batch) == opts.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", name, err)
	}
	return rep, nil
}

// fatal reports an error that stops the import before any row (a bad CSV header).
func (rep *ImportReport) fatal(name string, err error) error {
	var ie *ImportError
	if errors.As(err, &ie) {
		ie.File = name
		rep.Bad++
		rep.Errors = append(rep.Errors, *ie)
		return fmt.Errorf("import: %w", ie)
	}
	return fmt.Errorf("import %s: %w", name, err)
}

// eachRow calls fn for every row, checking ctx between rows.
func eachRow(ctx context.Context, rows rowSource, fn func(row) error) error {
	for i := 0; ; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rw, err := rows.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rw); err != nil {
			return err
		}
	}
}

// openRows picks the reader for the file's format.
func openRows(r io.Reader, name string, env rowEnv) (rowSource, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return &jsonlSource{r: br, env: env}, nil
	case ".csv":
		return newCSVSource(br, env)
	}
	for {
		b, err := br.Peek(1)
		if err != nil {
			return newCSVSource(br, env) // empty: the CSV reader says so
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.ReadByte()
			continue
		case '{':
			return &jsonlSource{r: br, env: env}, nil
		}
		return newCSVSource(br, env)
	}
}

// seekable returns r when it can seek (a file), else a temporary copy of it, removed by the
// returned cleanup.
func seekable(r io.Reader) (io.ReadSeeker, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if _, err := rs.Seek(0, io.SeekCurrent); err == nil { // a pipe is an *os.File that cannot
			return rs, func() {}, nil
		}
	}
	f, err := os.CreateTemp("", "rapport-import-*")
	if err != nil {
		return nil, nil, fmt.Errorf("buffer the input: %w", err)
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	if _, err := io.Copy(f, r); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("buffer the input: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("buffer the input: %w", err)
	}
	return f, cleanup, nil
}
