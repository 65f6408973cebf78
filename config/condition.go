package config

import (
	"fmt"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/goccy/go-yaml/ast"
)

// Condition is an expr expression over customer, event, event_name and now, compiled once at
// load. A nil *Condition always holds.
type Condition struct {
	Source string
	Pos    Pos
	prog   *vm.Program
}

// conditionEnv declares the names a condition may use; customer and event are maps so that any
// trait or property is reachable, and a missing one is nil rather than a crash.
var conditionEnv = map[string]any{
	"customer":   map[string]any{},
	"event":      map[string]any{},
	"event_name": "",
	"now":        time.Time{},
}

// Compile parses and type-checks the expression. It is called by the loader; a Condition built
// by hand must be compiled before Eval. A name other than those of conditionEnv is a compile
// error, so that "custmer.tier" fails at lint time; a missing trait or property is still nil.
func (c *Condition) Compile() error {
	prog, err := expr.Compile(c.Source, expr.Env(conditionEnv), expr.AsBool())
	if err != nil {
		return err
	}
	c.prog = prog
	return nil
}

// NewCondition compiles source; for tests and programmatic use.
func NewCondition(source string) (*Condition, error) {
	c := &Condition{Source: source}
	if err := c.Compile(); err != nil {
		return nil, fmt.Errorf("condition %q: %w", source, err)
	}
	return c, nil
}

// Eval runs the condition. env holds customer, event, event_name and now.
func (c *Condition) Eval(env map[string]any) (bool, error) {
	if c == nil {
		return true, nil
	}
	prog := c.prog
	if prog == nil {
		// Not compiled by the loader: compile a private copy rather than writing c.prog, which
		// other goroutines may be reading.
		cc := &Condition{Source: c.Source}
		if err := cc.Compile(); err != nil {
			return false, err
		}
		prog = cc.prog
	}
	out, err := expr.Run(prog, env)
	if err != nil {
		return false, fmt.Errorf("evaluate %q: %w", c.Source, err)
	}
	b, _ := out.(bool)
	return b, nil
}

// UnmarshalYAML implements yaml.NodeUnmarshaler; it keeps the position for error messages.
// Compilation happens in the loader so that every broken condition is reported, not just the first.
func (c *Condition) UnmarshalYAML(n ast.Node) error {
	c.Source = scalar(n)
	c.Pos = posOf(n)
	return nil
}

func (c *Condition) String() string {
	if c == nil {
		return "true"
	}
	return c.Source
}
