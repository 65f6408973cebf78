package console_test

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkPages renders each page through HTTP with a logged-in client and reports the
// 95th percentile besides the mean. The walks over the base (loyalty, calendar) are cached,
// so after the first request these measure rendering, not the walk.
func BenchmarkPages(b *testing.B) {
	bu := setup(b)
	c := bu.client(b)
	bu.login(b, c, "maryam")
	for _, p := range []string{"/console/", "/console/campaigns/thank-you", "/console/customers/" + customerID,
		"/console/loyalty", "/console/calendar"} {
		b.Run(p, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				resp, err := c.Get(bu.srv.URL + p)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p, resp.StatusCode)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
