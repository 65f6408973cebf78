package customers

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxLine bounds one JSONL line; a longer one is a bad row, not an out-of-memory.
const maxLine = 1 << 20

// row is one data line of an import file: its event, or why it cannot be one.
type row struct {
	line int
	ev   Event
	err  *FieldError
}

// rowSource yields the rows of a file; next returns io.EOF at the end and any other error
// for a file that cannot be read at all (I/O, bad CSV header).
type rowSource interface {
	next() (row, error)
}

// rowEnv is what turning rows into events depends on.
type rowEnv struct {
	now    time.Time
	region string
	// maxTrait and maxProfile are the store's MaxTraitBytes and MaxProfileBytes: a row over
	// them is a bad row, found before anything is loaded, rather than a load that stops
	// half-way.
	maxTrait, maxProfile int
}

// contentID is a deterministic messageId for a row without one, so that importing the same
// file again is recognised as duplicates instead of counted twice.
func contentID(prefix string, parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return prefix + hex.EncodeToString(h.Sum(nil)[:16])
}

// jsonlSource reads one /v1/batch item per line.
type jsonlSource struct {
	r    *bufio.Reader
	line int
	env  rowEnv
}

func (j *jsonlSource) next() (row, error) {
	for {
		text, tooLong, err := j.readLine()
		if err != nil && (err != io.EOF || len(text) == 0 && !tooLong) {
			return row{}, err
		}
		j.line++
		if tooLong {
			return row{line: j.line, err: fieldErr("", "line is longer than %d bytes", maxLine)}, nil
		}
		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		ev, generated, ferr := decodeEvent(text, "", j.env.now)
		if ferr != nil {
			return row{line: j.line, err: ferr}, nil
		}
		if generated {
			ev.MessageID = contentID("import:", text)
		}
		if ev.Type == TypeIdentify {
			if ferr := checkReserved(ev.Traits, j.env.region); ferr != nil {
				return row{line: j.line, err: ferr.prefixed("traits")}, nil
			}
			if ferr, _ := checkTraitSizes(&ev, j.env.maxTrait, j.env.maxProfile); ferr != nil {
				return row{line: j.line, err: ferr}, nil
			}
		}
		return row{line: j.line, ev: ev}, nil
	}
}

// readLine returns the next line without its newline; tooLong when it exceeded maxLine (the
// rest of it is skipped).
func (j *jsonlSource) readLine() (line []byte, tooLong bool, err error) {
	for {
		chunk, err := j.r.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLine+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}

// CSV kinds, decided by the header.
const (
	csvCustomers = iota
	csvOrders
)

// csvSource reads a customers CSV (userId and trait columns) or an orders CSV
// (userId,timestamp,total[,order_id,currency,coupon]).
type csvSource struct {
	r       *csv.Reader
	kind    int
	header  []string
	header0 []byte   // the header, part of every content id
	cols    []string // per column: trait path (customers) or property name (orders)
	user    int      // index of the userId column
	env     rowEnv
}

// csvColumns maps customers CSV headers (lower case) to trait paths; any other column is a
// string trait named as written.
var csvColumns = map[string]string{
	"email": "email", "phone": "phone", "firstname": "firstName", "first_name": "firstName",
	"lastname": "lastName", "last_name": "lastName", "birthday": "birthday",
	"createdat": "createdAt", "created_at": "createdAt", "country": "address.country",
	"timezone": "timezone", "locale": "locale",
	"consent_email": "consent.email", "consent_sms": "consent.sms",
}

func newCSVSource(r io.Reader, env rowEnv) (*csvSource, error) {
	c := &csvSource{r: csv.NewReader(r), user: -1, env: env}
	c.r.FieldsPerRecord = -1 // counted per row, to report it with the line number
	header, err := c.r.Read()
	if err == io.EOF {
		return nil, &ImportError{Line: 1, Msg: "the file is empty: a header line is required"}
	}
	if err != nil {
		return nil, &ImportError{Line: 1, Msg: "header: " + err.Error()}
	}
	c.header = append([]string(nil), header...)
	c.header[0] = strings.TrimPrefix(c.header[0], "\ufeff") // Excel's byte-order mark
	c.header0 = []byte(strings.Join(c.header, "\x1f"))
	lower := map[string]int{}
	for i, h := range c.header {
		h = strings.TrimSpace(h)
		c.header[i] = h
		l := strings.ToLower(h)
		if h == "" {
			return nil, &ImportError{Line: 1, Field: "column " + strconv.Itoa(i+1), Msg: "empty column name"}
		}
		if _, dup := lower[l]; dup {
			return nil, &ImportError{Line: 1, Field: h, Msg: "duplicate column"}
		}
		lower[l] = i
	}
	for _, name := range []string{"userid", "user_id"} {
		if i, ok := lower[name]; ok {
			c.user = i
		}
	}
	if c.user < 0 {
		return nil, &ImportError{Line: 1, Field: "userId", Msg: "missing column: a customers CSV has userId and trait columns, an orders CSV userId,timestamp,total"}
	}
	_, hasTS := lower["timestamp"]
	_, hasTotal := lower["total"]
	_, hasOrderID := lower["order_id"]
	if hasTS && (hasTotal || hasOrderID) {
		c.kind = csvOrders
		if !hasTotal {
			return nil, &ImportError{Line: 1, Field: "total", Msg: "missing column: an orders CSV has userId,timestamp,total"}
		}
	}
	c.cols = make([]string, len(c.header))
	for i, h := range c.header {
		l := strings.ToLower(h)
		switch {
		case i == c.user:
		case c.kind == csvOrders:
			c.cols[i] = l
			if l != "timestamp" && l != "total" && l != "order_id" && l != "currency" && l != "coupon" {
				c.cols[i] = h // any other column is kept as a string property
			}
		case csvColumns[l] != "":
			c.cols[i] = csvColumns[l]
		default:
			c.cols[i] = h
		}
	}
	return c, nil
}

func (c *csvSource) next() (row, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return row{}, io.EOF
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return row{line: perr.StartLine, err: fieldErr("", "%v", perr.Err)}, nil
	}
	if err != nil {
		return row{}, err
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.header) {
		return row{line: line, err: fieldErr("", "%d columns, the header has %d", len(rec), len(c.header))}, nil
	}
	for i, v := range rec {
		// Spreadsheets often save CSV as Latin-1 or Windows-1252; encoding/csv does not
		// check, and the value would reach Redis as U+FFFD.
		if !utf8.ValidString(v) {
			return row{line: line, err: fieldErr(c.header[i], "is not valid UTF-8: save the file as UTF-8")}, nil
		}
	}
	id := strings.TrimSpace(rec[c.user])
	if ferr := checkID(c.header[c.user], id); ferr != nil {
		return row{line: line, err: ferr}, nil
	}
	content := []byte(strings.Join(rec, "\x1f"))
	if c.kind == csvOrders {
		ev, ferr := c.order(id, rec, content)
		return row{line: line, ev: ev, err: ferr}, nil
	}
	ev, ferr := c.customer(id, rec, content)
	return row{line: line, ev: ev, err: ferr}, nil
}

// customer turns a customers CSV row into an identify at the import's time; empty cells
// set nothing (they do not delete).
func (c *csvSource) customer(id string, rec []string, content []byte) (Event, *FieldError) {
	traits := map[string]any{}
	for i, v := range rec {
		v = strings.TrimSpace(v)
		if i == c.user || v == "" {
			continue
		}
		path := c.cols[i]
		parent, leaf, nested := strings.Cut(path, ".")
		if !nested {
			traits[path] = v
			continue
		}
		var val any = v
		if parent == "consent" {
			switch strings.ToLower(v) {
			case "true", "yes", "y", "1":
				val = true
			case "false", "no", "n", "0":
				val = false
			default:
				return Event{}, fieldErr(c.header[i], "%q is not true or false", truncate(v, 40))
			}
		}
		obj, _ := traits[parent].(map[string]any)
		if obj == nil {
			obj = map[string]any{}
			traits[parent] = obj
		}
		obj[leaf] = val
	}
	if ferr := checkReserved(traits, c.env.region); ferr != nil {
		for i, path := range c.cols {
			if path == ferr.Field {
				ferr.Field = c.header[i]
			}
		}
		return Event{}, ferr
	}
	ev := Event{Type: TypeIdentify, UserID: id, Traits: traits, Timestamp: c.env.now, ReceivedAt: c.env.now,
		MessageID: contentID("import:", c.header0, content)}
	if ferr, _ := checkTraitSizes(&ev, c.env.maxTrait, c.env.maxProfile); ferr != nil {
		// "traits.bio" is the column bio; "traits.address" the column of address.country
		trait := strings.TrimPrefix(ferr.Field, "traits.")
		for i, path := range c.cols {
			if i != c.user && (path == trait || strings.HasPrefix(path, trait+".")) {
				ferr.Field = c.header[i]
				break
			}
		}
		return Event{}, ferr
	}
	return ev, validate(&ev)
}

// order turns an orders CSV row into an Order Completed. Its messageId is "order:<order_id>",
// or a hash of the row without one: importing the file again changes nothing.
func (c *csvSource) order(id string, rec []string, content []byte) (Event, *FieldError) {
	props := map[string]any{}
	var at time.Time
	for i, v := range rec {
		v = strings.TrimSpace(v)
		name := c.cols[i]
		switch {
		case i == c.user:
		case name == "timestamp":
			t, ok := parseImportTime(v)
			if !ok {
				return Event{}, fieldErr(c.header[i], "%q is not RFC 3339, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD (UTC)", truncate(v, 40))
			}
			if t.After(c.env.now.Add(MaxFutureSkew)) {
				return Event{}, fieldErr(c.header[i], "%s is in the future", v)
			}
			at = t
		case name == "total":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return Event{}, fieldErr(c.header[i], "%q is not a number", truncate(v, 40))
			}
			props["total"] = f
		case v != "":
			props[name] = v
		}
	}
	ev := Event{Type: TypeTrack, Event: OrderCompleted, UserID: id, Properties: props, Timestamp: at, ReceivedAt: c.env.now}
	if oid, ok := props["order_id"].(string); ok {
		ev.MessageID = "order:" + oid
	} else {
		ev.MessageID = contentID("order:", c.header0, content)
	}
	if ferr := validate(&ev); ferr != nil {
		name := strings.TrimPrefix(ferr.Field, "properties.")
		for i, col := range c.cols {
			if col == name {
				ferr.Field = c.header[i]
			}
		}
		return Event{}, ferr
	}
	return ev, nil
}

// parseImportTime accepts RFC 3339, "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD", the last two in
// UTC, as spreadsheets write them.
func parseImportTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// checkReserved is the importer's stricter reading of reserved traits: the API keeps an
// invalid email in Traits and leaves Email empty, but a file being loaded should be fixed
// rather than loaded with holes, so here it is a bad row. The field is the trait path.
func checkReserved(traits map[string]any, region string) *FieldError {
	if c, ok := normCountry(countryTrait(traits)); ok {
		region = c
	} else if v := countryTrait(traits); v != nil {
		return fieldErr("address.country", "%q is not an ISO 3166-1 alpha-2 country code such as DE", truncate(fmt.Sprint(v), 60))
	}
	checks := []struct {
		name     string
		ok       func(any) bool
		want     string
		personal bool // not echoed: errors end up in logs, which never carry addresses
	}{
		{"email", func(v any) bool { _, ok := normEmail(v); return ok }, "an email address", true},
		{"phone", func(v any) bool { _, ok := normPhone(v, region); return ok }, "a phone number valid in " + region, true},
		{"birthday", func(v any) bool { _, ok := normBirthday(v); return ok }, "a date YYYY-MM-DD", false},
		{"createdAt", func(v any) bool { _, ok := normTime(v); return ok }, "an RFC 3339 time or a date YYYY-MM-DD", false},
		{"timezone", func(v any) bool { _, ok := normTimezone(v); return ok }, "an IANA time zone such as Europe/Berlin", false},
		{"locale", func(v any) bool { _, ok := normLocale(v); return ok }, "a BCP 47 locale such as de-DE", false},
	}
	for _, c := range checks {
		v, ok := traits[c.name]
		if !ok || v == nil || c.ok(v) {
			continue
		}
		if c.personal {
			return fieldErr(c.name, "is not %s", c.want)
		}
		return fieldErr(c.name, "%q is not %s", truncate(fmt.Sprint(v), 60), c.want)
	}
	return nil
}
