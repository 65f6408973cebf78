package main

import (
	"context"
	"errors"

	"github.com/rapporthq/rapport/channels"
)

// errDryRun is what a dry-run command's channels answer: preview and simulate decide and
// render, and never reach a channel; one that did would be a bug, refused loudly rather than
// written to the outbox.
var errDryRun = errors.New("a dry run sends nothing")

// noChannel stands for email and SMS in dry-run commands (appOptions.dryRun), so that they
// open no SMTP connection or outbox and say nothing of channels.
type noChannel struct{}

func (noChannel) SendEmail(context.Context, *channels.Email) (channels.Receipt, error) {
	return channels.Receipt{}, errDryRun
}

func (noChannel) SendSMS(context.Context, *channels.SMS) (channels.Receipt, error) {
	return channels.Receipt{}, errDryRun
}

func (noChannel) Close() error { return nil }
