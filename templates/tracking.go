package templates

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// NoTrackAttr marks a link that must keep its URL (<a href="..." data-rapport-notrack>).
const NoTrackAttr = "data-rapport-notrack"

// Tracking says how TrackLinks rewrites a rendered HTML email.
type Tracking struct {
	// Clicks rewrites every http(s) link through ClickURL.
	Clicks bool
	// Opens adds an open pixel (OpenURL) before </body>.
	Opens bool
	// Keep are URLs left as they are whatever Clicks says: the unsubscribe link, which must
	// work without a redirect (and is itself signed).
	Keep []string
	// ClickURL returns the tracked URL of the link at index i of the message's link list.
	ClickURL func(i int) string
	// OpenURL is the open pixel's URL.
	OpenURL string
	// MaxLinks bounds the link list; further links keep their URL. 0: no bound.
	MaxLinks int
}

// TrackLinks rewrites a rendered HTML email for tracking and returns it with its link list:
// links[i] is the URL (as the message had it, HTML entities decoded) that ClickURL(i)
// redirects to. The same URL twice in a message gets one index, so a click counts on the
// link, not on where it sits. Only <a href> links with an http or https URL are rewritten;
// mailto:, tel:, anchors, the Keep URLs and links marked data-rapport-notrack stay as they
// are. Everything but the rewritten <a> tags is copied byte for byte.
func TrackLinks(htmlText string, t Tracking) (string, []string) {
	if !t.Clicks && !t.Opens {
		return htmlText, nil
	}
	var out strings.Builder
	out.Grow(len(htmlText) + 256)
	var links []string
	index := map[string]int{}
	if t.Clicks && t.ClickURL != nil {
		z := html.NewTokenizer(strings.NewReader(htmlText))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				if z.Err() != io.EOF {
					// The tokenizer stops only at the end of its input; anything else
					// (it reads from a string) leaves the rest unrewritten, not lost.
					out.Write(z.Raw())
				}
				break
			}
			raw := z.Raw()
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				out.Write(raw)
				continue
			}
			name, hasAttr := z.TagName()
			if !hasAttr || string(name) != "a" {
				out.Write(raw)
				continue
			}
			tok := html.Token{Type: tt, Data: "a"}
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				tok.Attr = append(tok.Attr, html.Attribute{Key: string(k), Val: string(v)})
			}
			href := hrefIndex(tok.Attr)
			if href < 0 || !trackable(tok.Attr, tok.Attr[href].Val, t.Keep) {
				out.Write(raw)
				continue
			}
			u := strings.TrimSpace(tok.Attr[href].Val)
			i, seen := index[u]
			if !seen {
				if t.MaxLinks > 0 && len(links) >= t.MaxLinks {
					out.Write(raw)
					continue
				}
				i = len(links)
				index[u] = i
				links = append(links, u)
			}
			tok.Attr[href].Val = t.ClickURL(i)
			out.WriteString(tok.String())
		}
	} else {
		out.WriteString(htmlText)
	}
	if !t.Opens || t.OpenURL == "" {
		return out.String(), links
	}
	return addPixel(out.String(), t.OpenURL), links
}

// hrefIndex is the index of the href attribute, -1 when there is none.
func hrefIndex(attrs []html.Attribute) int {
	for i, a := range attrs {
		if a.Key == "href" {
			return i
		}
	}
	return -1
}

// trackable tells whether a link with attrs and URL u is rewritten.
func trackable(attrs []html.Attribute, u string, keep []string) bool {
	for _, a := range attrs {
		if a.Key == NoTrackAttr {
			return false
		}
	}
	u = strings.TrimSpace(u)
	lower := strings.ToLower(u)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return false
	}
	for _, k := range keep {
		if k != "" && u == k {
			return false
		}
	}
	return true
}

// addPixel puts a 1x1 image with src before the last </body>, or at the end without one.
func addPixel(s, src string) string {
	var img bytes.Buffer
	img.WriteString(`<img src="`)
	img.WriteString(html.EscapeString(src))
	img.WriteString(`" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`)
	at := lastIndexFold(s, "</body")
	if at < 0 {
		return s + img.String()
	}
	return s[:at] + img.String() + s[at:]
}

// lastIndexFold is strings.LastIndex ignoring ASCII case of the ASCII needle.
func lastIndexFold(s, needle string) int {
	for i := len(s) - len(needle); i >= 0; i-- {
		if strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}
