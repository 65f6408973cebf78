package templates

import (
	"bytes"
	"html"
	"strings"
	"sync"
	"unicode/utf8"
)

// HTMLToText makes the plain-text alternative of an HTML email: the head, styles, scripts and
// hidden elements (display:none preheaders, the hidden attribute) are dropped; block elements
// and <br> become line breaks and paragraphs blank lines; a link becomes "label (url)", or
// just the url when the label says the same; list items start with "- "; table cells are
// separated by spaces and rows by lines; entities are decoded; runs of white space collapse
// except inside <pre>. Lines are not wrapped. Any input is accepted: what is not markup is
// text, and an unclosed comment, tag or script ends the text.
func HTMLToText(src string) string {
	c := converters.Get().(*converter)
	*c = converter{src: src, out: c.out[:0], links: c.links[:0]}
	out := string(c.run())
	if cap(c.out) <= maxPooledText {
		c.src = ""
		converters.Put(c)
	}
	return out
}

// converters reuse the output buffer of HTMLToText, which runs for every email rendered
// without a text file; the text is copied out once, at its final size.
var converters = sync.Pool{New: func() any { return new(converter) }}

// maxPooledText bounds the buffer a pooled converter keeps.
const maxPooledText = 64 << 10

// converter is a single pass over the HTML: a small state machine rather than a full HTML5
// parser (golang.org/x/net/html is not a dependency), which is enough for the HTML that
// templates produce.
type converter struct {
	src string
	i   int
	out []byte

	pendingSpace bool // a space is owed before the next text
	pendingLines int  // line breaks owed before the next text (at most 2)
	prefix       string
	pre          int     // depth of <pre>
	lists        int     // depth of <ul>/<ol>
	hidden       string  // tag of the hidden element being skipped, "" when none
	hiddenDepth  int     // nesting of that tag inside itself
	links        []link  // open <a> elements
	headOpen     bool    // inside <head>, whose content is never text
	lastRunes    [2]rune // the last two runes written, to collapse breaks
	written      bool    // anything written yet
}

type link struct {
	href  string
	start int // offset in out where the label starts
}

// tagFlags classifies the tags the conversion treats specially, in one map lookup per tag.
var tagFlags = func() map[string]tagFlag {
	m := map[string]tagFlag{}
	for flag, names := range map[tagFlag][]string{
		// Block tags end a line before and after.
		tagBlock: {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "nav", "aside",
			"main", "form", "address", "figure", "figcaption", "center", "tbody", "thead", "tfoot", "caption",
			"fieldset", "details", "summary"},
		// Paragraph tags leave a blank line.
		tagParagraph: {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre", "hr"},
		// Raw tags hold text that is not markup and not shown.
		tagRaw: {"script", "style", "title", "template", "noscript", "textarea"},
		// Void tags have no end tag, so they cannot be hidden "until their end".
		tagVoid: {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"},
	} {
		for _, n := range names {
			m[n] |= flag
		}
	}
	return m
}()

type tagFlag uint8

const (
	tagBlock tagFlag = 1 << iota
	tagParagraph
	tagRaw
	tagVoid
)

// run converts src and returns the text, which aliases c.out.
func (c *converter) run() []byte {
	for c.i < len(c.src) {
		lt := strings.IndexByte(c.src[c.i:], '<')
		if lt < 0 {
			c.text(c.src[c.i:])
			break
		}
		c.text(c.src[c.i : c.i+lt])
		c.i += lt
		c.markup()
	}
	c.closeLinks(0)
	c.out = trimLineEnds(c.out)
	return bytes.TrimSpace(c.out)
}

// markup handles what starts at a '<': a comment, a declaration, a tag, or a lone '<' that
// is text.
func (c *converter) markup() {
	rest := c.src[c.i:]
	switch {
	case strings.HasPrefix(rest, "<!--"):
		c.skipPast("-->", 4)
		return
	case strings.HasPrefix(rest, "<![CDATA["):
		end := strings.Index(rest[9:], "]]>")
		if end < 0 {
			c.text(rest[9:])
			c.i = len(c.src)
			return
		}
		c.text(rest[9 : 9+end])
		c.i += 9 + end + 3
		return
	case strings.HasPrefix(rest, "<!"), strings.HasPrefix(rest, "<?"):
		c.skipPast(">", 2)
		return
	}
	closing := strings.HasPrefix(rest, "</")
	start := 1
	if closing {
		start = 2
	}
	if start >= len(rest) || !isASCIILetter(rest[start]) {
		c.text("<")
		c.i++
		return
	}
	n := start
	for n < len(rest) && isNameByte(rest[n]) {
		n++
	}
	name := strings.ToLower(rest[start:n])
	end, attrs, ok := scanAttrs(rest, n)
	c.i += end
	if !ok {
		return // the input ends inside the tag, which browsers drop
	}
	if closing {
		c.endTag(name)
		return
	}
	c.startTag(name, attrs)
}

// skipPast moves past the next occurrence of marker, searching from from bytes into the
// markup, or to the end of the input when there is none.
func (c *converter) skipPast(marker string, from int) {
	rest := c.src[c.i:]
	if from > len(rest) {
		from = len(rest)
	}
	if j := strings.Index(rest[from:], marker); j >= 0 {
		c.i += from + j + len(marker)
		return
	}
	c.i = len(c.src)
}

func (c *converter) startTag(name string, attrs string) {
	flags := tagFlags[name]
	if flags&tagRaw != 0 {
		c.skipRaw(name)
		return
	}
	if c.hidden != "" {
		if name == c.hidden {
			c.hiddenDepth++
		}
		return
	}
	switch name {
	case "head":
		c.headOpen = true
		return
	case "body":
		c.headOpen = false
		return
	}
	if c.headOpen {
		return
	}
	if flags&tagVoid == 0 && isHidden(attrs) {
		c.hidden, c.hiddenDepth = name, 1
		return
	}
	switch {
	case name == "br":
		c.lineBreak(1)
	case name == "li":
		c.lineBreak(1)
		depth := max(c.lists, 1)
		c.prefix = strings.Repeat("  ", depth-1) + "- "
	case name == "ul" || name == "ol":
		c.lineBreak(paragraphBreak(c.lists))
		c.lists++
	case name == "td" || name == "th":
		c.pendingSpace = true
	case name == "a":
		c.closeLinks(0) // an <a> inside an <a> closes the first, as browsers do
		c.links = append(c.links, link{href: attrValue(attrs, "href"), start: len(c.out)})
	case name == "img":
		if len(c.links) > 0 {
			c.text(attrValue(attrs, "alt"))
		}
	case name == "pre":
		c.lineBreak(2)
		c.pre++
	case flags&tagParagraph != 0:
		c.lineBreak(2)
	case flags&tagBlock != 0:
		c.lineBreak(1)
	}
}

func (c *converter) endTag(name string) {
	if c.hidden != "" {
		if name == c.hidden {
			c.hiddenDepth--
			if c.hiddenDepth == 0 {
				c.hidden = ""
			}
		}
		return
	}
	if name == "head" {
		c.headOpen = false
		return
	}
	if c.headOpen {
		return
	}
	switch {
	case name == "a":
		c.closeLinks(len(c.links) - 1)
	case name == "ul" || name == "ol":
		if c.lists > 0 {
			c.lists--
		}
		c.lineBreak(paragraphBreak(c.lists))
	case name == "pre":
		if c.pre > 0 {
			c.pre--
		}
		c.lineBreak(2)
	case name == "li":
		c.prefix = ""
		c.lineBreak(1)
	case tagFlags[name]&tagParagraph != 0:
		c.lineBreak(2)
	case tagFlags[name]&tagBlock != 0:
		c.lineBreak(1)
	}
}

// paragraphBreak is the break around a list: a blank line at the top level, a line break for
// a list nested in an item.
func paragraphBreak(lists int) int {
	if lists > 0 {
		return 1
	}
	return 2
}

// skipRaw skips the content of a raw-text element up to its end tag.
func (c *converter) skipRaw(name string) {
	for rest := c.src[c.i:]; ; {
		j := strings.Index(rest, "</")
		if j < 0 {
			c.i = len(c.src)
			return
		}
		if hasPrefixFoldASCII(rest[j+2:], name) {
			c.i = len(c.src) - len(rest) + j
			c.skipPast(">", 0)
			return
		}
		rest = rest[j+2:]
	}
}

// closeLinks closes the open links from index from on, writing their URLs after their labels.
func (c *converter) closeLinks(from int) {
	if from < 0 {
		return
	}
	for len(c.links) > from {
		l := c.links[len(c.links)-1]
		c.links = c.links[:len(c.links)-1]
		href := strings.TrimSpace(l.href)
		if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
			continue
		}
		var label []byte
		if l.start <= len(c.out) {
			label = bytes.TrimSpace(c.out[l.start:])
		}
		switch {
		case len(label) == 0:
			c.text(href)
		case string(label) == href || string(label) == strings.TrimPrefix(href, "mailto:") || string(label) == strings.TrimPrefix(href, "tel:"):
		default:
			c.text(" (" + href + ")")
		}
	}
}

// text writes character data: entities decoded, white space collapsed (outside <pre>).
func (c *converter) text(s string) {
	if s == "" || c.hidden != "" || c.headOpen {
		return
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	if c.pre == 0 {
		s = c.asciiWords(s)
	}
	for _, r := range s {
		if c.pre == 0 && isHTMLSpace(r) {
			c.pendingSpace = true
			continue
		}
		if c.pre > 0 && r == '\n' {
			c.writeRune('\n')
			continue
		}
		c.flush()
		if r == utf8.RuneError {
			r = '\uFFFD'
		}
		c.writeRune(r)
	}
}

// asciiWords writes the words of s made of printable ASCII a run at a time (outside <pre>),
// as text would rune by rune, and returns the rest of s from its first other byte.
func (c *converter) asciiWords(s string) string {
	for len(s) > 0 {
		if isHTMLSpace(rune(s[0])) {
			c.pendingSpace = true
			s = s[1:]
			continue
		}
		n := 0
		for n < len(s) && s[n] > ' ' && s[n] < utf8.RuneSelf {
			n++
		}
		if n == 0 {
			return s
		}
		c.flush()
		c.out = append(c.out, s[:n]...)
		if n == 1 {
			c.lastRunes[0] = c.lastRunes[1]
		} else {
			c.lastRunes[0] = rune(s[n-2])
		}
		c.lastRunes[1] = rune(s[n-1])
		c.written = true
		s = s[n:]
	}
	return s
}

// flush writes the line breaks, list prefix or space owed before the next text.
func (c *converter) flush() {
	if c.pendingLines > 0 {
		if c.written {
			for range c.pendingLines - c.trailingBreaks() {
				c.writeRune('\n')
			}
		}
		c.pendingLines, c.pendingSpace = 0, false
	}
	if c.prefix != "" {
		c.out = append(c.out, c.prefix...)
		c.prefix = ""
		c.pendingSpace = false
		c.lastRunes = [2]rune{' ', ' '}
		c.written = true
	}
	if c.pendingSpace {
		if c.written && c.lastRunes[1] != '\n' && c.lastRunes[1] != ' ' {
			c.writeRune(' ')
		}
		c.pendingSpace = false
	}
}

// lineBreak owes n line breaks (1: new line, 2: blank line) before the next text.
func (c *converter) lineBreak(n int) {
	c.pendingLines = max(c.pendingLines, n)
	c.pendingSpace = false
}

// trailingBreaks counts the line breaks already at the end of the output (0 to 2).
func (c *converter) trailingBreaks() int {
	switch {
	case c.lastRunes[1] != '\n':
		return 0
	case c.lastRunes[0] != '\n':
		return 1
	}
	return 2
}

func (c *converter) writeRune(r rune) {
	c.out = utf8.AppendRune(c.out, r)
	c.lastRunes[0], c.lastRunes[1] = c.lastRunes[1], r
	c.written = true
}

// trimLineEnds removes the spaces left at the end of lines, in place.
func trimLineEnds(b []byte) []byte {
	if !bytes.Contains(b, []byte(" \n")) {
		return b
	}
	w := 0
	for _, x := range b {
		if x == '\n' {
			for w > 0 && b[w-1] == ' ' {
				w--
			}
		}
		b[w] = x
		w++
	}
	return b[:w]
}

// isHTMLSpace is the ASCII white space of HTML. A no-break space is not white space: it is
// there to hold words (an amount and its currency) together.
func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// hasPrefixFoldASCII reports whether s starts with the lower-case ASCII prefix, ignoring
// ASCII case only (strings.EqualFold would also match the long s, U+017F, to an s).
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b != prefix[i] {
			return false
		}
	}
	return true
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

func isNameByte(b byte) bool {
	return isASCIILetter(b) || b >= '0' && b <= '9' || b == '-' || b == ':' || b == '_'
}
