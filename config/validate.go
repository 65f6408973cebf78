package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"golang.org/x/text/language"
)

// configChecker collects the problems of a Config, placing each where its value came from.
type configChecker struct {
	c    *Config
	errs ErrorList
}

// errorf reports a problem with the value at path: at its file:line:col when rapport.yaml
// wrote it, naming the variable when the environment set it.
func (k *configChecker) errorf(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	o := k.c.origin
	if o != nil {
		if name, ok := o.env[path]; ok {
			k.errs = append(k.errs, Error{Field: path, Msg: msg + " (set by " + name + ")"})
			return
		}
		if o.doc != nil {
			if p, ok := o.doc.at(path); ok {
				k.errs.add(o.doc.file, p, path, "%s", msg)
				return
			}
		}
	}
	k.errs = append(k.errs, Error{Field: path, Msg: msg})
}

// validate checks the values that Load cannot check while decoding.
func (c *Config) validate() ErrorList {
	k := &configChecker{c: c}
	k.checkServer()
	k.checkEmail()
	k.checkSMS()
	k.checkRest()
	k.checkCurrency()
	k.checkTracking()
	k.checkCosts()
	k.checkResults()
	k.checkConsole()
	return k.errs
}

func (k *configChecker) checkServer() {
	c := k.c
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		switch {
		case err != nil:
			k.errorf("redis_url", "invalid URL: %v", unwrapURLError(err))
		case !slices.Contains([]string{"redis", "rediss", "redis-cluster", "redis-sentinel", "unix"}, u.Scheme):
			k.errorf("redis_url", "scheme %q is not redis, rediss, redis-cluster, redis-sentinel or unix", u.Scheme)
		}
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		k.errorf("listen", "want host:port, e.g. 127.0.0.1:8080: %v", err)
	}
	if c.AdminListen != "off" {
		if _, _, err := net.SplitHostPort(c.AdminListen); err != nil {
			k.errorf("admin_listen", "want host:port, e.g. 127.0.0.1:9464, or off: %v", err)
		} else if c.AdminListen == c.Listen {
			k.errorf("admin_listen", "must differ from listen (%s): the public listener serves only what recipients and providers reach", c.Listen)
		}
	}
	if c.Email.RateLimit < 0 {
		k.errorf("email.rate_limit", "must not be negative, got %v", c.Email.RateLimit)
	}
	for _, d := range slices.Sorted(maps.Keys(c.Email.DomainLimits)) {
		if v := c.Email.DomainLimits[d]; v <= 0 || strings.ContainsAny(d, " @/") || d == "" {
			k.errorf("email.domain_limits."+d, "want a domain such as gmail.com and a positive rate per second, got %v", v)
		}
	}
	if err := checkHTTPURL(c.PublicURL); err != nil {
		k.errorf("public_url", "%v", err)
	}
	if c.ShopURL != "" {
		if err := checkHTTPURL(c.ShopURL); err != nil {
			k.errorf("shop_url", "%v", err)
		}
	}
	k.validateKeys(c.Keys)
	if c.BodyLimit <= 0 {
		k.errorf("body_limit", "must be positive, got %d", c.BodyLimit)
	}
	switch {
	case c.MaxProfileBytes <= 0 || c.MaxProfileBytes > 512<<20:
		k.errorf("max_profile_bytes", "must be between 1B and 512MiB (Redis's largest value), got %s", c.MaxProfileBytes)
	case c.MaxTraitBytes <= 0:
		k.errorf("max_trait_bytes", "must be positive, got %s", c.MaxTraitBytes)
	case c.MaxTraitBytes > c.MaxProfileBytes:
		k.errorf("max_trait_bytes", "cannot be larger than max_profile_bytes (%s), got %s", c.MaxProfileBytes, c.MaxTraitBytes)
	}
	if c.TriggerMaxAge <= 0 {
		k.errorf("trigger_max_age", "must be positive, got %s", c.TriggerMaxAge)
	}
	if c.CatchUp < 0 {
		k.errorf("catch_up", "must not be negative, got %s", c.CatchUp)
	}
	if c.DedupeTTL <= 0 {
		k.errorf("dedupe_ttl", "must be positive, got %s", c.DedupeTTL)
	}
	if c.Worker.Concurrency < 1 {
		k.errorf("worker.concurrency", "must be at least 1, got %d", c.Worker.Concurrency)
	}
	if c.Worker.PollInterval < Duration(time.Millisecond) || c.Worker.PollInterval > Duration(10*time.Second) {
		k.errorf("worker.poll_interval", "want 1ms to 10s, got %s", c.Worker.PollInterval)
	}
	if c.Worker.ShutdownTimeout < 0 {
		k.errorf("worker.shutdown_timeout", "must not be negative, got %s", c.Worker.ShutdownTimeout)
	}
	if c.Worker.GOGC < -1 {
		k.errorf("worker.gogc", "must be a percentage, 0 for the default (%d) or -1 to leave the Go runtime alone, got %d",
			DefaultGOGC, c.Worker.GOGC)
	}
	if c.Worker.MemoryLimit != 0 && c.Worker.MemoryLimit < minMemoryLimit {
		k.errorf("worker.memory_limit", "%s is below %s: the worker would spend its time collecting garbage "+
			"(write the unit, e.g. 512MiB)", c.Worker.MemoryLimit, minMemoryLimit)
	}
	if c.Log != "" && c.Log != "json" && c.Log != "console" {
		k.errorf("log", "%q is not json or console", c.Log)
	}
}

func (k *configChecker) checkEmail() {
	e := k.c.Email
	if e.SMTPURL != "" {
		if err := checkSMTPURL(e.SMTPURL); err != nil {
			k.errorf("email.smtp_url", "%v", err)
		}
	}
	if e.Pool < 1 {
		k.errorf("email.pool", "must be at least 1, got %d", e.Pool)
	}
	if e.Timeout <= 0 {
		k.errorf("email.timeout", "must be positive, got %s", e.Timeout)
	}
	if e.SoftBounceLimit < 1 {
		k.errorf("email.soft_bounce_limit", "must be at least 1, got %d", e.SoftBounceLimit)
	}
	if e.RatePerSecond < 0 {
		k.errorf("email.rate_per_second", "must not be negative, got %g", e.RatePerSecond)
	}
	k.checkEmailTLS()
	k.checkDKIM()
}

// checkSMTPURL accepts smtp:// (STARTTLS when offered) and smtps:// (implicit TLS) with an
// optional ?tls=required|none|opportunistic.
func checkSMTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid URL: %v", unwrapURLError(err))
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return fmt.Errorf("scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("no host in %q", redactURL(s))
	}
	if tls := u.Query().Get("tls"); tls != "" && tls != "required" && tls != "none" && tls != "opportunistic" {
		return fmt.Errorf("tls=%q is not required, none or opportunistic", tls)
	}
	return nil
}

func (k *configChecker) checkSMS() {
	s := k.c.SMS
	switch s.Provider {
	case "outbox":
	case "twilio":
		for _, f := range []struct{ path, value string }{
			{"sms.twilio.account_sid", s.Twilio.AccountSID},
			{"sms.twilio.auth_token", s.Twilio.AuthToken},
			{"sms.twilio.from", s.Twilio.From},
		} {
			if f.value == "" {
				k.errorf(f.path, "required when sms.provider is twilio")
			}
		}
		if err := checkHTTPURL(s.Twilio.BaseURL); err != nil {
			k.errorf("sms.twilio.base_url", "%v", err)
		}
	case "webhook":
		if s.Webhook.URL == "" {
			k.errorf("sms.webhook.url", "required when sms.provider is webhook")
		} else if err := checkHTTPURL(s.Webhook.URL); err != nil {
			k.errorf("sms.webhook.url", "%v", err)
		}
	default:
		k.errorf("sms.provider", "%q is not twilio, webhook or outbox", s.Provider)
	}
	if s.Timeout <= 0 {
		k.errorf("sms.timeout", "must be positive, got %s", s.Timeout)
	}
	if !countryCode.MatchString(s.DefaultRegion) {
		k.errorf("sms.default_region", "%q is not an ISO 3166 alpha-2 code such as US", s.DefaultRegion)
	}
	k.checkKeywords()
}

// maxKeywordLength bounds an SMS keyword: a keyword is a word, and the whole message must
// equal it.
const maxKeywordLength = 32

// checkKeywords refuses empty or overlong keywords, and a word that both stops and starts.
func (k *configChecker) checkKeywords() {
	s := k.c.SMS
	stops := map[string]bool{}
	for i, w := range s.StopWords {
		w = strings.ToUpper(strings.TrimSpace(w))
		if w == "" || utf8.RuneCountInString(w) > maxKeywordLength {
			k.errorf(fmt.Sprintf("sms.stop_words[%d]", i), "must be a word of 1 to %d characters, got %q", maxKeywordLength, s.StopWords[i])
		}
		stops[w] = true
	}
	for i, w := range s.StartWords {
		u := strings.ToUpper(strings.TrimSpace(w))
		switch {
		case u == "" || utf8.RuneCountInString(u) > maxKeywordLength:
			k.errorf(fmt.Sprintf("sms.start_words[%d]", i), "must be a word of 1 to %d characters, got %q", maxKeywordLength, w)
		case stops[u]:
			k.errorf(fmt.Sprintf("sms.start_words[%d]", i), "%q is also a stop word", w)
		}
	}
}

// minMemoryLimit is the smallest worker.memory_limit accepted: below it the collector would run
// nearly all the time, which is a forgotten unit ("512") rather than an intent.
const minMemoryLimit Size = 16 << 20

// countryCode is an ISO 3166-1 alpha-2 code as Rapport writes it.
var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

func (k *configChecker) checkRest() {
	c := k.c
	if _, err := time.LoadLocation(c.DefaultTimezone); err != nil || c.DefaultTimezone == "" {
		k.errorf("default_timezone", "unknown time zone %q (want an IANA name such as Europe/Berlin)", c.DefaultTimezone)
	}
	if _, err := language.Parse(c.DefaultLocale); err != nil {
		k.errorf("default_locale", "%q is not a BCP 47 language tag such as en or pt-BR", c.DefaultLocale)
	}
	for _, d := range []struct{ path, value string }{
		{"dirs.campaigns", c.Dirs.Campaigns},
		{"dirs.segments", c.Dirs.Segments},
		{"dirs.templates", c.Dirs.Templates},
		{"dirs.holidays", c.Dirs.Holidays},
		{"outbox", c.Outbox},
	} {
		if d.value == "" {
			k.errorf(d.path, "must not be empty")
		}
	}
	for _, cc := range slices.Sorted(maps.Keys(c.Calendar.IslamicOffset)) {
		path, days := "calendar.islamic_offset."+cc, c.Calendar.IslamicOffset[cc]
		if !countryCode.MatchString(cc) {
			k.errorf(path, "%q is not an ISO 3166 alpha-2 code in capitals such as IR", cc)
		}
		if days < -MaxIslamicOffset || days > MaxIslamicOffset {
			k.errorf(path, "%d days: want -%d to %d (countries announce the Islamic feasts a day, seldom two, "+
				"from the Umm al-Qura calendar)", days, MaxIslamicOffset, MaxIslamicOffset)
		}
	}
	for i, t := range c.Traits {
		if strings.TrimSpace(t) == "" || strings.ContainsAny(t, " .") {
			k.errorf(fmt.Sprintf("traits[%d]", i), "%q is not a trait name such as tier", t)
		}
	}
	p := c.Predict
	if _, err := ParseCron(p.Refit); err != nil {
		k.errorf("predict.refit", "%v", err)
	}
	if p.Unit != "days" && p.Unit != "weeks" {
		k.errorf("predict.unit", "%q is not days or weeks", p.Unit)
	}
	if p.Horizon <= 0 {
		k.errorf("predict.horizon", "must be positive, got %s", p.Horizon)
	}
	if p.DiscountRate < 0 || p.DiscountRate >= 1 {
		k.errorf("predict.discount_rate", "must be in [0, 1), got %g", p.DiscountRate)
	}
	if p.Margin <= 0 || p.Margin > 1 {
		k.errorf("predict.margin", "must be in (0, 1], got %g", p.Margin)
	}
}

// checkHTTPURL accepts an absolute http or https URL.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid URL: %v", unwrapURLError(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// unwrapURLError drops url.Error's repetition of the whole URL, which may hold a password.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// ParseCron parses a standard five-field cron spec or a descriptor (@daily, @every 10m), as
// campaigns and predict.refit use them. A time zone belongs in schedule.tz, not in the spec:
// CRON_TZ= is refused, which also keeps robfig/cron from panicking on "TZ=x" without a space.
func ParseCron(spec string) (cron.Schedule, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return nil, fmt.Errorf("empty cron spec")
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("invalid cron spec %q: set the time zone with tz, not in the spec", spec)
	}
	sched, err := cron.ParseStandard(s)
	if err != nil {
		if len(strings.Fields(s)) == 6 {
			return nil, fmt.Errorf("invalid cron spec %q: six fields; Rapport's cron has no seconds field "+
				"(minute hour day-of-month month day-of-week)", spec)
		}
		return nil, fmt.Errorf("invalid cron spec %q: %v", spec, err)
	}
	// robfig/cron turns "@every 2s" into a firing every 2 seconds (and any interval under a
	// second, negative ones included, into every second), but an occurrence is named by its
	// minute (2006-01-02T15:04Z, the key of its fan-out and of every claim under it): every
	// firing within a minute after the first would be the same occurrence and send nothing.
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < time.Minute {
		return nil, fmt.Errorf("invalid cron spec %q: fires more often than once a minute; "+
			"occurrences are named by their minute, so the firings within a minute would be one occurrence "+
			"(use @every 1m or more)", spec)
	}
	return sched, nil
}
