package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rapporthq/rapport/predict"
)

// summaryColumns are the columns of a summary CSV, in the lifetimes library's names; the
// last is optional.
var summaryColumns = []string{"customer_id", "frequency", "recency", "T", "monetary_value"}

// readSummaryCSV adds every row of a summary CSV (header required; other columns ignored) to
// st, one row at a time, so memory holds the groups rather than the rows. An invalid row stops
// the read with name:line and what is wrong. hasMonetary says whether the file had the
// monetary_value column, without which only the BG/NBD can be fitted.
func readSummaryCSV(r io.Reader, name string, st *predict.Stats) (hasMonetary bool, err error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return false, fmt.Errorf("%s: empty file: want a header %s[,%s]", name, strings.Join(summaryColumns[:4], ","), summaryColumns[4])
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	idx := make([]int, len(summaryColumns))
	for i, c := range summaryColumns {
		j, ok := col[c]
		if !ok && i < 4 {
			return false, fmt.Errorf("%s:1: no %s column: want a header %s[,%s] (the lifetimes convention)", name, c, strings.Join(summaryColumns[:4], ","), summaryColumns[4])
		}
		if !ok {
			j = -1
		}
		idx[i] = j
	}
	hasMonetary = idx[4] >= 0
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return hasMonetary, nil
		}
		if err != nil {
			return false, fmt.Errorf("%s: %w", name, err)
		}
		var v [4]float64
		for k := 1; k < len(summaryColumns); k++ {
			j := idx[k]
			if j < 0 {
				continue
			}
			if j >= len(rec) {
				return false, fmt.Errorf("%s:%d: no %s value", name, line, summaryColumns[k])
			}
			if v[k-1], err = strconv.ParseFloat(strings.TrimSpace(rec[j]), 64); err != nil {
				return false, fmt.Errorf("%s:%d: %s %q is not a number", name, line, summaryColumns[k], rec[j])
			}
		}
		s := predict.Summary{X: v[0], Tx: v[1], T: v[2], Monetary: v[3]}
		if s.X == 0 {
			s.Monetary = 0 // lifetimes writes 0; a stray value has no meaning without repeats
		}
		if err := st.Add(s); err != nil {
			return false, fmt.Errorf("%s:%d: customer %s: %w", name, line, rec[idx[0]], err)
		}
	}
}
