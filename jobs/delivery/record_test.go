package delivery

import (
	"reflect"
	"testing"
	"time"

	"github.com/rapporthq/rapport/links"
)

func TestRecordsRoundTripAndRecordsOfTheFirstLayoutStillRead(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		stored string // "" = Encode(want)
		want   Record
	}{
		{"claim", "claimed|tok1", Claim("tok1")},
		{"sent with reasons", "", Record{State: StateSent, Channel: "email", Variant: "gold", Reward: "early", Code: "NEXT10-ABCD",
			ProviderID: "q1", At: at, Attempt: 1, Reasons: []string{"variant gold: customer.tier == \"gold\"", "channel email | first allowed"}}},
		{"skipped", "", Record{State: StateSkipped, Reason: "no_channel", At: at, Reasons: []string{"no consent"}}},
		{"v1 sent", "sent|email|gold|q1|1796630400", Record{State: StateSent, Channel: "email", Variant: "gold", ProviderID: "q1", At: time.Unix(1796630400, 0).UTC()}},
		{"v1 sent, our own id", "sent|sms|v||1796630400", Record{State: StateSent, Channel: "sms", Variant: "v", At: time.Unix(1796630400, 0).UTC()}},
		{"v1 unknown", "unknown|email|v|1796630400", Record{State: StateUnknown, Channel: "email", Variant: "v", At: time.Unix(1796630400, 0).UTC()}},
		{"v1 skipped", "skipped|no_channel|no consent; no phone", Record{State: StateSkipped, Reason: "no_channel", Reasons: []string{"no consent", "no phone"}}},
		{"v1 holdout", "holdout|holdout|", Record{State: StateHoldout, Reason: "holdout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := tc.stored
			if stored == "" {
				stored = tc.want.Encode()
			}
			got, err := DecodeRecord(stored)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("decode %q:\n got %+v\nwant %+v", stored, got, tc.want)
			}
		})
	}
}

func TestARecordKeepsItsStateFirstForWorkersOfThePreviousRelease(t *testing.T) {
	for _, st := range []State{StateSent, StateSkipped, StateHoldout, StateUnknown} {
		if enc := (Record{State: st, Reason: "x"}).Encode(); enc[:len(st)+1] != string(st)+"|" {
			t.Errorf("%s encodes as %q", st, enc)
		}
	}
	if _, err := DecodeRecord("garbage"); err == nil {
		t.Error("a record without a state decoded")
	}
}

// links.Keyring is what delivery signs tracking URLs with: this fails to compile when
// links.SendIDLen and sendIDLen drift apart.
var _ URLSigner = (*links.Keyring)(nil)
