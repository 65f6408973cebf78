// Package examples holds the example content of Rapport: the configuration, campaigns,
// segments, templates and holidays that `rapport demo` loads, a synthetic customer base with
// its past orders, and the stream of purchase events the demo plays. The documentation quotes
// the same files, so what a reader sees is what runs.
//
// The customer base and the stream are written by gen (go run ./examples/gen) from a fixed
// seed. campaigns/ holds triggered campaigns (thank-you, welcome, big-order) and scheduled ones
// (birthday, New Year, Nowruz, Lunar New Year, win-back), of which the demo plays one
// occurrence each at start-up; scheduled/ holds the campaigns built on the purchase model
// (win-back-valuable, replenishment), which `rapport lint examples/scheduled` checks and the
// demo does not load, since it fits no model.
package examples

import "embed"

// FS is this directory as the demo unpacks it: rapport.yaml, campaigns/, segments/,
// templates/, holidays/, customers/, events/ and scheduled/. The generator is not included.
// Template partials are named on their own: a directory pattern leaves out files whose name
// starts with _.
//
//go:embed rapport.yaml campaigns segments templates holidays customers events scheduled
//go:embed templates/_*.html scheduled/templates/_*.html
var FS embed.FS
