package rig

import "strings"

// Learn rewrites the greeting of GreetingFiles to ask for every learned choice of the
// decision engine (issue 10): its variant by Thompson sampling between two (a second variant,
// "warm", is added), its channel by engagement and cost, its send time from the customer's
// and the base's hours. The greeting's variants key is replaced, since YAML refuses a key
// twice. bench/simulate -campaign learn and bench/holiday -learn use it.
//
// With no opens or clicks yet (a fresh benchmark base, no refit), send_time: optimize keeps
// each customer's instant ("no opens or clicks of the customer or the base yet: exact"), so
// every message of bench/holiday stays due now; the variant draw and the optimize path are
// still run for every customer.
func Learn(files map[string]string) {
	y := files["campaigns/greeting.yaml"]
	y = strings.Replace(y, "name: Holiday greeting\n", "name: Holiday greeting\n"+learnOptions, 1)
	if i := strings.Index(y, "variants:"); i >= 0 {
		y = y[:i] + learnVariants
	}
	files["campaigns/greeting.yaml"] = y
	files["templates/greeting/b.html"] = files["templates/greeting/standard.html"]
}

const learnOptions = `select: learn
explore: 5%
channel_select: best
send_time: optimize
`

const learnVariants = `variants:
  - id: standard
    email: {subject: "Happy Bench Day{{with .Customer.FirstName}}, {{.}}{{end}}!", html: greeting/standard.html}
  - id: warm
    email: {subject: "A warm Bench Day to you{{with .Customer.FirstName}}, {{.}}{{end}}", html: greeting/b.html}
`
