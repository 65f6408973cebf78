package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
)

// Eraser deletes the queued send tasks of an erased customer (customers.Eraser): their
// payloads name the customer and may carry the triggering event's properties. It looks at the
// pending, scheduled, retry, archived and completed tasks of every queue; a task being
// processed cannot be deleted, and finds the customer gone. Batch tasks are left alone: they
// hold the ids of a whole page, and a batch skips a customer whose profile is gone.
type Eraser struct {
	Inspector *asynq.Inspector
}

// erasePage is how many tasks one listing call reads.
const erasePage = 1000

// EraseCustomer deletes the send tasks whose payload names customer.
func (e *Eraser) EraseCustomer(ctx context.Context, customer string) error {
	queues, err := e.Inspector.Queues()
	if err != nil {
		return fmt.Errorf("list queues: %w", err)
	}
	type lister func(queue string, opts ...asynq.ListOption) ([]*asynq.TaskInfo, error)
	listers := []lister{e.Inspector.ListPendingTasks, e.Inspector.ListScheduledTasks,
		e.Inspector.ListRetryTasks, e.Inspector.ListArchivedTasks, e.Inspector.ListCompletedTasks}
	for _, q := range queues {
		// Ids are collected before anything is deleted: deleting while paging would shift
		// the pages under the listing.
		var ids []string
		for _, list := range listers {
			for page := 1; ; page++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				infos, err := list(q, asynq.PageSize(erasePage), asynq.Page(page))
				if err != nil {
					return fmt.Errorf("list tasks of queue %s: %w", q, err)
				}
				for _, t := range infos {
					if t.Type == TypeSend && payloadCustomer(t.Payload) == customer {
						ids = append(ids, t.ID)
					}
				}
				if len(infos) < erasePage {
					break
				}
			}
		}
		for _, id := range ids {
			if err := e.Inspector.DeleteTask(q, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
				return fmt.Errorf("delete task %s of queue %s: %w", id, q, err)
			}
		}
	}
	return nil
}

// payloadCustomer reads the customer of a send payload, "" when it does not decode.
func payloadCustomer(b []byte) string {
	var p struct {
		Customer string `json:"u"`
	}
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Customer
}
