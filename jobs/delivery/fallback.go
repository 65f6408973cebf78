package delivery

import (
	"unicode/utf8"

	"github.com/rapporthq/rapport/decide"
)

// refusedReasonMax bounds the provider's answer quoted in a record's reason: enough for the
// SMTP reply code and its enhanced status ("550 5.1.1 no such user"), not a whole transcript.
const refusedReasonMax = 200

// refusedReason is the reason a record gives for leaving channel after a permanent failure.
// The provider's error names the address masked (channels masks it), never in clear.
func refusedReason(channel string, err error) string {
	msg := err.Error()
	if len(msg) > refusedReasonMax {
		cut := refusedReasonMax
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return channel + " refused for good, so the next allowed channel is tried: " + msg
}

// withRefused puts the reasons of the channels that failed for good before the reasons of
// the decision made after them, so that a record sent by SMS says why not by email.
func withRefused(dec decide.Decision, refused []string) decide.Decision {
	if len(refused) == 0 {
		return dec
	}
	dec.Reasons = append(append(make([]string, 0, len(refused)+len(dec.Reasons)), refused...), dec.Reasons...)
	return dec
}
