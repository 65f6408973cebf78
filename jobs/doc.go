// Package jobs maps the background-job rooms of Rapport; it holds no code. Follow a purchase
// or a scheduled greeting through them in this order:
//
//   - jobs/tasks: task types, payloads, deterministic task ids, queues and the Enqueuer seam
//     that every producer and consumer of tasks shares;
//   - jobs/trigger: an ingested event → the campaigns it triggers → one send task each;
//   - jobs/schedule: the leased scheduler, occurrences (cron, local time, dates, holidays),
//     the fan-out of an occurrence into batch tasks, batch progress and the daily refit;
//   - jobs/delivery: the one path from a decision to a sent message — decide, claim, grant,
//     render, send, record — for one customer (Deliver) or a page of them (DeliverMany); the
//     only code that writes delivery records (Record);
//   - jobs/worker: the asynq server and the one table of task types and handlers;
//   - jobs/dryrun: preview, simulate and the demo's player, on delivery's decision path.
//
// Dependencies point one way: trigger, schedule and dryrun → delivery → decide, templates,
// channels, customers, rewards; tasks is imported by all of them. Customer-base analytics
// (models, refits, reports) are not jobs: they live in the top-level package analytics.
package jobs
