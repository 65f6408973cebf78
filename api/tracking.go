package api

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"time"

	"go.uber.org/zap"

	"github.com/rapporthq/rapport/config"
	"github.com/rapporthq/rapport/customers"
	"github.com/rapporthq/rapport/decide"
	"github.com/rapporthq/rapport/links"
	"github.com/rapporthq/rapport/results"
)

// Hits records opens and clicks (customers.Store).
type Hits interface {
	RecordHit(ctx context.Context, h customers.Hit) (customers.HitResult, error)
}

// Tracking serves GET /t/c/{token} (click redirect) and GET /t/o/{token} (open pixel).
// Server.Tracking; nil serves neither.
type Tracking struct {
	// Keyring verifies tracking tokens (secrets: every listed secret is accepted). Required.
	Keyring *links.Keyring
	// Hits records them. Required.
	Hits Hits
	// Rules tells privacy proxies and link scanners from people (rapport.yaml tracking).
	// Default config.Default().Tracking.
	Rules *config.Tracking
}

// hitTimeout bounds the Redis call of a hit: a reader waiting on a redirect gives up sooner.
const hitTimeout = 2 * time.Second

// pixel is a transparent 1x1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// handleClick redirects to the link the message had at the token's index. It redirects only
// to a URL stored when the message was sent: a forged, altered or truncated token, or one
// whose message expired, gets 404 and no Location, so it is never an open redirect.
func (s *Server) handleClick(w http.ResponseWriter, r *http.Request) {
	res, ok := s.hit(w, r, links.PurposeClick)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Location", res.URL)
	w.WriteHeader(http.StatusFound)
}

// handleOpen answers the open pixel.
func (s *Server) handleOpen(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.hit(w, r, links.PurposeOpen); !ok {
		return
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store, private")
	_, _ = w.Write(pixel)
}

// hit verifies the token and records the hit; it answers the request itself when there is
// nothing to serve (404, 503) and reports false.
func (s *Server) hit(w http.ResponseWriter, r *http.Request, purpose string) (customers.HitResult, bool) {
	t := s.Tracking
	tok, err := t.Keyring.VerifyTrack(purpose, r.PathValue("token"))
	if err != nil || (purpose == links.PurposeClick) == (tok.Index == links.Pixel) {
		http.Error(w, "This link is not valid.", http.StatusNotFound)
		return customers.HitResult{}, false
	}
	rules := t.Rules
	if rules == nil {
		rules = &config.Default().Tracking
	}
	h := customers.Hit{Customer: tok.Customer, Send: tok.Send, Click: purpose == links.PurposeClick, Index: tok.Index,
		At: s.Now(), ScannerWindow: rules.ScannerWindow.D()}
	if purpose == links.PurposeOpen {
		h.Proxy = rules.IsProxy(remoteAddr(r), r.UserAgent())
	}
	ctx, cancel := context.WithTimeout(r.Context(), hitTimeout)
	defer cancel()
	res, err := t.Hits.RecordHit(ctx, h)
	if err != nil {
		s.Log.Error("record tracking hit", zap.String("purpose", purpose), zap.Error(err))
		http.Error(w, "Please try again.", http.StatusServiceUnavailable)
		return res, false
	}
	if !res.Found {
		http.Error(w, "This link has expired.", http.StatusNotFound)
		return res, false
	}
	if res.First {
		// The message's first human open or click: proxies and scanners never get here.
		m := results.Opened
		if h.Click {
			m = results.Clicked
		}
		s.count(ctx, m, res.Campaign, res.Variant, res.Channel)
	}
	return res, true
}

// remoteAddr is the address the request came from. Behind a reverse proxy this is the
// proxy's: proxies of opens are then told by user agent only.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a
}

// engagementView is a channel's engagement in GET /v1/customers/{id}.
type engagementView struct {
	Received       int       `json:"received"`
	Opens          int       `json:"opens"`
	Clicks         int       `json:"clicks"`
	Engaged        int       `json:"engaged"`
	Rate           float64   `json:"rate"`
	LastEngagement time.Time `json:"last_engagement,omitzero"`
	// BestHour is the customer's local hour with most opens and clicks; absent when none.
	BestHour *int    `json:"best_hour,omitempty"`
	Hours    [24]int `json:"hours"`
}

func engagementViews(m map[string]decide.Engagement) map[string]engagementView {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]engagementView, len(m))
	for ch, e := range m {
		v := engagementView{Received: e.Received, Opens: e.Opens, Clicks: e.Clicks, Engaged: e.Engaged,
			Rate: e.Rate(), LastEngagement: e.LastEngagement, Hours: e.Hours}
		if h := e.BestHour(); h >= 0 {
			v.BestHour = &h
		}
		out[ch] = v
	}
	return out
}
