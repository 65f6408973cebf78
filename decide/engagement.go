package decide

import "time"

// Engagement is what a customer did with the messages of one channel over about the last
// half year (customers keeps it): messages received, opened, clicked, opened or clicked, and
// by local hour. Opens and clicks of privacy proxies and link scanners are not in it.
type Engagement struct {
	Received, Opens, Clicks, Engaged int
	// LastEngagement is the last human open or click; zero when none.
	LastEngagement time.Time
	// Hours counts first opens and clicks by the customer's local hour (0-23); counts are
	// halved together when one grows large, so they tell shape, not totals.
	Hours [24]int
}

// Rate is the share of received messages opened or clicked, 0 when none was received.
func (e Engagement) Rate() float64 {
	if e.Received == 0 {
		return 0
	}
	return min(1, float64(e.Engaged)/float64(e.Received))
}

// BestHour is the local hour with the most opens and clicks (the earliest of a tie), -1
// when there are none.
func (e Engagement) BestHour() int {
	best, n := -1, 0
	for h, c := range e.Hours {
		if c > n {
			best, n = h, c
		}
	}
	return best
}

// engagementEnv sets the engagement names of a condition's customer: <channel>_engagement,
// the rate, for every channel with a message received, and best_hour over every channel.
// They are absent when unknown (see Env), never 0 that reads as "never engages".
func engagementEnv(m map[string]any, c *Customer) {
	for _, ch := range []string{"email", "sms"} {
		k := ch + "_engagement"
		if e, ok := c.Engagement[ch]; ok && e.Received > 0 {
			m[k] = e.Rate()
		} else {
			delete(m, k)
		}
	}
	var all Engagement
	for _, e := range c.Engagement {
		for h, n := range e.Hours {
			all.Hours[h] += n
		}
	}
	if h := all.BestHour(); h >= 0 {
		m["best_hour"] = h
	} else {
		delete(m, "best_hour")
	}
}
