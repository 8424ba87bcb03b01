package registry

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ponte-hub/ponte/graph/loaders"
	"github.com/ponte-hub/ponte/graph/model"
	"github.com/ponte-hub/ponte/graph/request"
	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/store/casedata"
	"github.com/ponte-hub/ponte/internal/store/registrydata"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// LinkedPerson is the person a record links to, nil when unknown or out of scope.
func LinkedPerson(m *registrydata.Meta) (*casedata.Person, error) { return m.Person, nil }

// Freshness judges a record of collection against the sources' health, now.
func Freshness(ctx context.Context, collection string, m *registrydata.Meta) (*model.Freshness, error) {
	req, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	h, err := req.Loaders().RegistryHealth(ctx)
	if err != nil {
		return nil, err
	}
	f := h.Verdict(time.Now(), collection, m)
	out := &model.Freshness{Status: model.FreshnessStatus(f.Status), FetchedAt: f.FetchedAt,
		Age: int(f.Age / time.Second), MaxAge: int(f.MaxAge / time.Second)}
	if f.LastError != nil {
		msg, at := f.LastError.Error, f.LastError.At
		out.LastError, out.LastErrorAt = &msg, &at
	}
	return out, nil
}

// Source is a record's source as the API spells it.
func Source(s string) model.RegistrySource { return model.RegistrySource(strings.ToUpper(s)) }

var breakerStates = map[string]model.BreakerState{
	"closed": model.BreakerStateClosed, "half-open": model.BreakerStateHalfOpen, "open": model.BreakerStateOpen,
}

// Euro formats cents as a decimal with two places.
func Euro(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Refresher runs on-demand refreshes of registry data and counts the jobs waiting per
// source: the job queue (*syncjob.Queue) on a hub that runs one.
type Refresher interface {
	Refresh(ctx context.Context, taxCodes, sources []string, wait time.Duration) (syncjob.RefreshResult, error)
	Depth(ctx context.Context) ([]syncjob.QueueDepth, error)
}

type refresherKey struct{}

// WithRefresher makes r serve the refreshRegistryData mutation of requests in ctx.
func WithRefresher(ctx context.Context, r Refresher) context.Context {
	return context.WithValue(ctx, refresherKey{}, r)
}

// Middleware attaches r to every request (for server.Config.Middleware); without
// it, refreshRegistryData answers UNAVAILABLE.
func Middleware(r Refresher) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(w, req.WithContext(WithRefresher(req.Context(), r)))
		})
	}
}

func refresherFrom(ctx context.Context) Refresher {
	r, _ := ctx.Value(refresherKey{}).(Refresher)
	return r
}

// HouseholdMembers are the members of a benefit application the request may see. Every
// person a response names goes through the row scope: a member is shown only when the hub
// holds them and the caller may see them, and is then aged and logged like any person.
// The others are left out, as if the application did not name them.
func HouseholdMembers(ctx context.Context, obj *registrydata.BenefitCase) ([]registrydata.BenefitMember, error) {
	req, err := request.From(ctx)
	if err != nil {
		return nil, err
	}
	out := []registrydata.BenefitMember{}
	for _, m := range obj.Members {
		if req.Plan() == nil {
			out = append(out, m)
			continue
		}
		p, err := loaders.PersonsByTaxCode(req.Loaders()).Load(ctx, m.TaxCode)
		if err != nil {
			return nil, err
		}
		if p == nil || (req.Minor(p) && !req.Plan().CanRead(access.CategoryMinors)) {
			// Out of scope, unknown, or a minor the caller may not read about: not even
			// "there is a child on this application".
			continue
		}
		m.PersonID = p.ID
		out = append(out, m)
	}
	return out, nil
}
