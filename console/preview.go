package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/console/chart"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/jobs/dryrun"
)

// defaultSimulateTimeout bounds a simulation run from the console: the api role's server
// writes its answer within 30 s (cmd/rapport serve.go WriteTimeout), and a page that is still
// computing when the server gives up shows nothing at all. Over a base too big for it the
// page says so and points at `rapport simulate`, which has no such bound.
const defaultSimulateTimeout = 20 * time.Second

// previewData is the preview page: the search box, then what `rapport preview` prints for
// the customer found, then (after POST .../simulate) the simulation of the next occurrence.
type previewData struct {
	Campaign string
	Query    string
	// Preview is nil until a customer is asked for; Problem says why it is still nil.
	Preview *dryrun.Previewed
	Problem string
	// EmailURL is the address of the previewed email alone, for the sandboxed iframe.
	EmailURL string
	// CanSimulate is true for editors: viewers get no simulate form.
	CanSimulate bool
	Sim         *simView
	// Timeout is the simulation's bound, said on the page.
	Timeout time.Duration
}

// simView is a dryrun.Simulation as tables and charts, each map sorted by count.
type simView struct {
	S       *dryrun.Simulation
	Took    time.Duration
	Tables  []countTable
	Hours   template.HTML
	Problem string
}

type countTable struct {
	Title string
	Rows  []countRow
}

type countRow struct {
	Key   string
	Count int64
}

// previewPage answers GET /console/campaigns/{id}/preview?customer=ID-or-email.
func (h *handler) previewPage(w http.ResponseWriter, r *http.Request, s session) {
	d, status := h.previewBase(r, s)
	if status != 0 {
		h.fail(w, r, status, d.Problem)
		return
	}
	if d.Query != "" {
		h.preview(r.Context(), &d)
	}
	h.render(w, r, http.StatusOK, "preview", s, page{Title: "Preview " + d.Campaign, Nav: "campaigns", Data: d})
}

// emailCSP is the policy of a previewed email, served alone into the preview's sandboxed
// iframe. A srcdoc iframe would inherit the console's own policy (style-src 'self'), which
// blocks the inline styles every email carries, so the preview would not look like the
// message; served at its own address the email gets this policy instead: its inline styles
// and its images, never a script, a form, a frame or a connection.
const emailCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https: data:; " +
	"frame-ancestors 'self'; form-action 'none'; sandbox"

// previewEmail answers GET /console/campaigns/{id}/preview/email?customer=ID: the rendered
// email of the preview, alone, for the page's iframe.
func (h *handler) previewEmail(w http.ResponseWriter, r *http.Request, s session) {
	d, status := h.previewBase(r, s)
	if status != 0 || d.Query == "" {
		http.Error(w, cmp.Or(d.Problem, "no customer"), cmp.Or(status, http.StatusBadRequest))
		return
	}
	h.preview(r.Context(), &d)
	if d.Preview == nil || d.Preview.HTML == "" {
		http.Error(w, cmp.Or(d.Problem, "this preview has no email"), http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", emailCSP)
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	hd.Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, d.Preview.HTML)
}

// simulatePage answers POST /console/campaigns/{id}/simulate (editors; the CSRF token is
// checked by ServeHTTP before any route).
func (h *handler) simulatePage(w http.ResponseWriter, r *http.Request, s session) {
	if s.User.Role != config.RoleEditor {
		h.fail(w, r, http.StatusForbidden, "Only editors may run a simulation.")
		return
	}
	d, status := h.previewBase(r, s)
	if status != 0 {
		h.fail(w, r, status, d.Problem)
		return
	}
	d.Query = strings.TrimSpace(r.PostFormValue("customer"))
	if d.Query != "" {
		h.preview(r.Context(), &d)
	}
	d.Sim = h.simulate(r.Context(), d.Campaign, d.Timeout)
	h.render(w, r, http.StatusOK, "preview", s, page{Title: "Simulate " + d.Campaign, Nav: "campaigns", Data: d})
}

// previewBase checks the campaign and the console's wiring; a non-zero status is the answer.
func (h *handler) previewBase(r *http.Request, s session) (previewData, int) {
	id := r.PathValue("id")
	d := previewData{Campaign: id, Query: strings.TrimSpace(r.URL.Query().Get("customer")),
		CanSimulate: s.User.Role == config.RoleEditor, Timeout: cmp.Or(h.cfg.SimulateTimeout, defaultSimulateTimeout)}
	if h.cfg.Catalog.Load().Set.Campaign(id) == nil {
		d.Problem = "No campaign " + id + "."
		return d, http.StatusNotFound
	}
	if h.cfg.Deliverer == nil {
		d.Problem = "This console cannot preview: it was started without the delivery path."
		return d, http.StatusServiceUnavailable
	}
	return d, 0
}

// preview finds the customer of d.Query (an id, or an email address or phone number read
// from the store's address index, never a scan) and decides and renders as the worker would.
func (h *handler) preview(ctx context.Context, d *previewData) {
	id, err := h.findCustomer(ctx, d.Query)
	if errors.Is(err, customers.ErrNotFound) {
		d.Problem = "No customer with this id or address."
		return
	}
	if err != nil {
		h.cfg.Log.Error("console: find the customer to preview")
		d.Problem = "Could not search the customers; try again in a moment."
		return
	}
	p, err := dryrun.Preview(ctx, h.cfg.Deliverer, d.Campaign, id, h.cfg.Now(), nil)
	if errors.Is(err, customers.ErrNotFound) {
		d.Problem = "No customer with this id or address."
		return
	}
	if err != nil {
		// The error names the campaign and the customer id, not an address.
		h.cfg.Log.Sugar().Errorw("console: preview", "campaign", d.Campaign, "error", err)
		d.Problem = "The preview failed: " + err.Error()
		return
	}
	d.Preview = p
	d.EmailURL = "/console/campaigns/" + url.PathEscape(d.Campaign) + "/preview/email?" + url.Values{"customer": {id}}.Encode()
}

// findCustomer returns the id of q: q itself unless it looks like an address and Customers
// can search the address index (Finder).
func (h *handler) findCustomer(ctx context.Context, q string) (string, error) {
	f, ok := h.cfg.Customers.(Finder)
	if !ok || !(strings.Contains(q, "@") || strings.HasPrefix(q, "+")) {
		return q, nil
	}
	var p *customers.Profile
	var err error
	if strings.Contains(q, "@") {
		p, err = f.CustomerByEmail(ctx, q)
	} else {
		p, err = f.CustomerByPhone(ctx, q)
	}
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

// simulate runs dryrun.Simulate within timeout. Its context is the request's: a person who
// leaves the page stops the walk.
func (h *handler) simulate(ctx context.Context, campaign string, timeout time.Duration) *simView {
	if h.cfg.Audience == nil {
		return &simView{Problem: "This console cannot simulate: it was started without the customer index."}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	sim, err := dryrun.Simulate(ctx, h.cfg.Deliverer, h.cfg.Audience, campaign, h.cfg.Now(), 0)
	took := time.Since(start)
	if errors.Is(err, context.DeadlineExceeded) || (err != nil && ctx.Err() != nil) {
		return &simView{Took: took, Problem: fmt.Sprintf("The simulation did not finish within %s: the base is too big to "+
			"simulate in a page. Run `rapport simulate %s` on a server instead; it has no time limit.", timeout, campaign)}
	}
	if err != nil {
		h.cfg.Log.Sugar().Errorw("console: simulate", "campaign", campaign, "error", err)
		return &simView{Took: took, Problem: "The simulation failed: " + err.Error()}
	}
	v := &simView{S: sim, Took: took, Tables: []countTable{{"Skipped, by reason", sorted(sim.Skipped)},
		{"Variants", sorted(sim.Variants)}, {"Channels", sorted(sim.Channels)}, {"Rewards", sorted(sim.Rewards)}}}
	hours := make([]chart.Bar, 0, len(sim.Hours))
	for _, k := range slices.Sorted(maps.Keys(sim.Hours)) {
		hours = append(hours, chart.Bar{Label: strings.Replace(k, "T", " ", 1) + "h", Value: float64(sim.Hours[k])})
	}
	v.Hours = chart.Bars("Messages by send hour (UTC)", hours)
	return v
}

// sorted lists a count map, the largest first.
func sorted(m map[string]int64) []countRow {
	out := make([]countRow, 0, len(m))
	for k, n := range m {
		out = append(out, countRow{k, n})
	}
	slices.SortFunc(out, func(a, b countRow) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
	return out
}
