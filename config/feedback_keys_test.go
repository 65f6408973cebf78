package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestSoftBounceLimitAndSMSKeywordsLoadAndValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "rapport.yaml", "email:\n  soft_bounce_limit: 5\nsms:\n  stop_words: [СТОП, \"لغو\"]\n  start_words: [СТАРТ]\n")
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email.SoftBounceLimit != 5 || !reflect.DeepEqual(c.SMS.StopWords, []string{"СТОП", "لغو"}) || !reflect.DeepEqual(c.SMS.StartWords, []string{"СТАРТ"}) {
		t.Fatalf("loaded %d %q %q", c.Email.SoftBounceLimit, c.SMS.StopWords, c.SMS.StartWords)
	}
	if d := Default(); d.Email.SoftBounceLimit != 3 {
		t.Fatalf("default soft_bounce_limit %d, want 3", d.Email.SoftBounceLimit)
	}
	env, err := Load("", []string{"RAPPORT_SMS_STOP_WORDS=halt,arrêt"})
	if err != nil || !reflect.DeepEqual(env.SMS.StopWords, []string{"halt", "arrêt"}) {
		t.Fatalf("from the environment: %q, %v", env.SMS.StopWords, err)
	}
	for name, tc := range map[string]struct{ yaml, want string }{
		"zero limit":      {"email:\n  soft_bounce_limit: 0\n", "email.soft_bounce_limit"},
		"empty stop word": {"sms:\n  stop_words: [\" \"]\n", "sms.stop_words[0]"},
		"word both ways":  {"sms:\n  stop_words: [halt]\n  start_words: [HALT]\n", "sms.start_words[0]"},
	} {
		_, err := Load(writeFile(t, dir, name+".yaml", tc.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.want)
		}
	}
}
