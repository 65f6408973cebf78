package templates

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain text passes through", "Hello", "Hello"},
		{"head style and script are dropped",
			"<html><head><title>T</title><style>p{color:red}</style><meta charset=utf-8></head>" +
				"<body><script>alert('x < y')</script><p>Hi</p></body></html>",
			"Hi"},
		{"head without end tag ends at body", "<head><meta x=1>junk<body>Text", "Text"},
		{"paragraphs are separated by a blank line", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"headings are paragraphs", "<h1>Title</h1>Body", "Title\n\nBody"},
		{"divs end lines", "<div>One</div><div>Two</div>", "One\nTwo"},
		{"br is a line break", "One<br>Two<br/>Three<BR />Four", "One\nTwo\nThree\nFour"},
		{"white space collapses", "  Hello \n\t  world  ", "Hello world"},
		{"link becomes label and url", `<a href="https://x.test/a?b=1&amp;c=2">Shop now</a>`, "Shop now (https://x.test/a?b=1&c=2)"},
		{"link whose label is its url is written once", `<a href="https://x.test">https://x.test</a>`, "https://x.test"},
		{"mailto link showing the address is written once", `<a href="mailto:hi@x.test">hi@x.test</a>`, "hi@x.test"},
		{"link without label shows the url", `See <a href="https://x.test"></a> now`, "See https://x.test now"},
		{"image link uses the alt text", `<a href="https://x.test"><img src="l.png" alt="Logo"></a>`, "Logo (https://x.test)"},
		{"anchor links keep only the label", `<a href="#top">Top</a>`, "Top"},
		{"javascript links keep only the label", `<a href="javascript:void(0)">Click</a>`, "Click"},
		{"images outside links are dropped", `A<img src="p.gif" alt="pixel">B`, "AB"},
		{"list items start with a dash", "<ul><li>One</li><li>Two</li></ul>", "- One\n- Two"},
		{"nested lists indent", "<ul><li>One<ul><li>Sub</li></ul></li><li>Two</li></ul>", "- One\n  - Sub\n- Two"},
		{"text around a list is set apart", "Before<ol><li>A</li></ol>After", "Before\n\n- A\n\nAfter"},
		{"table cells are spaced and rows are lines",
			"<table><tr><td>Item</td><td>Price</td></tr><tr><td>Bag</td><td>10</td></tr></table>",
			"Item Price\nBag 10"},
		{"entities are decoded", "Fish &amp; chips &lt;3 &eacute;t&#233; &#x263A;", "Fish & chips <3 été ☺"},
		{"no-break spaces are kept", "1&nbsp;234,50&nbsp;€", "1\u00a0234,50\u00a0€"},
		{"comments are dropped", "A<!-- hidden -->B<!--[if mso]>x<![endif]-->C", "ABC"},
		{"doctype is dropped", "<!DOCTYPE html>Hi", "Hi"},
		{"display none preheader is dropped", `<div style="display: none; max-height:0">Preview</div><p>Body</p>`, "Body"},
		{"hidden nested elements are dropped whole", `<div hidden><div>a</div>b</div>c`, "c"},
		{"pre keeps its white space", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"lone less-than is text", "a < b and 3<4", "a < b and 3<4"},
		{"quoted greater-than does not end a tag", `<a title="a>b" href="https://x.test">go</a>`, "go (https://x.test)"},
		{"unclosed comment ends the text", "A<!-- never closed", "A"},
		{"unclosed script ends the text", "A<script>var x", "A"},
		{"unclosed tag ends the text", `A<a href="x`, "A"},
		{"upper-case tags work", "<P>One</P><P>Two</P>", "One\n\nTwo"},
		{"many blank lines collapse to one", "<p>A</p><p></p><p></p><div></div><p>B</p>", "A\n\nB"},
		{"cdata is text", "<![CDATA[x < y]]>", "x < y"},
		{"empty input", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLToTextOfAnEmailLayout(t *testing.T) {
	t.Parallel()
	in := `<!DOCTYPE html>
<html><head><style>.x{}</style></head>
<body>
  <span style="display:none">Your reward inside</span>
  <table role="presentation"><tr><td>
    <h1>Thank you, Anna!</h1>
    <p>Your code is <strong>THANKS-7Q2K</strong>.</p>
    <p><a href="https://shop.test/?c=THANKS">Shop now</a></p>
  </td></tr></table>
  <p style="font-size:12px"><a href="https://news.test/u/t">Unsubscribe</a></p>
</body></html>`
	want := "Thank you, Anna!\n\nYour code is THANKS-7Q2K.\n\nShop now (https://shop.test/?c=THANKS)\n\nUnsubscribe (https://news.test/u/t)"
	if got := HTMLToText(in); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{
		"", "<p>a</p>", "<a href='x'>y</a>", "<!--", "<script>", "<a href=\"", "<ul><li>x", "</a></a></ul>",
		"<div hidden><div>", "<pre>\n</pre>", "&amp;&#xFFFFFFFF;&", "<\xff>\xfe", "<a =x>", "<a b='>'>c",
		"<![CDATA[", "<head><body>", "<img alt='&lt;'>", "<a href=u><a href=v>w</a></a>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTMLToText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		if strings.Contains(out, "\n\n\n") {
			t.Fatalf("more than one blank line out of %q: %q", in, out)
		}
		if out != strings.TrimSpace(out) {
			t.Fatalf("untrimmed output out of %q: %q", in, out)
		}
	})
}
