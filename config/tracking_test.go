package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestTrackingKeysLoadAndClassifyProxies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "secrets: [new-secret, old-secret]\ntracking:\n  proxy_ips: [17.0.0.0/8, 2620:149::/32, 203.0.113.7]\n  proxy_user_agents: [GoogleImageProxy]\n  scanner_window: 5s\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Signing(); len(got) != 2 || got[0] != "new-secret" {
		t.Errorf("Signing() = %q", got)
	}
	for _, tc := range []struct {
		ip, ua string
		want   bool
	}{
		{"17.58.1.2", "Mozilla/5.0", true},
		{"::ffff:17.58.1.2", "", true},
		{"2620:149:1::5", "", true},
		{"203.0.113.7", "", true},
		{"203.0.113.8", "Mozilla/5.0 (via ggpht.com GoogleImageProxy)", true},
		{"198.51.100.1", "Mozilla/5.0 (iPhone)", false},
	} {
		if got := c.Tracking.IsProxy(netip.MustParseAddr(tc.ip), tc.ua); got != tc.want {
			t.Errorf("IsProxy(%s, %q) = %v, want %v", tc.ip, tc.ua, got, tc.want)
		}
	}
	if c.Tracking.ScannerWindow.D().Seconds() != 5 {
		t.Errorf("scanner_window %s", c.Tracking.ScannerWindow)
	}
}

func TestTrackingDefaultsFlagApple(t *testing.T) {
	t.Parallel()
	c := Default()
	if !c.Tracking.IsProxy(netip.MustParseAddr("17.1.2.3"), "") || c.Tracking.LinkTTL.D().Hours() != 90*24 {
		t.Errorf("defaults: %+v", c.Tracking)
	}
	c.Secret = "s"
	if got := c.Signing(); len(got) != 1 || got[0] != "s" {
		t.Errorf("Signing() without secrets = %q", got)
	}
}

func TestBadProxyIPIsReportedAtItsPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "tracking:\n  proxy_ips: [17.0.0.0/8, not-an-ip]\nsecrets: [a, a]\n")
	_, err := Load(p, nil)
	got := strings.Join(errorLines(err, dir), "\n")
	for _, want := range []string{"rapport.yaml:2:27: tracking.proxy_ips[1]", "rapport.yaml:3:14: secrets[1]: the same secret as secrets[0]"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}
