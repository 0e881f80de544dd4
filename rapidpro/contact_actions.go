package rapidpro

import (
	"context"
	"errors"
)

// ContactActionsService handles the contact_actions endpoint: bulk changes
// to contacts, split into requests of 100.
// https://app.rapidpro.io/api/v2/contact_actions
type ContactActionsService service

// Contact actions.
const (
	ActionAdd             = "add"
	ActionRemove          = "remove"
	ActionBlock           = "block"
	ActionUnblock         = "unblock"
	ActionInterrupt       = "interrupt"
	ActionArchiveMessages = "archive_messages"
	ActionDelete          = "delete"
)

// ActionBatch is one request of a contact action.
type ActionBatch struct {
	// Contacts are the UUIDs or URNs the request named.
	Contacts []string
	// Err is nil when the action was applied to all of them; a 400 (an
	// unknown or inactive contact) fails the whole batch.
	Err error
}

type contactActionBody struct {
	Contacts []string `json:"contacts"`
	Action   string   `json:"action"`
	Group    string   `json:"group,omitempty"`
}

// Do applies action to any number of contacts (UUIDs or URNs), 100 per
// request. group (a UUID or name of a manual group) is required for add and
// remove and must be "" otherwise. Every batch is tried even when one fails.
// The actions other than delete change nothing when repeated, so their
// failed requests are retried and the whole call (or only the failed
// batches) can be run again safely; a delete is not retried, and running it
// again fails on the contacts already deleted.
func (s *ContactActionsService) Do(ctx context.Context, action, group string, contacts []string) ([]ActionBatch, error) {
	needsGroup := action == ActionAdd || action == ActionRemove
	if needsGroup != (group != "") {
		return nil, errors.New("rapidpro: a group is required for add and remove, and only for them")
	}
	contacts = dedupe(contacts)
	if len(contacts) == 0 {
		return nil, errors.New("rapidpro: a contact action needs contacts")
	}
	// Doing these twice changes nothing, so a failed request is retried.
	// A repeated delete would fail on the contacts the first attempt
	// deleted, so it is not.
	r := repeat(action != ActionDelete)
	n := batchCount(contacts)
	batches := make([]ActionBatch, n)
	errs := make([]error, n)
	for i := range batches {
		b := &batches[i]
		b.Contacts = chunk(contacts, i)
		_, b.Err = s.c.post(ctx, r, "contact_actions.json", nil, contactActionBody{b.Contacts, action, group}, nil)
		errs[i] = b.Err
		if ctx.Err() != nil {
			for j := i + 1; j < n; j++ {
				batches[j] = ActionBatch{Contacts: chunk(contacts, j), Err: ErrNotAttempted}
				errs[j] = ErrNotAttempted
			}
			break
		}
	}
	return batches, batchErr("contact action "+action, n, errs)
}

// AddToGroup adds contacts to a manual group; see Do.
func (s *ContactActionsService) AddToGroup(ctx context.Context, group string, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionAdd, group, contacts)
}

// RemoveFromGroup removes contacts from a manual group; see Do.
func (s *ContactActionsService) RemoveFromGroup(ctx context.Context, group string, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionRemove, group, contacts)
}

// Block blocks contacts; see Do.
func (s *ContactActionsService) Block(ctx context.Context, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionBlock, "", contacts)
}

// Unblock unblocks contacts; see Do.
func (s *ContactActionsService) Unblock(ctx context.Context, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionUnblock, "", contacts)
}

// Interrupt ends the contacts' active flow runs; see Do.
func (s *ContactActionsService) Interrupt(ctx context.Context, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionInterrupt, "", contacts)
}

// ArchiveMessages archives all the contacts' messages; see Do.
func (s *ContactActionsService) ArchiveMessages(ctx context.Context, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionArchiveMessages, "", contacts)
}

// Delete deletes contacts permanently; see Do.
func (s *ContactActionsService) Delete(ctx context.Context, contacts []string) ([]ActionBatch, error) {
	return s.Do(ctx, ActionDelete, "", contacts)
}
