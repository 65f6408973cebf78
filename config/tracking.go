package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Tracking is rapport.yaml's tracking: how opens and clicks are told from machines.
type Tracking struct {
	// ProxyIPs are the networks (CIDR or single addresses) of privacy proxies that fetch every
	// image of a message whether or not anyone reads it: an open from them is recorded but
	// flagged and counted as no engagement. Default 17.0.0.0/8, Apple's network, from which
	// Apple Mail Privacy Protection prefetches (Apple publishes its egress ranges; list them
	// here to be narrower).
	ProxyIPs []string `yaml:"proxy_ips"`
	// ProxyUserAgents are substrings of the User-Agent of such proxies, matched case-
	// insensitively. Default none.
	ProxyUserAgents []string `yaml:"proxy_user_agents"`
	// ScannerWindow: a click this soon after the message was sent is a link scanner's (mail
	// security gateways fetch every link of a message on arrival): recorded, flagged and
	// counted as no engagement. Default 10s; 0 turns the rule off.
	ScannerWindow Duration `yaml:"scanner_window"`
	// LinkTTL is how long the links of a sent message keep redirecting (and its opens and
	// clicks are counted). Default 90d.
	LinkTTL Duration `yaml:"link_ttl"`

	prefixes []netip.Prefix
}

// CampaignTracking is a campaign's tracking: {clicks: false, opens: false}. Both default true.
type CampaignTracking struct {
	Clicks *bool `yaml:"clicks"`
	Opens  *bool `yaml:"opens"`
}

// TrackClicks tells whether the campaign's links are rewritten for click tracking.
func (c *Campaign) TrackClicks() bool {
	return c.Tracking == nil || c.Tracking.Clicks == nil || *c.Tracking.Clicks
}

// TrackOpens tells whether the campaign's emails carry an open pixel.
func (c *Campaign) TrackOpens() bool {
	return c.Tracking == nil || c.Tracking.Opens == nil || *c.Tracking.Opens
}

// defaultTracking is Tracking's defaults.
func defaultTracking() Tracking {
	apple := netip.MustParsePrefix("17.0.0.0/8")
	return Tracking{ProxyIPs: []string{apple.String()}, ScannerWindow: Duration(10 * time.Second),
		LinkTTL: Duration(90 * 24 * time.Hour), prefixes: []netip.Prefix{apple}}
}

// ProxyPrefixes are ProxyIPs, parsed by Load.
func (t *Tracking) ProxyPrefixes() []netip.Prefix { return t.prefixes }

// IsProxy tells whether an open from addr with user agent ua comes from a privacy proxy.
func (t *Tracking) IsProxy(addr netip.Addr, ua string) bool {
	addr = addr.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	if ua == "" {
		return false
	}
	lower := strings.ToLower(ua)
	for _, s := range t.ProxyUserAgents {
		if s != "" && strings.Contains(lower, strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// Signing returns the secrets that sign links: secrets when set (the first signs, all are
// accepted), else [secret].
func (c *Config) Signing() []string {
	if len(c.Secrets) > 0 {
		return c.Secrets
	}
	if c.Secret == "" {
		return nil
	}
	return []string{c.Secret}
}

// checkTracking validates tracking and secrets, and parses the proxy networks.
func (k *configChecker) checkTracking() {
	t := &k.c.Tracking
	t.prefixes = nil
	for i, s := range t.ProxyIPs {
		p, err := parsePrefix(s)
		if err != nil {
			k.errorf(fmt.Sprintf("tracking.proxy_ips[%d]", i), "want a CIDR such as 17.0.0.0/8 or an address: %v", err)
			continue
		}
		t.prefixes = append(t.prefixes, p)
	}
	if t.ScannerWindow < 0 {
		k.errorf("tracking.scanner_window", "must not be negative, got %s", t.ScannerWindow)
	}
	if t.LinkTTL <= 0 {
		k.errorf("tracking.link_ttl", "must be positive, got %s", t.LinkTTL)
	}
	seen := map[string]int{}
	for i, s := range k.c.Secrets {
		field := fmt.Sprintf("secrets[%d]", i)
		if strings.TrimSpace(s) == "" {
			k.errorf(field, "empty secret")
		} else if j, dup := seen[s]; dup {
			k.errorf(field, "the same secret as secrets[%d]", j)
		}
		seen[s] = i
	}
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
