// Package console is the marketers' web console, served by the api role at /console/:
// campaigns, a customer's personal file, loyalty and the holiday calendar, rendered on the
// server with html/template and inline SVG charts (package console/chart), every asset
// embedded. Pages work without JavaScript; console.js only sorts tables and refreshes.
//
// Who may see it: the users of rapport.yaml's console.users, logged in with a bcrypt
// password, in signed cookies (session.go); every form carries a CSRF token; login attempts
// are rate-limited per user and per address (limit.go); viewers see addresses and phone
// numbers masked unless console.show_pii is set.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/analytics"
	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/jobs/delivery"
	"github.com/rapporthq/rapport/jobs/schedule"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Pauser tells whether a campaign is paused, by whom and since when, read now (not from a
// worker's cache: the page shows a change at once), and pauses and resumes it in the name of
// a console user (campaignstate.Store).
type Pauser interface {
	State(ctx context.Context, campaign string) (paused bool, who string, when time.Time, err error)
	Pause(ctx context.Context, campaign, who string) error
	Resume(ctx context.Context, campaign, who string) error
}

// Customers reads profiles (customers.Store).
type Customers interface {
	Get(ctx context.Context, id string) (*customers.Profile, error)
}

// Predictor computes a customer's predictions from the fitted models (analytics.Models), as
// GET /v1/customers/{id} shows them.
type Predictor interface {
	Predict(ctx context.Context, p *customers.Profile, now time.Time) (*decide.Predictions, error)
}

// Outcomes reads delivery records (delivery.Claims): the reasons of a send.
type Outcomes interface {
	Outcome(ctx context.Context, customer, campaign, occurrence string) (delivery.Record, bool, error)
}

// Models returns the published customer-base model, nil before the first fit
// (analytics.Models.Current).
type Models interface {
	Current(ctx context.Context) (*analytics.Model, error)
}

// Config is what the console reads. Settings and Catalog are required; a missing optional
// source leaves its part of a page out, saying so.
type Config struct {
	// Settings is rapport.yaml: console.users and console.show_pii, the secrets that sign
	// sessions (Signing), public_url (https makes the cookies Secure), default_timezone and
	// calendar.islamic_offset.
	Settings *config.Config
	// Catalog holds the loaded campaigns; reloads show at the next request.
	Catalog *delivery.CatalogRef
	// Customers, Predictor, Outcomes: the customer page. Base and Models: loyalty and the
	// calendar's head counts (they walk the whole base, in the background: base.go).
	Customers Customers
	Predictor Predictor
	Outcomes  Outcomes
	Base      analytics.CustomerPager
	Models    Models
	// Pauser gives each campaign's state and the editors' pause switch; nil shows "running"
	// and no switch.
	Pauser Pauser
	// Results, Rewards and Runs are the campaign pages' figures (campaign_data.go); a nil one
	// leaves its part out, saying so.
	Results Results
	Rewards RewardStats
	Runs    Runs
	// Describer computes the next occurrences as the scheduler does; it keeps the holiday
	// calendar, so the app keeps one for its lifetime. Default: a new one.
	Describer *schedule.Describer
	// Traits are the traits lint knows besides rapport.yaml's traits (the columns of the
	// customers CSVs, as `rapport lint` reads them), so that the console lists the warnings
	// lint prints, no more.
	Traits []string
	// ReportDays is the campaign page's period when the address names none. Default 30.
	ReportDays int
	// Deliverer and Audience: a campaign's preview and simulation (jobs/dryrun), on the
	// worker's decision path; nil Deliverer leaves them out, nil Audience leaves simulate out.
	// SimulateTimeout bounds a simulation (default 20s, within the server's WriteTimeout).
	Deliverer       *delivery.Deliverer
	Audience        schedule.AudienceStore
	SimulateTimeout time.Duration
	// BaseTTL is how old the answer of a walk over the whole base (loyalty, countries) may
	// be before a page view starts a new one in the background. Default 10m: at a million
	// customers a walk takes tens of seconds of Redis time.
	BaseTTL time.Duration
	// BaseWait is how long a page waits for the first walk before saying it is being
	// computed (later pages show the last answer at once). Default 2s.
	BaseWait time.Duration
	// LoginBurst attempts per user name and per client address, then one per LoginEvery.
	// Defaults 5 and 1m.
	LoginBurst int
	LoginEvery time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives failures, never personal data. Default: no logs.
	Log *zap.Logger
}

func (c *Config) withDefaults() error {
	if c.Settings == nil {
		return errors.New("console: Settings (rapport.yaml) is required")
	}
	if c.Catalog == nil || c.Catalog.Load() == nil {
		return errors.New("console: Catalog is required")
	}
	if c.BaseTTL <= 0 {
		c.BaseTTL = 10 * time.Minute
	}
	if c.LoginBurst <= 0 {
		c.LoginBurst = 5
	}
	if c.LoginEvery <= 0 {
		c.LoginEvery = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Describer == nil {
		c.Describer = schedule.NewDescriber()
	}
	if c.ReportDays <= 0 {
		c.ReportDays = 30
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return nil
}

// handler serves /console/.
type handler struct {
	cfg     Config
	keys    *keys
	secure  bool
	limiter *loginLimiter
	pages   map[string]*template.Template
	mux     *http.ServeMux
	// dummyHash is compared against when the user name is unknown, so that the answer
	// takes as long as for a known name with a wrong password.
	dummyHash []byte
	base      *baseCache
	lint      *lintCache
}

// Handler returns the console, to be mounted at /console/ of the api role's listener.
func Handler(cfg Config) (http.Handler, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	k, err := newKeys(cfg.Settings.Signing())
	if err != nil {
		return nil, err
	}
	h := &handler{cfg: cfg, keys: k, limiter: newLoginLimiter(cfg.LoginBurst, cfg.LoginEvery),
		base: newBaseCache(cfg), lint: &lintCache{}}
	if u, err := url.Parse(cfg.Settings.PublicURL); err == nil && u.Scheme == "https" {
		h.secure = true
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if h.dummyHash, err = dummyHash(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: static files: %w", err)
	}
	m := http.NewServeMux()
	m.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(static)))
	m.HandleFunc("GET /console/login", h.loginPage)
	m.HandleFunc("POST /console/login", h.login)
	m.HandleFunc("POST /console/logout", h.authed(h.logout))
	m.HandleFunc("GET /console/{$}", h.authed(h.campaignsPage))
	m.HandleFunc("GET /console/campaigns/{id}", h.authed(h.campaignPage))
	m.HandleFunc("POST /console/campaigns/{id}/{action}", h.authed(h.campaignSwitch))
	m.HandleFunc("GET /console/campaigns/{id}/preview", h.authed(h.previewPage))
	m.HandleFunc("GET /console/campaigns/{id}/preview/email", h.authed(h.previewEmail))
	m.HandleFunc("POST /console/campaigns/{id}/simulate", h.authed(h.simulatePage))
	m.HandleFunc("GET /console/customers", h.authed(h.customerSearch))
	m.HandleFunc("GET /console/customers/{id}", h.authed(h.customerPage))
	m.HandleFunc("GET /console/loyalty", h.authed(h.loyaltyPage))
	m.HandleFunc("GET /console/calendar", h.authed(h.calendarPage))
	h.mux = m
	return h, nil
}

// ServeHTTP sets the security headers of every answer, refuses a state-changing request
// without its CSRF token, then routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"frame-src 'self'; frame-ancestors 'none'; form-action 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !h.csrfOK(w, r) {
		h.fail(w, r, http.StatusForbidden, "This form has expired or did not come from the console (no valid CSRF token). Go back, reload the page and try again.")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// csrfOK checks the token of a POST: bound to the session, or for the login form to the
// login cookie.
func (h *handler) csrfOK(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	token := r.PostFormValue(csrfField)
	if r.URL.Path == "/console/login" {
		c, err := r.Cookie(loginCookie)
		return err == nil && h.keys.checkCSRF("login", c.Value, token)
	}
	s, ok := h.session(r)
	return ok && h.keys.checkCSRF("session", s.Nonce, token)
}

// session returns the valid session of a request.
func (h *handler) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	return h.keys.decode(c.Value, h.cfg.Settings.ConsoleUser, h.cfg.Now())
}

type sessionKey struct{}

// authed sends a request without a valid session to the login page, coming back after.
func (h *handler) authed(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.session(r)
		if !ok {
			back := url.Values{"next": {r.URL.RequestURI()}}
			http.Redirect(w, r, "/console/login?"+back.Encode(), http.StatusSeeOther)
			return
		}
		next(w, r, s)
	}
}

// staticFiles serves the embedded assets with a day of caching.
func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
