package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
)

// EnvConfigPath names the environment variable holding the path of rapport.yaml; cmd reads it
// when --config is not given.
const EnvConfigPath = "RAPPORT_CONFIG"

// redactedValue replaces secrets in Redacted.
const redactedValue = "****"

// origin is where a Config's values came from.
type origin struct {
	doc *doc              // rapport.yaml positions; nil without a file
	env map[string]string // key path -> the environment variable that set it
}

// explicit reports whether the operator set this key path, in the file or the environment.
func (o *origin) explicit(path string) bool {
	if o == nil {
		return false
	}
	if _, ok := o.env[path]; ok {
		return true
	}
	return o.doc != nil && o.doc.written(path)
}

// DefaultGOGC is the default of worker.gogc.
const DefaultGOGC = 400

// Default returns the configuration used when rapport.yaml sets nothing: the defaults
// documented on each field.
func Default() *Config {
	c := defaults()
	c.fillDerived()
	c.loc = time.UTC
	return c
}

// defaults are the documented defaults, before the values derived from other keys.
func defaults() *Config {
	day := Duration(24 * time.Hour)
	return &Config{
		Listen:      "127.0.0.1:8080",
		AdminListen: "127.0.0.1:9464",
		Tracking:    defaultTracking(),
		Attribution: AttributionLastTouch,
		Dirs: Dirs{
			Campaigns: "campaigns",
			Segments:  "segments",
			Templates: "templates",
			Holidays:  "holidays",
		},
		DefaultTimezone: "UTC",
		DefaultLocale:   "en",
		Window:          Window{Start: TimeOfDay{Minutes: 9 * 60, Set: true}, End: TimeOfDay{Minutes: 20 * 60, Set: true}},
		Limits: Limits{
			PerCustomer: Limit{Count: 3, Period: 7 * day},
			SMS:         Limit{Count: 1, Period: day},
		},
		TriggerMaxAge:   Duration(24 * time.Hour),
		CatchUp:         Duration(6 * time.Hour),
		BodyLimit:       1 << 20,
		MaxProfileBytes: 256 << 10,
		MaxTraitBytes:   16 << 10,
		DedupeTTL:       7 * day,
		Email: Email{
			Pool:            8,
			Timeout:         Duration(30 * time.Second),
			SoftBounceLimit: 3,
		},
		SMS: SMS{
			Provider:      "outbox",
			Timeout:       Duration(10 * time.Second),
			DefaultRegion: "US",
			Twilio:        Twilio{BaseURL: "https://api.twilio.com"},
		},
		Outbox: "./outbox",
		Worker: Worker{
			Concurrency:     32,
			ShutdownTimeout: Duration(30 * time.Second),
			PollInterval:    Duration(50 * time.Millisecond),
			GOGC:            DefaultGOGC,
		},
		Predict: Predict{
			Refit:        "0 3 * * *",
			Unit:         "weeks",
			Horizon:      365 * day,
			DiscountRate: 0.01,
			Margin:       0.3,
		},
	}
}

// fillDerived sets the defaults that depend on other keys, once the file and the environment
// have had their say.
func (c *Config) fillDerived() {
	c.APIKeys = nil
	for _, k := range c.Keys {
		if k.AllScoped() {
			c.APIKeys = append(c.APIKeys, k.Key)
		}
	}
	if c.Worker.GOGC == 0 {
		c.Worker.GOGC = DefaultGOGC // "gogc: 0" reads as "not set", not as "collect constantly"
	}
	if c.PublicURL == "" {
		// A wildcard listen address is no address a customer's mail client can reach;
		// localhost at least works for the demo on the operator's own machine.
		host, port, err := net.SplitHostPort(c.Listen)
		if err == nil && (host == "" || net.ParseIP(host).IsUnspecified()) {
			host = "localhost"
		}
		if err == nil {
			c.PublicURL = "http://" + net.JoinHostPort(host, port)
		}
	}
}

// Load reads rapport.yaml at path ("" for none), applies the environment (a list such as
// os.Environ()) over it, and validates the result. Every problem is reported: the error is an
// ErrorList whose entries carry file:line:col for values written in the file and the variable
// name for values from the environment.
func Load(path string, env []string) (*Config, error) {
	c := defaults()
	c.origin = &origin{env: map[string]string{}}
	var errs ErrorList
	if path != "" {
		data, err := readYAML(path)
		if errors.Is(err, errTooLarge) {
			return nil, ErrorList{{File: path, Msg: err.Error()}}
		}
		if err != nil {
			return nil, fmt.Errorf("read configuration: %w", err)
		}
		d, body := parseDoc(path, data)
		if body != nil {
			d.decode(body, reflect.ValueOf(c).Elem(), "")
		}
		errs = d.errs
		c.File = path
		c.origin.doc = d
	}
	errs = append(errs, applyEnv(c, env, c.origin.env)...)
	if len(errs) > 0 {
		// Validating half-read values would only add noise about values the operator did
		// not mean.
		return nil, errs.Err()
	}
	c.fillDerived()
	if err := c.validate().Err(); err != nil {
		return nil, err
	}
	if err := c.loadRatesFile(); err != nil {
		return nil, err
	}
	c.loc, _ = time.LoadLocation(c.DefaultTimezone) // validated above
	return c, nil
}

// Dir resolves a path of the configuration (a directory, the outbox) against the directory of
// rapport.yaml, so that a configuration works from any working directory. An absolute path,
// or any path of a configuration not read from a file, is returned unchanged.
func (c *Config) Dir(rel string) string {
	if c.File == "" || filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(filepath.Dir(c.File), rel)
}

// Location is the default time zone, for customers without a valid timezone trait. It falls
// back to UTC when DefaultTimezone does not load (only possible in a Config built by hand).
func (c *Config) Location() *time.Location {
	if c.loc != nil && c.loc.String() == c.DefaultTimezone {
		return c.loc
	}
	loc, err := time.LoadLocation(c.DefaultTimezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Redacted returns a copy safe to print: API keys, the secret, the auth token and webhook
// token, and the passwords inside the Redis and SMTP URLs are replaced by "****".
func (c *Config) Redacted() Config {
	r := *c
	r.APIKeys = make([]string, len(c.APIKeys))
	for i := range r.APIKeys {
		r.APIKeys[i] = redactedValue
	}
	r.Keys = make([]APIKey, len(c.Keys))
	for i, k := range c.Keys {
		r.Keys[i] = APIKey{Key: redactedValue, Scopes: slices.Clone(k.Scopes)}
	}
	r.Secret = redact(c.Secret)
	r.Secrets = make([]string, len(c.Secrets))
	for i := range r.Secrets {
		r.Secrets[i] = redactedValue
	}
	r.RedisURL = redactURL(c.RedisURL)
	r.Email.SMTPURL = redactURL(c.Email.SMTPURL)
	r.SMS.Twilio.AuthToken = redact(c.SMS.Twilio.AuthToken)
	r.SMS.Webhook.Token = redact(c.SMS.Webhook.Token)
	if len(c.Console.Users) > 0 {
		r.Console.Users = make([]ConsoleUser, len(c.Console.Users))
		for i, u := range c.Console.Users {
			r.Console.Users[i] = ConsoleUser{Name: u.Name, PasswordHash: redact(u.PasswordHash), Role: u.Role}
		}
	}
	return r
}

// redact hides a set secret and leaves an unset one visibly empty.
func redact(s string) string {
	if s == "" {
		return ""
	}
	return redactedValue
}

// redactURL hides the password of a URL; a URL that does not parse is hidden whole, since
// nobody can tell which part of it is the secret.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return redactedValue
	}
	if _, has := u.User.Password(); !has {
		return s
	}
	// url.URL escapes "*" in userinfo, so the mask goes in after formatting.
	const placeholder = "REDACTED"
	u.User = url.UserPassword(u.User.Username(), placeholder)
	return strings.Replace(u.String(), ":"+placeholder+"@", ":"+redactedValue+"@", 1)
}
