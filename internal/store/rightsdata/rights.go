package rightsdata

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/pkg/apperr"
)

// Request is a data-subject request (GDPR Art. 15-21) and how it was handled
// (migrations/00450_rights_requests.sql).
type Request struct {
	ID string
	// PersonID is the person who asked; nil once the person's data was erased.
	PersonID        *string
	Kind            string
	ReceivedOn      time.Time
	DueOn           time.Time
	ExtendedDueOn   *time.Time
	ExtensionReason *string
	Details         string
	Assignee        *string
	Status          string
	Outcome         *string
	Answer          *string
	AnsweredOn      *time.Time
	CreatedBy       string
	CreatedAt       time.Time
	Events          []RequestEvent
}

// Deadline is the day by which the request must be answered: the extended one, if any.
func (r Request) Deadline() time.Time {
	if r.ExtendedDueOn != nil {
		return *r.ExtendedDueOn
	}
	return r.DueOn
}

// RequestEvent is one thing done on a request.
type RequestEvent struct {
	At     time.Time
	Actor  string
	Action string
	Note   string
}

// NewRequest is a request as received.
type NewRequest struct {
	PersonID   string
	Kind       string
	ReceivedOn time.Time
	DueOn      time.Time
	Details    string
	CreatedBy  string
}

// RequestFilter selects requests: by person, open only, or open past their
// deadline on a day.
type RequestFilter struct {
	PersonID string
	OpenOnly bool
	// OverdueOn, when set, keeps the open requests whose deadline is before that day.
	OverdueOn *time.Time
	Limit     int
}

const rightsRequestColumns = `r.id::text, r.person_id::text, r.kind, r.received_on, r.due_on, r.extended_due_on, r.extension_reason,
	r.details, r.assignee, r.status, r.outcome, r.answer, r.answered_on, r.created_by, r.created_at,
	coalesce((SELECT array_agg(e.at ORDER BY e.id) FROM rights_request_events e WHERE e.request_id = r.id), '{}'),
	coalesce((SELECT array_agg(e.actor ORDER BY e.id) FROM rights_request_events e WHERE e.request_id = r.id), '{}'),
	coalesce((SELECT array_agg(e.action ORDER BY e.id) FROM rights_request_events e WHERE e.request_id = r.id), '{}'),
	coalesce((SELECT array_agg(e.note ORDER BY e.id) FROM rights_request_events e WHERE e.request_id = r.id), '{}')`

func scanRightsRequest(rows pgx.Rows) (Request, error) {
	var r Request
	var at []time.Time
	var actors, actions, notes []string
	err := rows.Scan(&r.ID, &r.PersonID, &r.Kind, &r.ReceivedOn, &r.DueOn, &r.ExtendedDueOn, &r.ExtensionReason,
		&r.Details, &r.Assignee, &r.Status, &r.Outcome, &r.Answer, &r.AnsweredOn, &r.CreatedBy, &r.CreatedAt,
		&at, &actors, &actions, &notes)
	for i := range at {
		r.Events = append(r.Events, RequestEvent{At: at[i], Actor: actors[i], Action: actions[i], Note: notes[i]})
	}
	return r, err
}

// CreateRequest records a request as received, with its CREATED event.
func CreateRequest(ctx context.Context, t *store.Tx, n NewRequest) (string, error) {
	var id string
	err := store.QueryRow(ctx, t, "create rights request", `
		WITH r AS (
			INSERT INTO rights_requests (person_id, kind, received_on, due_on, details, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id)
		INSERT INTO rights_request_events (request_id, actor, action, note)
		SELECT r.id, $6, 'CREATED', $5 FROM r RETURNING request_id::text`,
		[]any{n.PersonID, n.Kind, n.ReceivedOn, n.DueOn, n.Details, n.CreatedBy}, &id)
	return id, err
}

// RequestsByIDs loads requests, with their events.
func RequestsByIDs(ctx context.Context, t *store.Tx, ids []string) ([]Request, error) {
	return store.Query(ctx, t, "rights requests by id", `SELECT `+rightsRequestColumns+`
		FROM rights_requests r WHERE r.id = ANY($1::uuid[]) ORDER BY r.received_on, r.id`, []any{store.UUIDs(ids)}, scanRightsRequest)
}

// Requests lists requests, the nearest deadline first.
func Requests(ctx context.Context, t *store.Tx, f RequestFilter) ([]Request, error) {
	limit := f.Limit
	if limit <= 0 || limit > store.MaxPageSize {
		limit = store.MaxPageSize
	}
	return store.Query(ctx, t, "rights requests", `SELECT `+rightsRequestColumns+`
		FROM rights_requests r
		WHERE ($1::uuid IS NULL OR r.person_id = $1::uuid)
		  AND (NOT $2 OR r.status <> 'CLOSED')
		  AND ($3::date IS NULL OR (r.status <> 'CLOSED' AND coalesce(r.extended_due_on, r.due_on) < $3::date))
		ORDER BY coalesce(r.extended_due_on, r.due_on), r.received_on, r.id
		LIMIT $4`, []any{emptyAsNull(f.PersonID), f.OpenOnly, f.OverdueOn, limit}, scanRightsRequest)
}

// AssignRequest gives an open request to whoever handles it.
func AssignRequest(ctx context.Context, t *store.Tx, id, assignee, actor string) error {
	return rightsEvent(ctx, t, "assign rights request", `UPDATE rights_requests SET assignee = $2, status = 'ASSIGNED'
		WHERE id = $1 AND status <> 'CLOSED' RETURNING id`, []any{id, assignee}, id, actor, "ASSIGNED", assignee)
}

// ExtendRequest moves an open request's deadline, with the reason (Art. 12(3)).
func ExtendRequest(ctx context.Context, t *store.Tx, id string, to time.Time, reason, actor string) error {
	return rightsEvent(ctx, t, "extend rights request", `UPDATE rights_requests SET extended_due_on = $2, extension_reason = $3
		WHERE id = $1 AND status <> 'CLOSED' RETURNING id`, []any{id, to, reason}, id, actor, "EXTENDED", to.Format(time.DateOnly)+": "+reason)
}

// CloseRequest closes an open request with its outcome and the answer given.
func CloseRequest(ctx context.Context, t *store.Tx, id, outcome, answer string, answeredOn time.Time, actor string) error {
	return rightsEvent(ctx, t, "close rights request", `UPDATE rights_requests SET status = 'CLOSED', outcome = $2, answer = $3, answered_on = $4
		WHERE id = $1 AND status <> 'CLOSED' RETURNING id`, []any{id, outcome, answer, answeredOn}, id, actor, "CLOSED", outcome+": "+answer)
}

// rightsEvent runs one change of an open request and records it; a request that is
// missing, out of sight or closed is apperr.ErrNotFound.
func rightsEvent(ctx context.Context, t *store.Tx, op, update string, args []any, id, actor, action, note string) error {
	var got string
	if err := store.QueryRow(ctx, t, op, update, args, &got); err != nil {
		return err
	}
	_, err := store.Exec(ctx, t, op, `INSERT INTO rights_request_events (request_id, actor, action, note) VALUES ($1, $2, $3, $4)`,
		id, actor, action, note)
	return err
}

// emptyAsNull is nil for "", so an optional filter passes as SQL NULL.
func emptyAsNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CaseIDsOfPerson lists the cases that name the person or take in charge a household
// they belong to (or belonged to), as the transaction sees them.
func CaseIDsOfPerson(ctx context.Context, t *store.Tx, personID string) ([]string, error) {
	return store.Query(ctx, t, "cases of person", `SELECT c.id::text FROM cases c WHERE c.person_id = $1
		UNION SELECT c.id::text FROM cases c JOIN household_members m ON m.household_id = c.household_id WHERE m.person_id = $1
		ORDER BY 1`, []any{personID}, func(r pgx.Rows) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// Rectification is one corrected field of a person, with the value it replaced
// (migrations/00480_person_rectifications.sql).
type Rectification struct {
	PersonID    string
	RequestID   *string
	Field       string
	OldValue    *string
	NewValue    *string
	Reason      string
	RectifiedBy string
	RectifiedAt time.Time
}

// rectifiable maps the fields a rectification may change to their columns.
var rectifiable = map[string]string{"given_name": "given_name", "family_name": "family_name", "phone": "phone",
	"email": "email", "residence_municipality": "residence_municipality"}

// RectifyPerson sets the fields (column name to new value, nil clearing it) and records
// each change with the value it replaced. Unchanged fields are not recorded.
func RectifyPerson(ctx context.Context, t *store.Tx, personID string, changes map[string]*string, requestID *string, reason, by string) ([]Rectification, error) {
	cols := make([]string, 0, len(changes))
	for c := range changes {
		if _, ok := rectifiable[c]; !ok {
			return nil, fmt.Errorf("store: %s cannot be rectified here", c)
		}
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var out []Rectification
	for _, c := range cols {
		var rec Rectification
		// The old value is read and replaced in one statement, under the row's lock.
		err := store.QueryRow(ctx, t, "rectify person", `
			WITH old AS (SELECT id, `+c+`::text AS v FROM persons WHERE id = $1 FOR UPDATE),
			upd AS (UPDATE persons p SET `+c+` = $2, updated_at = now() FROM old WHERE p.id = old.id AND old.v IS DISTINCT FROM $2 RETURNING p.id)
			INSERT INTO person_rectifications (person_id, request_id, field, old_value, new_value, reason, rectified_by)
			SELECT old.id, $3, $4, old.v, $2, $5, $6 FROM old JOIN upd ON upd.id = old.id
			RETURNING person_id::text, request_id::text, field, old_value, new_value, reason, rectified_by, rectified_at`,
			[]any{personID, changes[c], requestID, c, reason, by},
			&rec.PersonID, &rec.RequestID, &rec.Field, &rec.OldValue, &rec.NewValue, &rec.Reason, &rec.RectifiedBy, &rec.RectifiedAt)
		if errors.Is(err, apperr.ErrNotFound) {
			continue // unchanged
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// Rectifications lists a person's corrections, oldest first.
func Rectifications(ctx context.Context, t *store.Tx, personID string) ([]Rectification, error) {
	return store.Query(ctx, t, "rectifications", `SELECT person_id::text, request_id::text, field, old_value, new_value, reason, rectified_by, rectified_at
		FROM person_rectifications WHERE person_id = $1 ORDER BY id`, []any{personID}, func(r pgx.Rows) (Rectification, error) {
		var rec Rectification
		return rec, r.Scan(&rec.PersonID, &rec.RequestID, &rec.Field, &rec.OldValue, &rec.NewValue, &rec.Reason, &rec.RectifiedBy, &rec.RectifiedAt)
	})
}
