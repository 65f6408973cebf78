package templates

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
)

// Template functions need the locale, time zone and traits of the message being rendered, but
// a template's functions are fixed before it runs and a parsed template is shared by every
// worker goroutine. So each compiled template keeps a pool of instances: clones whose
// functions are closures over the instance's own renderCtx, filled in for one execution at a
// time. A clone of an html/template is escaped on its first execution and stays escaped, so
// the cost of escaping is paid once per instance rather than once per message, and the parsed
// prototypes themselves are never executed (html/template refuses to clone a template after
// it has run).

// blockNames are the blocks a message file may define to override inline campaign texts.
var blockNames = []string{"subject", "sms"}

// compiled is one parsed template: a file, or an inline campaign text.
type compiled struct {
	name string
	// html is the prototype of an HTML file's body; nil for text templates.
	html *htmltemplate.Template
	// text is the prototype of a text template, or the text parse of an HTML file, used to
	// run its subject and sms blocks without HTML escaping.
	text *texttemplate.Template
	// blocks says which of blockNames the file defines with a non-empty body.
	blocks map[string]bool

	htmlPool, textPool sync.Pool
	// htmlSize is the length of the last HTML render: the next one's buffer starts at that
	// size instead of growing (and copying) a dozen times from empty.
	htmlSize atomic.Int64
}

type htmlInstance struct {
	t   *htmltemplate.Template
	ctx *renderCtx
}

type textInstance struct {
	t   *texttemplate.Template
	ctx *renderCtx
}

// compileFile parses one message file on top of the partials of its kind. HTML files are
// also escaped once, so that an escaping error (an action inside an unquoted attribute, a
// missing partial) is reported at load time with its position rather than on the first send.
func (b *bases) compileFile(src source) (*compiled, *Error) {
	c := &compiled{name: src.display}
	textBase := b.text
	if src.kind == kindHTML {
		base, err := b.html.Clone()
		if err != nil {
			return nil, &Error{File: src.display, Msg: err.Error(), Err: err}
		}
		t, err := base.New(src.display).Parse(src.text)
		if err != nil {
			return nil, positionError(err)
		}
		probe, err := t.Clone()
		if err == nil {
			err = probe.Execute(stopWriter{}, &Data{})
		}
		var he *htmltemplate.Error
		if errors.As(err, &he) {
			return nil, positionError(err)
		}
		c.html = t
		textBase = b.htmlText
	}
	base, err := textBase.Clone()
	if err != nil {
		return nil, &Error{File: src.display, Msg: err.Error(), Err: err}
	}
	t, err := base.New(src.display).Parse(src.text)
	if err != nil {
		return nil, positionError(err)
	}
	c.text = t
	c.blocks = definedBlocks(t)
	return c, nil
}

// compileInline parses an inline campaign text (a subject, an SMS) as a text template.
func compileInline(name, text string) (*compiled, error) {
	t, err := texttemplate.New(name).Option("missingkey=zero").Funcs(textFuncs(&renderCtx{})).Parse(text)
	if err != nil {
		return nil, positionError(err)
	}
	return &compiled{name: name, text: t}, nil
}

// definedBlocks reports which of blockNames t defines with a non-empty body.
func definedBlocks(t *texttemplate.Template) map[string]bool {
	m := map[string]bool{}
	for _, n := range blockNames {
		if x := t.Lookup(n); x != nil && x.Tree != nil && x.Root != nil && len(x.Root.Nodes) > 0 {
			m[n] = true
		}
	}
	return m
}

// execHTML renders the body of an HTML file.
func (c *compiled) execHTML(ctx *renderCtx, d *Data) (string, error) {
	if c.html == nil {
		return "", fmt.Errorf("%s is not an HTML template", c.name)
	}
	inst, _ := c.htmlPool.Get().(*htmlInstance)
	if inst == nil {
		t, err := c.html.Clone()
		if err != nil {
			return "", fmt.Errorf("clone %s: %w", c.name, err)
		}
		inst = &htmlInstance{t: t, ctx: &renderCtx{}}
		inst.t.Funcs(htmlFuncs(inst.ctx))
	}
	var b strings.Builder
	b.Grow(int(c.htmlSize.Load()) + 256)
	*inst.ctx = *ctx
	err := inst.t.Execute(&b, d)
	*inst.ctx = renderCtx{} // let go of the customer's data while pooled
	c.htmlPool.Put(inst)
	if err != nil {
		return "", positionError(err)
	}
	c.htmlSize.Store(int64(b.Len()))
	return b.String(), nil
}

// execText renders a text template, or one of its blocks when block is not empty.
func (c *compiled) execText(ctx *renderCtx, block string, d *Data) (string, error) {
	inst, _ := c.textPool.Get().(*textInstance)
	if inst == nil {
		t, err := c.text.Clone()
		if err != nil {
			return "", fmt.Errorf("clone %s: %w", c.name, err)
		}
		inst = &textInstance{t: t, ctx: &renderCtx{}}
		inst.t.Funcs(textFuncs(inst.ctx))
	}
	name := c.name
	if block != "" {
		name = block
	}
	var b strings.Builder
	*inst.ctx = *ctx
	err := inst.t.ExecuteTemplate(&b, name, d)
	*inst.ctx = renderCtx{}
	c.textPool.Put(inst)
	if err != nil {
		return "", positionError(err)
	}
	// text/template prints a missing key of a map[string]any as "<no value>" even with
	// missingkey=zero (the zero of an interface is nil); a customer must never read that.
	return strings.ReplaceAll(b.String(), "<no value>", ""), nil
}

// stopWriter fails every write, so that the load-time escaping probe stops as soon as
// html/template has escaped the template and starts writing.
type stopWriter struct{}

func (stopWriter) Write([]byte) (int, error) { return 0, errors.New("probe: stop") }
