// Package tasks is the seam every producer and consumer of background jobs shares: task types,
// payloads, deterministic task ids, queue policy and the Enqueuer interface. Payloads carry
// ids, not profiles, so a queued task costs little Redis and always sees the customer as they
// are when the message goes out.
package tasks

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/rapporthq/rapport/config"
)

// Task types.
const (
	// TypeSend delivers one campaign occurrence to one customer (SendPayload).
	TypeSend = "rapport:send"
	// TypeFanout walks the audience of one occurrence of a scheduled campaign (schedule.FanoutPayload).
	TypeFanout = "rapport:fanout"
	// TypeBatch delivers one occurrence to a page of customers due at one instant (BatchPayload).
	TypeBatch = "rapport:send-batch"
	// TypeRefit refits the customer-base models on the whole base and publishes them (RefitPayload).
	TypeRefit = "rapport:refit"
)

// Queues, by priority: triggered messages first, scheduled ones next, analytics last.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// MaxRetry bounds retries of a send; with the worker's backoff it spans about two days.
const MaxRetry = 20

// Enqueuer puts tasks into asynq; *asynq.Client satisfies it, and so does the demo's
// in-memory queue (dryrun.Player).
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// QueueFor picks the asynq queue of a campaign's tasks: its priority when set (config
// validates it is a queue name), else critical for triggered messages (time-critical) and
// default for scheduled ones.
func QueueFor(c *config.Campaign) string {
	if c.Priority != "" {
		return c.Priority
	}
	if c.Triggered() {
		return QueueCritical
	}
	return QueueDefault
}

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

// Marshal encodes the payload.
func (p *SendPayload) Marshal() ([]byte, error) { return json.Marshal(p) }

// UnmarshalSend decodes and checks a TypeSend payload; every consumer of send tasks (the
// worker, the demo's player) goes through it.
func UnmarshalSend(b []byte) (*SendPayload, error) {
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
	return "send:" + campaign + ":" + ShortHash(customer+"\x00"+occurrence)
}

// DeferredTaskID names the re-enqueued task when a decision moves the send later (window,
// frequency cap): the original task still exists while it runs, so the id must differ, and it
// stays deterministic so that a redelivered original defers to the same task.
func DeferredTaskID(campaign, customer, occurrence string, at time.Time) string {
	return SendTaskID(campaign, customer, occurrence) + "@" + strconv.FormatInt(at.Unix(), 10)
}

// BatchPayload is the payload of a TypeBatch task: one occurrence, due at one instant, for a
// page of customers. Ids only: profiles are read when the batch runs, so it sends to the
// customer as they are then, and a queued batch costs a few bytes per customer.
type BatchPayload struct {
	Campaign   string    `json:"c"`
	Occurrence string    `json:"o"`
	Due        time.Time `json:"d"`
	IDs        []string  `json:"u"`
}

// TaskID is deterministic in the batch's content, so a fan-out page enqueued twice (a retried
// fan-out, a second scheduler) makes one task; it also names the batch's offset in the run.
func (b *BatchPayload) TaskID() string {
	return "batch:" + b.Campaign + ":" + b.Occurrence + ":" + ShortHash(strconv.FormatInt(b.Due.Unix(), 10)+"\x00"+strings.Join(b.IDs, "\x00"))
}

// RefitPayload is the payload of a TypeRefit task.
type RefitPayload struct {
	// AsOf is the fit date: the refit occurrence of config predict.refit.
	AsOf time.Time `json:"as_of"`
}

// ShortHash is 24 hex digits of SHA-256: short ids and key parts free of separators.
func ShortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// SafeKeyPart keeps Redis key components readable but unambiguous.
func SafeKeyPart(s string) string {
	if strings.ContainsAny(s, "{}: \n") || len(s) > 80 {
		return ShortHash(s)
	}
	return s
}

// NewToken returns 24 random hex digits: the owner token of a claim or a lease.
func NewToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
