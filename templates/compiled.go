package templates

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"sync"
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
	buf := getBuffer()
	defer putBuffer(buf)
	*inst.ctx = *ctx
	err := inst.t.Execute(buf, d)
	*inst.ctx = renderCtx{} // let go of the customer's data while pooled
	c.htmlPool.Put(inst)
	if err != nil {
		return "", positionError(err)
	}
	return string(buf.b), nil
}

// execText renders a text template, or one of its blocks when block is not empty.
func (c *compiled) execText(ctx *renderCtx, block string, d *Data) (string, error) {
	buf := getBuffer()
	defer putBuffer(buf)
	out, err := c.execTextTo(buf, ctx, block, d)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// execTextTo renders like execText into buf, and returns the text, which aliases buf.
func (c *compiled) execTextTo(buf *buffer, ctx *renderCtx, block string, d *Data) ([]byte, error) {
	inst, _ := c.textPool.Get().(*textInstance)
	if inst == nil {
		t, err := c.text.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone %s: %w", c.name, err)
		}
		inst = &textInstance{t: t, ctx: &renderCtx{}}
		inst.t.Funcs(textFuncs(inst.ctx))
	}
	name := c.name
	if block != "" {
		name = block
	}
	*inst.ctx = *ctx
	err := inst.t.ExecuteTemplate(buf, name, d)
	*inst.ctx = renderCtx{}
	c.textPool.Put(inst)
	if err != nil {
		return nil, positionError(err)
	}
	// text/template prints a missing key of a map[string]any as "<no value>" even with
	// missingkey=zero (the zero of an interface is nil); a customer must never read that.
	return removeAll(buf.b, noValue), nil
}

// noValue is what text/template prints for a missing map key.
var noValue = []byte("<no value>")

// removeAll deletes the non-overlapping occurrences of old from b, left to right, in place,
// as strings.ReplaceAll(s, old, "") does.
func removeAll(b, old []byte) []byte {
	i := bytes.Index(b, old)
	if i < 0 {
		return b
	}
	w, r := i, i+len(old)
	for {
		j := bytes.Index(b[r:], old)
		if j < 0 {
			w += copy(b[w:], b[r:])
			return b[:w]
		}
		w += copy(b[w:], b[r:r+j])
		r += j + len(old)
	}
}

// buffer is an output buffer of template executions, pooled: a render writes a subject, a body
// and a text part, and growing a strings.Builder from empty for each cost a dozen allocations.
type buffer struct{ b []byte }

func (w *buffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// WriteString lets text/template write the template's own text without converting it.
func (w *buffer) WriteString(s string) (int, error) {
	w.b = append(w.b, s...)
	return len(s), nil
}

var buffers = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 4<<10)} }}

// maxPooledBuffer bounds the buffers kept: an outsized message should not pin its memory.
const maxPooledBuffer = 256 << 10

func getBuffer() *buffer { return buffers.Get().(*buffer) }

func putBuffer(w *buffer) {
	if cap(w.b) > maxPooledBuffer {
		return
	}
	w.b = w.b[:0]
	buffers.Put(w)
}

// stopWriter fails every write, so that the load-time escaping probe stops as soon as
// html/template has escaped the template and starts writing.
type stopWriter struct{}

func (stopWriter) Write([]byte) (int, error) { return 0, errors.New("probe: stop") }
