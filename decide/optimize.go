package decide

import (
	"time"

	"github.com/rapporthq/rapport/config"
)

// hoursPriorWeight is k of the empirical-Bayes smoothing of a customer's hours: their
// histogram counts n/(n+k), the base's k/(n+k). With k = 10 one open weighs 9% against the
// base (the base's hour wins), fourteen 58%, and a hundred 91%.
const hoursPriorWeight = 10

// defaultOptimizeHorizon is how far send_time: optimize looks ahead of the due time: the next
// 24 hours hold every local hour once. A triggered campaign's max_delay replaces it.
const defaultOptimizeHorizon = 24 * time.Hour

// hourKernel spreads an hour's weight over its neighbours: an open at 19:00 says 18:00 and
// 20:00 are good hours too. It is also what takes a customer whose hour the window excludes
// to the window's nearest edge rather than to the base's hour at the other end of the day.
var hourKernel = [...]float64{1, 0.5, 0.25, 0.125, 0.0625}

// hourProfile is a customer's hours smoothed toward the base's.
type hourProfile struct {
	own   [24]int     // the customer's opens and clicks by local hour, every channel
	n     int         // their sum
	score [24]float64 // smoothed shares spread by hourKernel
	prior float64     // the base's weight, k/(k+n); 0 without a base
}

// profileHours builds the customer's smoothed hour profile; ok is false when neither the
// customer nor the base has any hour.
func (d *decider) profileHours() (p hourProfile, ok bool) {
	for _, e := range d.cust.Engagement {
		for h, c := range e.Hours {
			if c > 0 {
				p.own[h] += c
				p.n += c
			}
		}
	}
	baseTotal := 0.0
	for _, x := range d.in.BaseHours {
		if x > 0 {
			baseTotal += x
		}
	}
	if p.n == 0 && !(baseTotal > 0) {
		return p, false
	}
	var share [24]float64
	own := 1.0
	if baseTotal > 0 {
		p.prior = hoursPriorWeight / float64(hoursPriorWeight+p.n)
		own = 1 - p.prior
		for h, x := range d.in.BaseHours {
			if x > 0 {
				share[h] = p.prior * x / baseTotal
			}
		}
	}
	if p.n > 0 {
		for h, c := range p.own {
			share[h] += own * float64(c) / float64(p.n)
		}
	}
	for h := range 24 {
		for dist, k := range hourKernel {
			if dist == 0 {
				p.score[h] += share[h]
				continue
			}
			p.score[h] += k * (share[(h+dist)%24] + share[(h+24-dist)%24])
		}
	}
	return p, true
}

// best is the hour with the highest score, the earliest of a tie.
func (p *hourProfile) best() int {
	b := 0
	for h := 1; h < 24; h++ {
		if p.score[h] > p.score[b] {
			b = h
		}
	}
	return b
}

// optimize is send_time: optimize: from the start until the horizon, the instant inside the
// window whose local hour scores best in the customer's smoothed profile, the earliest of a
// tie. Candidates are the start and every local o'clock after it, plus the window's next
// opening (at), which may fall at half past. The window always wins: no candidate lies
// outside it. ok is false when nothing is known or no candidate is in the window, and the
// caller keeps at.
func (d *decider) optimize(w config.Window, at time.Time) time.Time {
	p, known := d.profileHours()
	if !known {
		d.log.add("send_time optimize: no opens or clicks of the customer or the base yet: exact", true)
		return at
	}
	horizon := defaultOptimizeHorizon
	if d.c.Triggered() && d.c.MaxDelay > 0 {
		horizon = d.c.MaxDelay.D()
	}
	start := d.start
	end := start.Add(horizon)
	best := p.best()
	bestAllowed := w.Contains(time.Date(2000, 1, 1, best, 0, 0, 0, time.UTC))
	var pick time.Time
	pickScore, pickDist := -1.0, 24
	consider := func(t time.Time) {
		if t.Before(start) || t.After(end) {
			return
		}
		local := t.In(d.loc)
		if !w.Contains(local) {
			return
		}
		// When the window excludes the best hour, the nearest hour to it wins (the window's
		// edge), then the score; else the score. Ties go to the earliest.
		s, dist := p.score[local.Hour()], 0
		if !bestAllowed {
			dist = hourDistance(local.Hour(), best)
		}
		if pickScore < 0 || dist < pickDist || (dist == pickDist && (s > pickScore || (s == pickScore && t.Before(pick)))) {
			pick, pickScore, pickDist = t, s, dist
		}
	}
	consider(start)
	consider(at)
	local := start.In(d.loc)
	// Step in absolute time from the local hour's start: DST changes skip or repeat a wall
	// hour, never an absolute one.
	hour := start.Add(-time.Duration(local.Minute())*time.Minute - time.Duration(local.Second())*time.Second -
		time.Duration(local.Nanosecond()))
	for t := hour.Add(time.Hour); !t.After(end); t = t.Add(time.Hour) {
		consider(t)
	}
	if pickScore < 0 {
		d.lateReason("send_time optimize: no time inside the window within %s: its next opening", config.Duration(horizon))
		return at
	}
	d.optimizeReason(&p, pick.In(d.loc), w, best)
	return pick
}

// optimizeReason names the hour and why: the customer's own hours, the window, or the base:
// "send time 18:00 Asia/Tehran: 12 of Reza's 14 opens and clicks were 17:00–19:00 (the
// base's hours weigh 42%)".
func (d *decider) optimizeReason(p *hourProfile, t time.Time, w config.Window, best int) {
	start := d.open()
	d.str("send time ")
	d.clock(t, "15:04")
	d.str(" ")
	d.str(d.loc.String())
	d.str(": ")
	h := t.Hour()
	own := p.ownBest()
	switch {
	case h != best:
		d.str("the best hour ")
		d.hourOf(best)
		d.str(" (")
		if own >= 0 && hourDistance(own, best) <= 1 {
			d.whose()
			d.str(" usual hour, ")
			d.int(p.n)
			d.str(" opens and clicks)")
		} else {
			d.str("the base's)")
		}
		if !w.Contains(time.Date(2000, 1, 1, best, 0, 0, 0, time.UTC)) {
			d.str(" is outside the window ")
			d.window(w)
			d.str(": the nearest allowed")
		} else {
			d.str(" is not within max_delay ")
			d.str(d.c.MaxDelay.String())
			d.str(": the best before")
		}
	case p.n > 0 && own >= 0 && hourDistance(own, h) <= 1:
		d.int(p.own[(h+23)%24] + p.own[h] + p.own[(h+1)%24])
		d.str(" of ")
		d.whose()
		d.str(" ")
		d.int(p.n)
		d.str(" opens and clicks were ")
		d.hourOf((h + 23) % 24)
		d.str("–")
		d.hourOf((h + 1) % 24)
		d.str(" (the base's hours weigh ")
		d.fixed(100*p.prior, 0)
		d.str("%)")
	default:
		d.str("the base's best hour; ")
		d.whose()
		d.str(" ")
		d.int(p.n)
		d.str(" opens and clicks weigh ")
		d.fixed(100*(1-p.prior), 0)
		d.str("% against it")
	}
	d.close(start, true)
}

// whose writes "Reza's", or "the customer's" without a first name, or with one that looks
// like an address or a number (a form filled in wrongly).
func (d *decider) whose() {
	if d.cust.FirstName == "" || looksPersonal(d.cust.FirstName) {
		d.str("the customer's")
		return
	}
	d.str(truncate(d.cust.FirstName, 40))
	d.str("'s")
}

// ownBest is the customer's own most frequent hour, -1 without any.
func (p *hourProfile) ownBest() int {
	b, n := -1, 0
	for h, c := range p.own {
		if c > n {
			b, n = h, c
		}
	}
	return b
}

// hourDistance is the distance between two hours around the clock.
func hourDistance(a, b int) int {
	x := (a - b + 24) % 24
	return min(x, 24-x)
}
