package delivery

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// State is where a delivery stands.
type State string

// Delivery states. Claimed is the only one that is not final.
const (
	// StateClaimed: a worker holds the delivery and may be sending (lease: claimLease).
	StateClaimed State = "claimed"
	// StateSent: the provider accepted the message.
	StateSent State = "sent"
	// StateSkipped: the customer got nothing for this occurrence (Reason says why).
	StateSkipped State = "skipped"
	// StateHoldout: the customer is in the campaign's control group.
	StateHoldout State = "holdout"
	// StateUnknown: the provider may or may not have the message (the connection broke
	// after the transaction started); it is never resent automatically.
	StateUnknown State = "unknown"
	// StateDuplicate is an outcome, never stored: another attempt recorded the delivery
	// already (Outcome.Prior holds its record).
	StateDuplicate State = "duplicate"
	// StateDeferred is an outcome, never stored: the send was moved to a later time.
	StateDeferred State = "deferred"
)

// recordVersion is the layout Encode writes. Version 1 was the layouts of the first
// releases, which DecodeRecord still reads: "claimed|TOKEN", "sent|CH|VAR|PROVIDER|UNIX",
// "skipped|REASON|DETAIL", "holdout|REASON|DETAIL", "unknown|CH|VAR|UNIX".
const recordVersion = "2"

// reasonSep joins a record's reasons: an ASCII record separator, which no reason text holds.
const reasonSep = "\x1e"

// Record is the delivery record of one (campaign, occurrence, customer): the claim while a
// worker sends, then the outcome. It is stored as one string under deliveryKey; Encode and
// DecodeRecord are its only writer and reader.
//
// Layout (version 2), "|"-separated, the reasons last so that they may hold "|":
//
//	STATE|2|CHANNEL|VARIANT|REWARD|CODE|PROVIDER_ID|UNIX|ATTEMPT|REASON|REASONS
//
// STATE comes first, as in version 1, so that a worker of the previous release reading a new
// record still sees its state. A claim stays "claimed|TOKEN" in every version: the claim is
// taken with a native SET NX GET and compared by value in Lua (finishScript, customers'
// recordScript), so its value must not depend on the version.
type Record struct {
	State State
	// Token identifies the holder of a claim (StateClaimed only).
	Token string
	// Channel, Variant, Reward and Code describe what was sent (or was being sent).
	Channel, Variant, Reward, Code string
	// ProviderID is the provider's id of the message; empty when it is our own Message-ID,
	// which is derived from the key (messageID) and not stored again: at a million customers
	// its ~40 bytes cost about 40 MB of Redis per occurrence.
	ProviderID string
	// Reason is the skip code of a skipped or held-out customer.
	Reason string
	// Reasons are the decision's reasons, for every state: why this customer got this.
	Reasons []string
	// At is when the outcome was recorded (second resolution).
	At time.Time
	// Attempt counts channel fallbacks: 0 for the first channel tried.
	Attempt int
}

// Claim returns the record of a claim held by token.
func Claim(token string) Record { return Record{State: StateClaimed, Token: token} }

// Encode returns the stored form of r.
func (r Record) Encode() string {
	if r.State == StateClaimed {
		return string(StateClaimed) + "|" + r.Token
	}
	var b strings.Builder
	b.Grow(48 + len(r.Variant) + len(r.Code) + len(r.ProviderID) + 64*len(r.Reasons))
	b.WriteString(string(r.State))
	for _, f := range []string{recordVersion, r.Channel, r.Variant, r.Reward, r.Code, r.ProviderID} {
		b.WriteByte('|')
		b.WriteString(clean(f))
	}
	b.WriteByte('|')
	if !r.At.IsZero() {
		b.WriteString(strconv.FormatInt(r.At.Unix(), 10))
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(r.Attempt))
	b.WriteByte('|')
	b.WriteString(clean(r.Reason))
	b.WriteByte('|')
	for i, s := range r.Reasons {
		if i > 0 {
			b.WriteString(reasonSep)
		}
		b.WriteString(strings.ReplaceAll(s, reasonSep, " "))
	}
	return b.String()
}

// clean keeps a field free of the separator; ids and codes never hold one.
func clean(s string) string {
	if strings.IndexByte(s, '|') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "|", "/")
}

// DecodeRecord reads a stored record of any version.
func DecodeRecord(s string) (Record, error) {
	state, rest, ok := strings.Cut(s, "|")
	if !ok || state == "" {
		return Record{}, fmt.Errorf("delivery record %q: no state", truncate(s))
	}
	r := Record{State: State(state)}
	if r.State == StateClaimed {
		r.Token = rest
		return r, nil
	}
	if v, body, ok := strings.Cut(rest, "|"); ok && v == recordVersion {
		f := strings.SplitN(body, "|", 9)
		if len(f) != 9 {
			return Record{}, fmt.Errorf("delivery record %q: %d fields, want 11", truncate(s), len(f)+2)
		}
		r.Channel, r.Variant, r.Reward, r.Code, r.ProviderID = f[0], f[1], f[2], f[3], f[4]
		if f[5] != "" {
			unix, err := strconv.ParseInt(f[5], 10, 64)
			if err != nil {
				return Record{}, fmt.Errorf("delivery record %q: time: %w", truncate(s), err)
			}
			r.At = time.Unix(unix, 0).UTC()
		}
		n, err := strconv.Atoi(f[6])
		if err != nil {
			return Record{}, fmt.Errorf("delivery record %q: attempt: %w", truncate(s), err)
		}
		r.Attempt, r.Reason = n, f[7]
		if f[8] != "" {
			r.Reasons = strings.Split(f[8], reasonSep)
		}
		return r, nil
	}
	return decodeV1(r, rest), nil
}

// decodeV1 reads the layouts of version 1 (see recordVersion).
func decodeV1(r Record, rest string) Record {
	f := strings.Split(rest, "|")
	at := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	unix := func(i int) time.Time {
		if n, err := strconv.ParseInt(at(i), 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
		return time.Time{}
	}
	switch r.State {
	case StateSent:
		r.Channel, r.Variant, r.ProviderID, r.At = at(0), at(1), at(2), unix(3)
	case StateUnknown:
		r.Channel, r.Variant, r.At = at(0), at(1), unix(2)
	default: // skipped, holdout
		r.Reason = at(0)
		if d := strings.Join(f[min(1, len(f)):], "|"); d != "" {
			r.Reasons = strings.Split(d, "; ")
		}
	}
	return r
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
