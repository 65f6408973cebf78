package rig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/templates"
)

// GreetingID is the scheduled benchmark campaign of bench/holiday and bench/fanout.
const GreetingID = "greeting"

// GreetingHoliday is the custom holiday the greeting is sent on.
const GreetingHoliday = "bench_day"

// Zones are the 24 time zones of the scheduled benchmarks' customers, one per hour of offset
// from UTC-10 to UTC+13 (standard time), with a country that lives there.
var Zones = []struct{ TZ, Country string }{
	{"Pacific/Honolulu", "US"}, {"America/Anchorage", "US"}, {"America/Los_Angeles", "US"},
	{"America/Denver", "US"}, {"America/Chicago", "US"}, {"America/New_York", "US"},
	{"America/Halifax", "CA"}, {"America/Sao_Paulo", "BR"}, {"Atlantic/South_Georgia", "GS"},
	{"Atlantic/Azores", "PT"}, {"Europe/London", "GB"}, {"Europe/Berlin", "DE"},
	{"Europe/Athens", "GR"}, {"Europe/Moscow", "RU"}, {"Asia/Dubai", "AE"},
	{"Asia/Karachi", "PK"}, {"Asia/Dhaka", "BD"}, {"Asia/Bangkok", "TH"},
	{"Asia/Shanghai", "CN"}, {"Asia/Tokyo", "JP"}, {"Australia/Brisbane", "AU"},
	{"Pacific/Noumea", "NC"}, {"Pacific/Auckland", "NZ"}, {"Pacific/Tongatapu", "TO"},
}

// GreetingFiles is the configuration of the scheduled benchmark: the campaign "greeting",
// either on the custom holiday bench_day (dated wall's date, in every country) at wall's
// time of day in each customer's zone, or, when cron is set, on that cron schedule in UTC.
// The template is about the size of the order benchmark's.
func GreetingFiles(wall time.Time, cron bool) map[string]string {
	trigger := fmt.Sprintf("holiday: {name: %s, at: %q}", GreetingHoliday, wall.Format("15:04"))
	if cron {
		trigger = fmt.Sprintf("schedule: {cron: %q, tz: UTC}", fmt.Sprintf("%d %d * * *", wall.Minute(), wall.Hour()))
	}
	return map[string]string{
		"holidays/bench.yaml": fmt.Sprintf("holidays:\n  - {id: %s, name: Bench Day, dates: [%q]}\n", GreetingHoliday, wall.Format("2006-01-02")),
		"campaigns/greeting.yaml": `
id: greeting
name: Holiday greeting
trigger:
  ` + trigger + `
channels: [email]
variants:
  - id: standard
    email: {subject: "Happy Bench Day{{with .Customer.FirstName}}, {{.}}{{end}}!", html: greeting/standard.html}
`,
		"templates/greeting/standard.html": `<!doctype html>
<html><body style="font-family: sans-serif; color: #222">
<h1>Happy Bench Day{{with .Customer.FirstName}}, {{.}}{{end}}!</h1>
<p>Today we celebrate with everyone who shops with us, wherever they live. Thank you for being
one of them: every order, every question and every review helps us do better.</p>
<p>Questions about an order? Reply to this email and a person from our team will answer,
usually within a working day.</p>
<table role="presentation" style="border-collapse: collapse">
<tr><td style="padding: 4px 8px">Customer</td><td style="padding: 4px 8px">{{.Customer.ID}}</td></tr>
<tr><td style="padding: 4px 8px">Campaign</td><td style="padding: 4px 8px">{{.Campaign.Name}}</td></tr>
</table>
<p>With our best wishes,<br>The Rapport Demo Shop team</p>
<p style="font-size: 12px; color: #777">You receive this email because you ordered from the
Rapport Demo Shop. <a href="{{.Links.Unsubscribe}}">Unsubscribe</a></p>
</body></html>
`,
	}
}

// WriteConfig writes files into a new temporary directory and returns it.
func WriteConfig(files map[string]string) (string, error) {
	dir, err := os.MkdirTemp("", "rapport-bench-")
	if err != nil {
		return "", err
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// LoadCatalog loads campaigns, holidays and templates from dir, as `rapport serve` does.
func LoadCatalog(dir string) (*delivery.CatalogRef, error) {
	set, err := config.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load the benchmark campaign: %w", err)
	}
	tpl, err := templates.Load(set.Templates)
	if err != nil {
		return nil, fmt.Errorf("load the benchmark templates: %w", err)
	}
	return delivery.NewCatalogRef(delivery.NewCatalog(set, tpl)), nil
}

// SeedZoned identifies customers 0..n-1 through customers.Store.Apply, conc pipelined
// batches of 500 at a time: each with an email address and consent, a name, a locale, and
// the time zone and country of Zones[i%24], so every page of the index spans all 24 zones.
func SeedZoned(ctx context.Context, store *customers.Store, n, conc int) error {
	const batch = 500
	first := []string{"Anna", "Ben", "Chen", "Dara", "Elif", "Farid", "Grace", "Hugo"}
	now := time.Now().Add(-48 * time.Hour).UTC()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, conc)
	)
	for lo := 0; lo < n; lo += batch {
		wg.Add(1)
		sem <- struct{}{}
		go func(lo int) {
			defer func() { <-sem; wg.Done() }()
			events := make([]customers.Event, 0, batch)
			for i := lo; i < min(lo+batch, n); i++ {
				id := CustomerID(i)
				z := Zones[i%len(Zones)]
				events = append(events, customers.Event{
					Type: customers.TypeIdentify, MessageID: "identify-" + id, UserID: id, Timestamp: now, ReceivedAt: now,
					Traits: map[string]any{
						"email": id + "@example.org", "firstName": first[i%len(first)], "lastName": "Example",
						"locale": "en-US", "timezone": z.TZ, "address": map[string]any{"country": z.Country},
						"consent": map[string]any{"email": true},
					},
				})
			}
			if _, err := store.Apply(ctx, events); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(lo)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// UsedMemory is the server's used_memory in bytes.
func (r *Redis) UsedMemory() int64 {
	n, _ := strconv.ParseInt(r.info("memory")["used_memory"], 10, 64)
	return n
}

// ProcStatus returns VmHWM and VmRSS (bytes) of process pid, from /proc/PID/status.
func ProcStatus(pid int) (hwm, rss int64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	return hwm, rss
}

// ProcCPU returns the user + system CPU time of process pid so far, from /proc/PID/stat.
func ProcCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s) // f[0] is field 3 (state): utime is field 14, stime 15
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / 100 // USER_HZ
}
