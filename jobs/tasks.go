// Package jobs wires Rapport together on asynq: it turns ingested events into send tasks,
// processes them (decide, claim, render, deliver, record), and runs the worker server. Task
// payloads carry ids, not profiles, so a queued task costs little Redis and always sees the
// customer as they are when the message goes out.
package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Task types.
const (
	// TypeSend delivers one campaign occurrence to one customer.
	TypeSend = "rapport:send"
	// TypeFanout walks the audience of one occurrence of a scheduled campaign (FanoutPayload).
	TypeFanout = "rapport:fanout"
	// TypeBatch delivers one occurrence to a page of customers due at one instant (BatchPayload).
	TypeBatch = "rapport:send-batch"
)

// Queues, by priority: triggered messages first, scheduled ones next, analytics last.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// SendPayload is the payload of a TypeSend task.
type SendPayload struct {
	Campaign   string `json:"c"`
	Customer   string `json:"u"`
	Occurrence string `json:"o"`
	// Due is when the campaign wants the message sent (event time + delay, or the scheduled instant).
	Due time.Time `json:"d"`
	// Event is the triggering event of a triggered campaign. Its properties travel with the
	// task because events are not stored; they are small.
	Event *EventPayload `json:"e,omitempty"`
}

// EventPayload is the part of an event a triggered send needs.
type EventPayload struct {
	ID         string         `json:"id"`
	Name       string         `json:"n"`
	Properties map[string]any `json:"p,omitempty"`
	Timestamp  time.Time      `json:"t"`
}

func (p *SendPayload) marshal() ([]byte, error) { return json.Marshal(p) }

func unmarshalSend(b []byte) (*SendPayload, error) {
	var p SendPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode send payload: %w", err)
	}
	if p.Campaign == "" || p.Customer == "" || p.Occurrence == "" {
		return nil, fmt.Errorf("decode send payload: campaign, customer and occurrence are required")
	}
	return &p, nil
}

// SendTaskID is the deterministic asynq TaskID of a send: the same campaign, customer and
// occurrence always map to the same id, so a retried request or a second scheduler cannot
// enqueue it twice while the task exists. Ids are hashed to keep them short and free of
// separators a customer id might contain.
func SendTaskID(campaign, customer, occurrence string) string {
	return "send:" + campaign + ":" + shortHash(customer+"\x00"+occurrence)
}

// deferredTaskID names the re-enqueued task when a decision moves the send later (window,
// frequency cap): the original task still exists while it runs, so the id must differ, and it
// stays deterministic so that a redelivered original defers to the same task.
func deferredTaskID(campaign, customer, occurrence string, at time.Time) string {
	return SendTaskID(campaign, customer, occurrence) + "@" + fmt.Sprint(at.Unix())
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// safeKeyPart keeps Redis key components readable but unambiguous.
func safeKeyPart(s string) string {
	if strings.ContainsAny(s, "{}: \n") || len(s) > 80 {
		return shortHash(s)
	}
	return s
}
