package templates

import (
	"strconv"
	"strings"
	"testing"
)

func trackAll(keep ...string) Tracking {
	return Tracking{Clicks: true, Opens: true, Keep: keep, OpenURL: "https://t.example/t/o/PX",
		ClickURL: func(i int) string { return "https://t.example/t/c/" + strconv.Itoa(i) }}
}

func TestTrackLinksRewritesOnlyWebLinks(t *testing.T) {
	in := `<html><body><p>Hi &amp; welcome</p>` +
		`<a href="https://shop.example/a?x=1&amp;y=2" class="btn">Shop</a>` +
		`<a href="mailto:help@example.com">Mail</a><a href="tel:+15550100">Call</a>` +
		`<a href="https://shop.example/u/TOKEN">Unsubscribe</a>` +
		`<a href="https://shop.example/private" data-rapport-notrack>Private</a>` +
		`<a href="#top">Top</a><a name="x">anchor</a>` +
		`<A HREF=" HTTP://shop.example/b ">B</A>` +
		`<a href="https://shop.example/a?x=1&amp;y=2">Again</a>` +
		`</BODY></html>`
	out, links := TrackLinks(in, trackAll("https://shop.example/u/TOKEN"))
	want := []string{"https://shop.example/a?x=1&y=2", "HTTP://shop.example/b"}
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Fatalf("links %q, want %q", links, want)
	}
	for _, s := range []string{
		`<p>Hi &amp; welcome</p>`,
		`<a href="https://t.example/t/c/0" class="btn">Shop</a>`,
		`<a href="mailto:help@example.com">`, `<a href="tel:+15550100">`,
		`<a href="https://shop.example/u/TOKEN">`, `<a href="https://shop.example/private" data-rapport-notrack>`,
		`<a href="#top">`, `<a href="https://t.example/t/c/1">B</A>`, `<a href="https://t.example/t/c/0">Again</a>`,
		`<img src="https://t.example/t/o/PX" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0"></BODY></html>`,
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %s:\n%s", s, out)
		}
	}
}

func TestTrackLinksTurnedOff(t *testing.T) {
	in := `<body><a href="https://shop.example/">x</a></body>`
	for _, tc := range []struct {
		name          string
		clicks, opens bool
		wantLinks     int
		wantPixel     bool
	}{
		{"both off", false, false, 0, false},
		{"clicks only", true, false, 1, false},
		{"opens only", false, true, 0, true},
	} {
		tr := trackAll()
		tr.Clicks, tr.Opens = tc.clicks, tc.opens
		out, links := TrackLinks(in, tr)
		if len(links) != tc.wantLinks || strings.Contains(out, "/t/o/") != tc.wantPixel {
			t.Errorf("%s: links %q, html %s", tc.name, links, out)
		}
		if !tc.clicks && !strings.Contains(out, `href="https://shop.example/"`) {
			t.Errorf("%s: link rewritten: %s", tc.name, out)
		}
	}
}

func TestTrackLinksWithoutBodyAppendsPixel(t *testing.T) {
	out, _ := TrackLinks(`<p>x</p>`, trackAll())
	if !strings.HasSuffix(out, `border:0">`) {
		t.Fatalf("pixel not appended: %s", out)
	}
}

func TestTrackLinksBoundsTheLinkList(t *testing.T) {
	tr := trackAll()
	tr.MaxLinks = 2
	out, links := TrackLinks(`<a href="https://a/1">1</a><a href="https://a/2">2</a><a href="https://a/3">3</a>`, tr)
	if len(links) != 2 || !strings.Contains(out, `href="https://a/3"`) {
		t.Fatalf("links %q html %s", links, out)
	}
}
