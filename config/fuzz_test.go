package config

import (
	"reflect"
	"testing"
)

// FuzzCampaignFileNeverPanics feeds arbitrary bytes through the whole campaign path: parse,
// decode, validate. Bad input must come back as errors.
func FuzzCampaignFileNeverPanics(f *testing.F) {
	for _, seed := range []string{
		designCampaign,
		"id: a\ntrigger: {schedule: {cron: \"TZ=x\"}}\n",
		"a: &x [*x]\n",
		"<<: [*a, *b]\n",
		"variants:\n  - \n  - *nope\n",
		"id: !!str 12\nholdout: .inf\nrewards: [{budget: {count: 99999999999999999999}}]\n",
		"? [a]\n: b\n",
		"---\n---\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, body := parseDoc("f.yaml", data)
		if body == nil {
			return
		}
		c := &Campaign{}
		d.decode(body, reflect.ValueOf(c).Elem(), "")
		checkCampaign(d, c, map[string]*Segment{}, "UTC")
		for _, e := range d.errs {
			_ = e.Error()
		}
	})
}
