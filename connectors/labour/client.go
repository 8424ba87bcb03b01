package labour

import (
	"context"
	"net/url"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/record"
)

// Paths of the labour contract.
const (
	PathLabourStatus           = "/v1/labour-status" // listing; + /{taxCode} for one person
	PathLabourStatusSearch     = "/v1/labour-status/search"
	PathEmploymentEvents       = "/v1/employment-events" // listing, or ?tax_code= for one person
	PathEmploymentEventsSearch = "/v1/employment-events/search"
)

// Client reads labour status and employment events.
type Client struct {
	http   *client.Client
	status record.Fetcher[LabourStatus]
	events record.Fetcher[EmploymentEvent]
}

// New wraps a client configured for the labour source.
func New(c *client.Client) *Client {
	return &Client{
		http:   c,
		status: record.Fetcher[LabourStatus]{Client: c, Kind: LabourStatusKind},
		events: record.Fetcher[EmploymentEvent]{Client: c, Kind: EmploymentEventKind},
	}
}

// HTTP returns the underlying client, for its metrics and breaker state.
func (c *Client) HTTP() *client.Client { return c.http }

// ListLabourStatus fetches one page of labour statuses.
func (c *Client) ListLabourStatus(ctx context.Context, cursor string, limit int) (*record.Page[LabourStatus], error) {
	return c.status.List(ctx, "list labour status", PathLabourStatus, cursor, limit, nil)
}

// LabourStatus fetches a person's labour status; client.ErrNotFound when
// the person never declared availability.
func (c *Client) LabourStatus(ctx context.Context, taxCode string) (*record.Page[LabourStatus], error) {
	const op = "get labour status of person"
	tc, err := record.LookupCode(Source, op, taxCode)
	if err != nil {
		return nil, err
	}
	return c.status.One(ctx, op, PathLabourStatus+"/"+url.PathEscape(tc))
}

// SearchLabourStatus fetches the labour status of up to record.MaxSearch persons.
func (c *Client) SearchLabourStatus(ctx context.Context, taxCodes []string) (*record.Page[LabourStatus], error) {
	const op = "search labour status"
	req, err := record.NewSearch(Source, op, taxCodes)
	if err != nil {
		return nil, err
	}
	return c.status.Search(ctx, op, PathLabourStatusSearch, req)
}

// ListEmploymentEvents fetches one page of employment events.
func (c *Client) ListEmploymentEvents(ctx context.Context, cursor string, limit int) (*record.Page[EmploymentEvent], error) {
	return c.events.List(ctx, "list employment events", PathEmploymentEvents, cursor, limit, nil)
}

// EmploymentEvents fetches one page of a worker's employment events.
func (c *Client) EmploymentEvents(ctx context.Context, taxCode, cursor string, limit int) (*record.Page[EmploymentEvent], error) {
	const op = "list employment events of person"
	tc, err := record.LookupCode(Source, op, taxCode)
	if err != nil {
		return nil, err
	}
	return c.events.List(ctx, op, PathEmploymentEvents, cursor, limit, url.Values{"tax_code": {tc}})
}

// SearchEmploymentEvents fetches the employment events of up to
// record.MaxSearch workers.
func (c *Client) SearchEmploymentEvents(ctx context.Context, taxCodes []string) (*record.Page[EmploymentEvent], error) {
	const op = "search employment events"
	req, err := record.NewSearch(Source, op, taxCodes)
	if err != nil {
		return nil, err
	}
	return c.events.Search(ctx, op, PathEmploymentEventsSearch, req)
}
