package main

import (
	"strings"

	"github.com/rapporthq/rapport/api"
	"github.com/rapporthq/rapport/jobs/delivery"
)

// exportReaders decode, for GET /v1/customers/{id}/export, the records of the customer's hash
// tag that the API cannot read itself: delivery records belong to jobs/delivery, which api
// does not import.
func exportReaders() map[string]api.RecordReader { return map[string]api.RecordReader{"d": exportSend} }

// exportSend reads a delivery record; rest is "CAMPAIGN:OCCURRENCE" of its key.
func exportSend(rest, value string) (any, error) {
	r, err := delivery.DecodeRecord(value)
	if err != nil {
		return nil, err
	}
	camp, occ, _ := strings.Cut(rest, ":")
	return api.ExportedSend{Campaign: camp, Occurrence: occ, State: string(r.State), Channel: r.Channel, Variant: r.Variant,
		Reward: r.Reward, Code: r.Code, Reason: r.Reason, Reasons: r.Reasons, At: r.At}, nil
}
