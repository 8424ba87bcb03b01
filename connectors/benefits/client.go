package benefits

import (
	"context"
	"net/url"

	"github.com/ponte-hub/ponte/connectors/client"
	"github.com/ponte-hub/ponte/connectors/record"
)

// Paths of the benefits contract.
const (
	PathBenefitCases       = "/v1/benefit-cases"
	PathBenefitCasesSearch = "/v1/benefit-cases/search"
	PathPersons            = "/v1/persons/" // + {taxCode}/benefit-cases
	PathISEE               = "/v1/isee"     // listing; + /{taxCode} for one person
	PathISEESearch         = "/v1/isee/search"
)

// Client reads benefit cases and ISEE from the benefits registry.
type Client struct {
	http  *client.Client
	cases record.Fetcher[BenefitCase]
	isee  record.Fetcher[ISEE]
}

// New wraps a client configured for the benefits source.
func New(c *client.Client) *Client {
	return &Client{
		http:  c,
		cases: record.Fetcher[BenefitCase]{Client: c, Kind: BenefitCaseKind},
		isee:  record.Fetcher[ISEE]{Client: c, Kind: ISEEKind},
	}
}

// HTTP returns the underlying client, for its metrics and breaker state.
func (c *Client) HTTP() *client.Client { return c.http }

// ListBenefitCases fetches one page of all benefit cases visible to the
// hub; pass the previous page's NextCursor ("" to start).
func (c *Client) ListBenefitCases(ctx context.Context, cursor string, limit int) (*record.Page[BenefitCase], error) {
	return c.cases.List(ctx, "list benefit cases", PathBenefitCases, cursor, limit, nil)
}

// BenefitCases fetches every benefit case where taxCode is the applicant
// or a household member.
func (c *Client) BenefitCases(ctx context.Context, taxCode string) (*record.Page[BenefitCase], error) {
	const op = "get benefit cases of person"
	tc, err := record.LookupCode(Source, op, taxCode)
	if err != nil {
		return nil, err
	}
	return c.cases.Get(ctx, op, PathPersons+url.PathEscape(tc)+"/benefit-cases", nil)
}

// SearchBenefitCases fetches the benefit cases of up to record.MaxSearch persons.
func (c *Client) SearchBenefitCases(ctx context.Context, taxCodes []string) (*record.Page[BenefitCase], error) {
	const op = "search benefit cases"
	req, err := record.NewSearch(Source, op, taxCodes)
	if err != nil {
		return nil, err
	}
	return c.cases.Search(ctx, op, PathBenefitCasesSearch, req)
}

// ListISEE fetches one page of all ISEE attestations visible to the hub.
func (c *Client) ListISEE(ctx context.Context, cursor string, limit int) (*record.Page[ISEE], error) {
	return c.isee.List(ctx, "list ISEE", PathISEE, cursor, limit, nil)
}

// ISEE fetches the person's current ISEE; client.ErrNotFound if none.
func (c *Client) ISEE(ctx context.Context, taxCode string) (*record.Page[ISEE], error) {
	const op = "get ISEE of person"
	tc, err := record.LookupCode(Source, op, taxCode)
	if err != nil {
		return nil, err
	}
	return c.isee.One(ctx, op, PathISEE+"/"+url.PathEscape(tc))
}

// SearchISEE fetches the current ISEE of up to record.MaxSearch persons.
func (c *Client) SearchISEE(ctx context.Context, taxCodes []string) (*record.Page[ISEE], error) {
	const op = "search ISEE"
	req, err := record.NewSearch(Source, op, taxCodes)
	if err != nil {
		return nil, err
	}
	return c.isee.Search(ctx, op, PathISEESearch, req)
}
