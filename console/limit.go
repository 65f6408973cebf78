package console

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// loginLimiter slows down password guessing: each user name and each client address gets
// LoginBurst attempts at once, then one every LoginEvery. It counts in the memory of the
// process: with several api processes behind a balancer an attacker gets that many per
// process, still a few hundred guesses a day against bcrypt, which is what the limit is
// for; a Redis bucket would be shared but makes login depend on Redis.
type loginLimiter struct {
	burst int
	every time.Duration
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

// maxLimited bounds the limiter's memory: when that many names and addresses are tracked
// (an attack from many addresses), the table starts afresh rather than grow.
const maxLimited = 100_000

func newLoginLimiter(burst int, every time.Duration) *loginLimiter {
	return &loginLimiter{burst: burst, every: every, m: map[string]*rate.Limiter{}}
}

// allow takes one attempt from every key at now; all must have one left.
func (l *loginLimiter) allow(now time.Time, keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= maxLimited {
		l.m = map[string]*rate.Limiter{}
	}
	ok := true
	for _, k := range keys {
		lim := l.m[k]
		if lim == nil {
			lim = rate.NewLimiter(rate.Every(l.every), l.burst)
			l.m[k] = lim
		}
		// Every key pays, even after one refused: a guesser spreading names over one
		// address still drains the address.
		ok = lim.AllowN(now, 1) && ok
	}
	return ok
}
