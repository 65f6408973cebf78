package customers

import (
	"strconv"
	"strings"
)

// A profile hash stays a listpack, Redis's compact encoding, only while every value is at
// most hash-max-listpack-value bytes (64 by default); one longer value converts it to a hash
// table for good, which cost a typical profile 547 bytes instead of ~390 (bench/README.md).
// So a value of p or s longer than chunkSize is stored as chunkedFormat followed by the
// value, cut into chunkSize pieces: the first in the field itself (p), the others in p1, p2,
// ... A value of chunkSize bytes or less is stored whole, as before; a reader tells the two
// apart by the first byte, which is formatV1 for a whole value. A version that does not know
// chunkedFormat reads such a profile as corrupt (an error, never a wrong value), so every
// process that reads profiles must be upgraded together.

// chunkSize is Redis's default hash-max-listpack-value.
const chunkSize = 64

// chunkedFormat is the first byte of a value stored in chunks.
const chunkedFormat = 0xc

// chunkField is the name of chunk i (i >= 1) of field f. The names of the first chunks of p
// and s are built once: a read looks them up for every profile (the fan-out reads 80,000 a
// second).
func chunkField(f string, i int) string {
	if i < len(chunkNames[0]) {
		switch f {
		case fieldProfile:
			return chunkNames[0][i]
		case fieldSends:
			return chunkNames[1][i]
		}
	}
	return f + strconv.Itoa(i)
}

var chunkNames = func() (names [2][32]string) {
	for i := range names[0] {
		names[0][i] = fieldProfile + strconv.Itoa(i)
		names[1][i] = fieldSends + strconv.Itoa(i)
	}
	return names
}()

// joinValue returns field f of h, joined from its chunks when it was stored in chunks, and
// remembers how many chunk fields f has, so that the next write deletes those it no longer
// needs.
func (st *state) joinValue(h map[string]string, f string) string {
	n := 1
	for {
		if _, ok := h[chunkField(f, n)]; !ok {
			break
		}
		n++
	}
	if n > 1 {
		if st.chunks == nil {
			st.chunks = map[string]int{}
		}
		st.chunks[f] = n
	}
	v := h[f]
	if v == "" || v[0] != chunkedFormat {
		return v // whole; chunk fields, if any, are stale and go with the next write
	}
	var b strings.Builder
	b.Grow(n * chunkSize)
	b.WriteString(v[1:])
	for i := 1; i < n; i++ {
		b.WriteString(h[chunkField(f, i)])
	}
	return b.String()
}

// appendChunks appends to args the field/value pairs that store v in field f: whole when it
// fits, else in chunks, plus an empty value (deletion) for every chunk field f had and no
// longer needs.
func (st *state) appendChunks(args []any, f string, v []byte) []any {
	n := 1
	if len(v) <= chunkSize {
		args = append(args, f, v)
	} else {
		w := make([]byte, 0, len(v)+1)
		w = append(append(w, chunkedFormat), v...)
		args = append(args, f, w[:chunkSize])
		for w = w[chunkSize:]; len(w) > 0; n++ {
			c := w[:min(len(w), chunkSize)]
			args = append(args, chunkField(f, n), c)
			w = w[len(c):]
		}
	}
	for i := n; i < st.chunks[f]; i++ {
		args = append(args, chunkField(f, i), "")
	}
	if n > 1 || st.chunks[f] > 1 {
		if st.chunks == nil {
			st.chunks = map[string]int{}
		}
		st.chunks[f] = n
	}
	return args
}
