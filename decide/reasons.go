package decide

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
)

// reasonLog collects a decision's reasons in one byte buffer, and finish turns them into one
// string whose substrings are Decision.Reasons: two allocations for all the reasons of a
// decision, where a string each cost a dozen (BenchmarkDecideLearning: 133 allocations per
// decision before, see bench_test.go for after). A reader holding one reason keeps the
// others' bytes alive too, a few hundred bytes.
//
// Steps written before the log existed append to d.out.Reasons and d.timeReasons; absorb
// moves those into the log, in order, before each reason written here and at the end.
type reasonLog struct {
	buf  []byte
	segs []segment
	// late segments (the send-time reasons, decided early but explained last) are written
	// after the others, and only when the decision got that far (withLate).
	withLate bool
}

type segment struct {
	start, end int
	late       bool
}

// reasonBuf and reasonSegs size the decider's inline storage: a decision with a
// condition on each step writes about 700 bytes in 12 reasons.
const (
	reasonBuf  = 1024
	reasonSegs = 24
)

// absorb moves reasons appended to d.out.Reasons and d.timeReasons into the log.
func (d *decider) absorb() {
	for _, r := range d.out.Reasons {
		d.log.add(r, false)
	}
	for _, r := range d.timeReasons {
		d.log.add(r, true)
	}
	d.out.Reasons, d.timeReasons = d.out.Reasons[:0], d.timeReasons[:0]
}

func (l *reasonLog) add(s string, late bool) {
	start := len(l.buf)
	l.buf = append(l.buf, s...)
	l.segs = append(l.segs, segment{start, len(l.buf), late})
}

// open starts a reason written piece by piece with the append helpers; close ends it.
func (d *decider) open() int {
	d.absorb()
	return len(d.log.buf)
}

func (d *decider) close(start int, late bool) {
	d.log.segs = append(d.log.segs, segment{start, len(d.log.buf), late})
}

func (d *decider) str(s string) { d.log.buf = append(d.log.buf, s...) }

func (d *decider) quoted(s string) { d.log.buf = strconv.AppendQuote(d.log.buf, s) }

func (d *decider) int(n int) { d.log.buf = strconv.AppendInt(d.log.buf, int64(n), 10) }

func (d *decider) fixed(x float64, prec int) {
	d.log.buf = strconv.AppendFloat(d.log.buf, x, 'f', prec, 64)
}

func (d *decider) clock(t time.Time, layout string) { d.log.buf = t.AppendFormat(d.log.buf, layout) }

// window writes "09:00-20:00" as config.Window.String does.
func (d *decider) window(w config.Window) {
	d.hourMinute(w.Start.Minutes)
	d.str("-")
	d.hourMinute(w.End.Minutes)
}

func (d *decider) hourMinute(m int) {
	h, mm := m/60, m%60
	d.log.buf = append(d.log.buf, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mm/10), byte('0'+mm%10))
}

// mask writes an address masked as maskAddress does.
func (d *decider) mask(ch, addr string) {
	if ch == ChannelSMS {
		d.str(maskPhone(addr))
		return
	}
	if at := strings.LastIndexByte(addr, '@'); at > 0 {
		d.str(addr[:1])
		d.str("***")
		d.str(addr[at:])
		return
	}
	d.str(maskText(addr))
}

// hourOf writes "07:00".
func (d *decider) hourOf(h int) {
	d.log.buf = append(d.log.buf, byte('0'+h/10), byte('0'+h%10), ':', '0', '0')
}

// lateReason is reason for the send-time reasons.
func (d *decider) lateReason(format string, args ...any) {
	start := d.open()
	d.log.buf = fmt.Appendf(d.log.buf, format, args...)
	d.close(start, true)
}

// reasons builds Decision.Reasons from the log, scrubbing addresses out of each.
func (d *decider) reasons() []string {
	d.absorb()
	l := &d.log
	n := 0
	for _, s := range l.segs {
		if !s.late || l.withLate {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	all := string(l.buf)
	out := make([]string, 0, n)
	sec := secretsOf(d.cust, d.out.Address)
	for _, late := range [2]bool{false, true} {
		for _, s := range l.segs {
			if s.late == late && (!late || l.withLate) {
				out = append(out, sec.scrub(all[s.start:s.end]))
			}
		}
	}
	return out
}
