// Package registry answers the registry side of the API: on-demand refreshes through
// the job queue, the sources' status, and the freshness, source and amounts of the
// records the hub keeps from them.
package registry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/ponte-hub/ponte/graph/args"
	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/syncjob"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// defaultRefreshWait is how long refreshRegistryData waits when the client does not say.
const defaultRefreshWait = 10

// errNoRefresher: the server runs no job queue to refresh through.
var errNoRefresher = fmt.Errorf("registry: refresh is not available on this server: %w", apperr.ErrUnavailable)

// Refresh asks the registries about a person, or the current members of a
// household, through the job queue, and waits up to input.wait seconds. The person or
// household must be in the caller's scope. A registry failing is not an error of the
// mutation: the payload says FAILED with the registry's answer, and the data shown is
// what was stored before.
func Refresh(ctx context.Context, input model.RefreshRegistryDataInput) (*model.RefreshRegistryDataPayload, error) {
	var c apperr.Collector
	if (input.PersonID == nil) == (input.HouseholdID == nil) {
		c.Add("input.personId", "give exactly one of personId and householdId")
	}
	wait := defaultRefreshWait
	if input.Wait != nil {
		wait = *input.Wait
	}
	if maxWait := int(syncjob.MaxRefreshWait / time.Second); wait < 0 || wait > maxWait {
		c.Addf("input.wait", "must be between 0 and %d seconds, got %d", maxWait, wait)
	}
	personID, err := args.OptID("input.personId", input.PersonID, "Person")
	if err != nil {
		return nil, err
	}
	householdID, err := args.OptID("input.householdId", input.HouseholdID, "Household")
	if err != nil {
		return nil, err
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	sources := make([]string, len(input.Sources))
	for i, s := range input.Sources {
		sources[i] = strings.ToLower(string(s))
	}
	refresher := refresherFrom(ctx)
	if refresher == nil {
		return nil, errNoRefresher
	}

	payload := &model.RefreshRegistryDataPayload{Errors: []string{}}
	var taxCodes []string
	if personID != nil {
		p, err := request.Required(ctx, loaders.Persons, *personID)
		if err != nil {
			return nil, err
		}
		payload.Person = p
		taxCodes = []string{p.TaxCode}
		r, err := request.From(ctx)
		if err != nil {
			return nil, err
		}
		r.RecordChanged(p.ID)
	} else {
		h, err := request.Required(ctx, loaders.Households, *householdID)
		if err != nil {
			return nil, err
		}
		payload.Household = h
		if taxCodes, err = currentMemberCodes(ctx, h.ID); err != nil {
			return nil, err
		}
		if len(taxCodes) == 0 {
			return nil, apperr.Input("input.householdId", "the household has no current member in your scope")
		}
	}

	// The wait holds no database connection: the request's transaction commits (it has
	// only read) and the job is enqueued and watched on the queue's own pool; the answer
	// is read afresh in a new transaction, with what the refresh stored.
	var res syncjob.RefreshResult
	refresh := func() error {
		var err error
		res, err = refresher.Refresh(ctx, taxCodes, sources, time.Duration(wait)*time.Second)
		return err
	}
	// Waiting lets go of the request's transaction, which only an operation with no
	// other field may do: alongside others the refresh is enqueued and not waited for.
	if wait > 0 && !soleRootField(ctx) {
		wait = 0
	}
	if wait > 0 {
		r, err := request.From(ctx)
		if err != nil {
			return nil, err
		}
		err = r.WithoutTx(ctx, refresh)
		if err == nil {
			err = reread(ctx, payload)
		}
		if err != nil && !errors.Is(err, syncjob.ErrNotConfigured) {
			return nil, refreshFailed(err)
		}
	} else {
		err = refresh()
	}
	if errors.Is(err, syncjob.ErrNotConfigured) {
		return nil, apperr.Input("input.sources", "asks a registry this hub is not configured for: "+err.Error())
	}
	if err != nil {
		return nil, refreshFailed(err)
	}
	payload.State = model.RefreshState(res.State)
	payload.JobID = strconv.FormatInt(res.JobID, 10)
	payload.Fetched, payload.Stored = res.Summary.Fetched, res.Summary.Stored
	payload.Unchanged, payload.Quarantined = res.Summary.Unchanged, res.Summary.Quarantined
	payload.Errors = append(payload.Errors, res.Errors...)
	payload.RetryAt = res.RetryAt
	return payload, nil
}

func refreshFailed(err error) error {
	if errors.Is(err, apperr.ErrUnavailable) {
		return fmt.Errorf("registry: refresh registry data: %w", err)
	}
	return fmt.Errorf("registry: refresh registry data: %w: %w", apperr.ErrUnavailable, err)
}

// reread loads the payload's person or household again, in the request's current
// transaction, so that the answer shows what the refresh stored.
func reread(ctx context.Context, payload *model.RefreshRegistryDataPayload) error {
	var err error
	if payload.Person != nil {
		payload.Person, err = request.Required(ctx, loaders.Persons, payload.Person.ID)
	} else if payload.Household != nil {
		payload.Household, err = request.Required(ctx, loaders.Households, payload.Household.ID)
	}
	return err
}

// soleRootField reports whether the field resolving in ctx is its operation's only
// root field.
func soleRootField(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return false
	}
	return len(graphql.CollectFields(oc, oc.Operation.SelectionSet, nil)) == 1
}

// currentMemberCodes lists the tax codes of a household's current members in scope,
// through the request's loaders.
func currentMemberCodes(ctx context.Context, householdID string) ([]string, error) {
	members, err := request.Many(ctx, loaders.HouseholdMembers, householdID)
	if err != nil {
		return nil, err
	}
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	today := r.Today()
	var codes []string
	for _, m := range members {
		if m.ValidTo != nil && m.ValidTo.Before(today) {
			continue
		}
		p, err := request.Optional(ctx, loaders.Persons, &m.PersonID)
		if err != nil {
			return nil, err
		}
		if p != nil {
			codes = append(codes, p.TaxCode)
			r.RecordChanged(p.ID)
		}
	}
	return codes, nil
}

// Status reports every registry's health, with its collections and queue.
func Status(ctx context.Context) ([]model.RegistrySourceStatus, error) {
	r, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := registrydata.Status(ctx, r.Tx())
	if err != nil {
		return nil, err
	}
	// A hub that runs no job queue has no registry configured, and no jobs to count.
	var depth []syncjob.QueueDepth
	if q := refresherFrom(ctx); q != nil {
		if depth, err = q.Depth(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]model.RegistrySourceStatus, len(rows))
	for i, s := range rows {
		st := model.RegistrySourceStatus{
			Source: Source(s.Source), Status: model.RegistryHealth(s.Status), MaxAge: int(s.MaxAge / time.Second),
			BreakerState: breakerStates[s.BreakerState], BreakerObservedAt: s.BreakerObservedAt, LastAttemptAt: s.LastAttemptAt,
			LastSuccessAt: s.LastSuccessAt, ConsecutiveFailures: s.ConsecutiveFailures, RecentFailures: s.RecentFailures,
			LastError: s.LastError, LastErrorAt: s.LastErrorAt,
			Collections: make([]model.RegistryCollectionStatus, len(s.Collections)),
		}
		for _, d := range depth {
			if d.Source == s.Source {
				st.QueueWaiting, st.QueueRunning = d.Waiting, d.Running
			}
		}
		for k, c := range s.Collections {
			st.Collections[k] = model.RegistryCollectionStatus{
				Collection: c.Collection, InProgress: c.NextCursor != nil, PassRecords: int(c.PassRecords),
				LastAttemptAt: c.LastAttemptAt, LastSuccessAt: c.LastSuccessAt, LastFullSyncAt: c.LastFullSyncAt,
				ConsecutiveFailures: c.ConsecutiveFailures, LastError: c.LastError, LastErrorAt: c.LastErrorAt,
			}
		}
		out[i] = st
	}
	return out, nil
}
