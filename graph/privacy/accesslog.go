package privacy

import (
	"context"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/ponte-hub/ponte/graph/args"
	"github.com/ponte-hub/ponte/graph/lists"
	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
	"github.com/ponte-hub/ponte/pkg/apperr"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

// AccessLog answers the data protection officer's questions to the access log: newest
// first, by person (GDPR Art. 15), subject and time. The cursor is the sequence number of
// a page's last entry. The database shows the log only to plans with read_access_log
// (migrations/00101_access_log.sql); the plan is checked here first, so anyone else is
// told FORBIDDEN rather than shown an empty log.
func AccessLog(ctx context.Context, person, subject *string, from, to *time.Time, first *int, after *string) (*model.AccessLogConnection, error) {
	r, err := request.Require(ctx, access.OpReadAccessLog)
	if err != nil {
		return nil, err
	}
	var f accessdata.LogFilter
	n := lists.DefaultAccessLogPage
	if first != nil {
		n = *first
	}
	if n < 1 || n > store.MaxPageSize {
		return nil, apperr.Inputf("first", "must be between 1 and %d, got %d", store.MaxPageSize, n)
	}
	f.Limit = n + 1
	if after != nil {
		seq, err := strconv.ParseInt(*after, 10, 64)
		if err != nil || seq < 1 {
			return nil, apperr.Input("after", "is not a cursor of the access log")
		}
		f.BeforeSeq = seq
	}
	id, err := args.OptID("person", person, "Person")
	if err != nil {
		return nil, err
	}
	if id != nil {
		f.PersonID = *id
	}
	if subject != nil {
		f.Subject = *subject
	}
	if from != nil {
		f.From = *from
	}
	if to != nil {
		f.To = *to
		if from != nil && !to.After(*from) {
			return nil, apperr.Input("to", "must be after from")
		}
	}
	recs, err := accessdata.Log(ctx, r.Tx(), f)
	if err != nil {
		return nil, err
	}
	conn := &model.AccessLogConnection{Edges: []model.AccessLogEdge{}}
	if len(recs) > n {
		recs = recs[:n]
		conn.PageInfo.HasNextPage = true
	}
	for _, rec := range recs {
		if rec.OrganisationID != "" {
			loaders.Organisations(r.Loaders()).Prime(rec.OrganisationID)
		}
	}
	for _, rec := range recs {
		e := model.AccessLogEntry{
			Seq: strconv.FormatInt(rec.Seq, 10), At: rec.At, Subject: rec.Subject, Role: rec.Role,
			Purpose: rec.Purpose, Operation: rec.Operation, RequestID: rec.RequestID,
			Persons: make([]string, len(rec.PersonIDs)), Categories: rec.Categories, Hash: hex.EncodeToString(rec.Hash),
		}
		if e.Categories == nil {
			e.Categories = []string{}
		}
		for i, p := range rec.PersonIDs {
			e.Persons[i] = globalid.Encode("Person", p)
			// Whose access history was shown is itself logged.
			r.RecordRead(p, 0)
		}
		if rec.OrganisationID != "" {
			if e.Organisation, err = loaders.Organisations(r.Loaders()).Load(ctx, rec.OrganisationID); err != nil {
				return nil, err
			}
		}
		conn.Edges = append(conn.Edges, model.AccessLogEdge{Cursor: e.Seq, Node: e})
	}
	if k := len(conn.Edges); k > 0 {
		c := conn.Edges[k-1].Cursor
		conn.PageInfo.EndCursor = &c
	}
	return conn, nil
}
