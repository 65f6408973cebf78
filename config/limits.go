package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/scanner"
	"github.com/goccy/go-yaml/token"
)

// Every file the loader reads comes from a marketer's editor, a git checkout or an upload
// through the console, so its size and shape are bounded before any of it is expanded. The
// YAML library has no such bounds: a 10-line file whose merge keys name an anchor nine times,
// nested nine deep (9^9 ≈ 387 million mappings), or 100,000 nested "[" (200 kB) each took
// lint to out-of-memory before these limits.
const (
	// maxFileSize is the largest YAML file read: the biggest real file (a holiday list, a
	// rapport.yaml with comments) is a few kB.
	maxFileSize = 1 << 20
	// maxNesting is the deepest nesting of mappings and lists, counted on the tokens before
	// the parser sees them: the parser keeps a path string per level, so its memory grows
	// with the square of the depth. Rapport's deepest key (sms.twilio.base_url, a reward's
	// budget) is four levels down.
	maxNesting = 64
	// maxExpansion is how many nodes aliases and merge keys may add to a file when
	// expanded, counting the nodes under each anchor each time it is used. A campaign that
	// shares a variant or an email block between a dozen entries expands to a few hundred.
	maxExpansion = 10_000
)

// errTooLarge is returned by readYAML for a file over maxFileSize.
var errTooLarge = fmt.Errorf("larger than %d MiB: not a configuration file", maxFileSize>>20)

// readYAML reads a file of at most maxFileSize bytes, without reading more than that of a
// larger one.
func readYAML(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}

// readError words a read failure for an Error whose File already names the path.
func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("read: %v", err)
}

// tokenize splits a file into tokens as lexer.Tokenize does, stopping at the first token
// nested more than maxNesting levels deep, which it returns: a 200 kB file of "[" would
// otherwise become 100,000 tokens before any check. Flow collections ("[", "{") count one
// level each; block collections are tracked by the column of their entries ("-") and keys:
// an entry or key further right than the open ones starts a deeper collection, one further
// left closes those it is left of. A sequence written at the column of its parent key counts
// no level of its own, so the count can be short by one per such sequence, never over: the
// limit stays a limit on real depth.
func tokenize(src string) (tokens token.Tokens, tooDeep *token.Token) {
	var s scanner.Scanner
	s.Init(src)
	flow := 0
	var block []int // columns of the open block collections, increasing
	var prev *token.Token
	for {
		sub, err := s.Scan()
		if err == io.EOF {
			return tokens, nil
		}
		for _, tk := range sub {
			at, col := tk, -1 // at: the token to report, the key rather than its colon
			switch tk.Type {
			case token.SequenceStartType, token.MappingStartType:
				flow++
			case token.SequenceEndType, token.MappingEndType:
				flow = max(flow-1, 0)
			case token.DocumentHeaderType, token.DocumentEndType:
				flow, block = 0, block[:0]
			case token.SequenceEntryType:
				col = tk.Position.Column
			case token.MappingValueType:
				col = tk.Position.Column
				if prev != nil && prev.Position.Line == tk.Position.Line {
					at, col = prev, prev.Position.Column
				}
			}
			if col >= 0 && flow == 0 {
				for len(block) > 0 && block[len(block)-1] > col {
					block = block[:len(block)-1]
				}
				if len(block) == 0 || block[len(block)-1] < col {
					block = append(block, col)
				}
			}
			if flow+len(block) > maxNesting {
				return nil, at
			}
			prev = tk
		}
		tokens.Add(sub...)
	}
}

// charge counts the nodes an alias adds when it is followed, and reports false once the file
// has expanded past maxExpansion. The nodes under an anchor are counted without following the
// aliases among them: those are charged when they are followed in turn, so the total is the
// size of the document as if it were written out.
func (d *doc) charge(alias *ast.AliasNode, target ast.Node, path string) bool {
	if d.exhausted {
		return false
	}
	n, ok := d.sizes[target]
	if !ok {
		c := nodeCounter(0)
		ast.Walk(&c, target)
		n = int(c)
		d.sizes[target] = n
	}
	d.expanded += n
	if d.expanded > maxExpansion {
		d.exhausted = true
		d.errorf(alias, path, "aliases and merge keys expand to more than %d values: "+
			"write the shared part out or use fewer aliases of aliases", maxExpansion)
		return false
	}
	return true
}

// nodeCounter counts the nodes of a tree.
type nodeCounter int

func (c *nodeCounter) Visit(ast.Node) ast.Visitor {
	*c++
	return c
}
